// The parts of Ferry's registry API (src/drivers/oci/registry-routes.ts) that a static server
// cannot answer, for nginx's JavaScript module (njs 0.7, Debian: libnginx-mod-http-js), as the
// configuration `ferry nginx-config` prints uses them:
//   /v2/_catalog?n=&last=            repositories of the published snapshot, paginated (Link)
//   /v2/<name>/tags/list?n=&last=    its tags, paginated likewise
//   404s under /v2/                  OCI error bodies: NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN
// Manifests and blobs themselves are static files (sendfile, Range, HEAD). What a snapshot serves
// is read from its manifest.json and each oci resource's repositories.json, under
// `$ferry_state/current` (read at each request: a publish or a rollback takes effect at once).
// Same answers as ferry serve (src/drivers/oci/serve-registry.ts), which the tests compare.
import fs from 'fs';

var COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
var TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
var DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function readJson(path) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (e) {
    return undefined;
  }
}

/** name -> repository entry ({tags, manifests, blobs}) of the published snapshot; undefined when none is. */
function view(r) {
  var dir = r.variables.ferry_state + '/current';
  var manifest = readJson(dir + '/manifest.json');
  if (!manifest) return undefined;
  var repos = {};
  (manifest.resources || []).forEach(function (res) {
    if (res.kind !== 'oci') return;
    var catalog = readJson(dir + '/tree/' + res.root + '/repositories.json');
    if (!catalog || catalog.version !== 1 || typeof catalog.repositories !== 'object') return;
    Object.keys(catalog.repositories).forEach(function (name) {
      if (!(name in repos)) repos[name] = catalog.repositories[name];
    });
  });
  return repos;
}

function byCodePoint(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function send(r, status, body, headers) {
  r.headersOut['Content-Type'] = 'application/json';
  r.headersOut['Docker-Distribution-API-Version'] = 'registry/2.0';
  Object.keys(headers || {}).forEach(function (k) {
    r.headersOut[k] = headers[k];
  });
  r.return(status, body);
}

function fail(r, status, code, message, detail) {
  send(r, status, JSON.stringify({ errors: [{ code: code, message: message, detail: detail === undefined ? null : detail }] }));
}

/** One page of a sorted list (distribution-spec "Listing Tags"), as registry-routes.ts paginate(). */
function paginate(sorted, args) {
  var nText = args.n;
  var last = args.last;
  var n = Infinity;
  if (nText !== undefined && nText !== '') {
    if (!/^\d+$/.test(nText)) return { invalid: 'n must be a non-negative integer, got ' + nText };
    n = Number(nText);
  }
  var from = 0;
  if (last !== undefined && last !== '') {
    while (from < sorted.length && sorted[from] <= last) from++;
  }
  var items = sorted.slice(from, Math.min(sorted.length, from + n));
  var more = from + items.length < sorted.length && n !== Infinity && items.length > 0;
  return { items: items, next: more ? items[items.length - 1] : undefined };
}

function linkTo(path, n, next) {
  return '<' + path + '?n=' + n + '&last=' + encodeURIComponent(next) + '>; rel="next"';
}

function catalog(r) {
  var repos = view(r);
  if (!repos) return fail(r, 404, 'NAME_UNKNOWN', 'nothing published yet');
  var page = paginate(Object.keys(repos).sort(byCodePoint), r.args);
  if (page.invalid) return fail(r, 400, 'PAGINATION_NUMBER_INVALID', page.invalid);
  send(r, 200, JSON.stringify({ repositories: page.items }), page.next === undefined ? {} : { Link: linkTo('/v2/_catalog', r.args.n, page.next) });
}

function tags(r) {
  var name = r.uri.slice('/v2/'.length, -'/tags/list'.length);
  if (!name.split('/').every(function (p) { return COMPONENT.test(p); })) return fail(r, 400, 'NAME_INVALID', 'invalid repository name ' + name);
  var repos = view(r);
  if (!repos) return fail(r, 404, 'NAME_UNKNOWN', 'nothing published yet');
  var entry = repos[name];
  if (!entry) return fail(r, 404, 'NAME_UNKNOWN', 'repository ' + name + ' is not served', { name: name });
  var page = paginate(Object.keys(entry.tags).sort(byCodePoint), r.args);
  if (page.invalid) return fail(r, 400, 'PAGINATION_NUMBER_INVALID', page.invalid);
  send(r, 200, JSON.stringify({ name: name, tags: page.items }), page.next === undefined ? {} : { Link: linkTo('/v2/' + name + '/tags/list', r.args.n, page.next) });
}

/** The answer to a request under /v2/ that found no file: which of the OCI error codes applies. */
function error(r) {
  var parts = r.uri.split('/').slice(2);
  var kind = parts[parts.length - 2];
  var ref = parts[parts.length - 1];
  var name = parts.slice(0, -2).join('/');
  if (parts.length < 3 || (kind !== 'manifests' && kind !== 'blobs')) return fail(r, 404, 'NOT_FOUND', 'no such registry endpoint');
  if (!parts.slice(0, -2).every(function (p) { return COMPONENT.test(p); })) return fail(r, 400, 'NAME_INVALID', 'invalid repository name ' + name);
  if (kind === 'manifests' && !TAG.test(ref) && !DIGEST.test(ref)) return fail(r, 400, 'MANIFEST_INVALID', 'invalid reference ' + ref);
  if (kind === 'blobs' && !DIGEST.test(ref)) return fail(r, 400, 'DIGEST_INVALID', 'invalid digest ' + ref);
  var repos = view(r);
  if (!repos) return fail(r, 404, 'NAME_UNKNOWN', 'nothing published yet');
  if (!repos[name]) return fail(r, 404, 'NAME_UNKNOWN', 'repository ' + name + ' is not served', { name: name });
  if (kind === 'manifests') return fail(r, 404, 'MANIFEST_UNKNOWN', 'manifest ' + ref + ' of ' + name + ' is not served', { name: name, reference: ref });
  fail(r, 404, 'BLOB_UNKNOWN', 'blob ' + ref + ' of ' + name + ' is not served', { name: name, digest: ref });
}

export default { catalog: catalog, tags: tags, error: error };
