// The parts of Ferry's registry API (src/drivers/oci/registry-routes.ts) that a static server
// cannot answer, for nginx's JavaScript module (njs 0.7, Debian: libnginx-mod-http-js), as the
// configuration `ferry nginx-config` prints uses them:
//   /v2/_catalog?n=&last=            repositories of the published snapshot, paginated (Link)
//   /v2/<name>/tags/list?n=&last=    its tags, paginated likewise
//   404s under /v2/                  OCI error bodies: NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN
//   /v2/snapshots/<id>/...           the same API over a retained snapshot (the id lowercased, as
//                                    image references want it); manifests and blobs are handed to
//                                    the static /snapshots/<Id>/v2/ location by internal redirect
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
  return viewAt(r.variables.ferry_state + '/current');
}

/** The same of the snapshot folder `dir`. */
function viewAt(dir) {
  var manifest = readJson(dir + '/manifest.json');
  if (!manifest) return undefined;
  var repos = {};
  var roots = {};
  Object.defineProperty(repos, '__roots', { value: roots, enumerable: false });
  (manifest.resources || []).forEach(function (res) {
    if (res.kind !== 'oci') return;
    var catalog = readJson(dir + '/tree/' + res.root + '/repositories.json');
    if (!catalog || catalog.version !== 1 || typeof catalog.repositories !== 'object') return;
    Object.keys(catalog.repositories).forEach(function (name) {
      if (!(name in repos)) {
        repos[name] = catalog.repositories[name];
        roots[name] = res.root;
      }
    });
  });
  return repos;
}

function byCodePoint(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function send(r, status, body, headers) {
  r.headersOut['Content-Type'] = (headers && headers['Content-Type']) || 'application/json';
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

var RETAINED = { 'Cache-Control': 'public, max-age=31536000, immutable' };

/** The retained snapshot a lowercased id names (its real id), or undefined. */
function findSnapshot(r, wanted) {
  var ids;
  try {
    ids = fs.readdirSync(r.variables.ferry_state + '/snapshots');
  } catch (e) {
    return undefined;
  }
  wanted = wanted.toLowerCase();
  for (var i = 0; i < ids.length; i++) {
    if (ids[i].toLowerCase() === wanted && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ids[i]) && readJson(r.variables.ferry_state + '/snapshots/' + ids[i] + '/manifest.json')) return ids[i];
  }
  return undefined;
}

function exists(path) {
  try {
    return fs.statSync(path).isFile();
  } catch (e) {
    return false;
  }
}

/** /v2/snapshots/<id>/...: the registry API over a retained snapshot, as ferry serve answers it. */
function snapshot(r) {
  var parts = r.uri.slice('/v2/snapshots/'.length).split('/');
  var wanted = parts[0];
  parts = parts.slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts = parts.slice(0, -1);
  var base = '/v2/snapshots/' + wanted;
  var id = findSnapshot(r, wanted);
  if (id === undefined) return fail(r, 404, 'NAME_UNKNOWN', 'no retained snapshot ' + wanted);
  var dir = r.variables.ferry_state + '/snapshots/' + id;
  var headers = { 'Cache-Control': RETAINED['Cache-Control'], 'X-Ferry-Snapshot': id };
  if (parts.length === 0) return send(r, 200, '{}', headers);
  var repos = viewAt(dir) || {};
  if (parts.length === 1 && parts[0] === '_catalog') {
    var all = paginate(Object.keys(repos).sort(byCodePoint), r.args);
    if (all.invalid) return fail(r, 400, 'PAGINATION_NUMBER_INVALID', all.invalid);
    if (all.next !== undefined) headers.Link = linkTo(base + '/_catalog', r.args.n, all.next);
    return send(r, 200, JSON.stringify({ repositories: all.items }), headers);
  }
  var kind = parts[parts.length - 2];
  var ref = parts[parts.length - 1];
  var nameParts = parts.slice(0, -2);
  var name = nameParts.join('/');
  if (parts.length < 3 || (kind !== 'manifests' && kind !== 'blobs' && !(kind === 'tags' && ref === 'list'))) return fail(r, 404, 'NOT_FOUND', 'no such registry endpoint');
  if (kind === 'manifests' && !TAG.test(ref) && !DIGEST.test(ref)) return fail(r, 400, 'MANIFEST_INVALID', 'invalid reference ' + ref);
  if (kind === 'blobs' && !DIGEST.test(ref)) return fail(r, 400, 'DIGEST_INVALID', 'invalid digest ' + ref);
  if (!nameParts.every(function (p) { return COMPONENT.test(p); })) return fail(r, 400, 'NAME_INVALID', 'invalid repository name ' + name);
  var entry = repos[name];
  if (!entry) return fail(r, 404, 'NAME_UNKNOWN', 'repository ' + name + ' is not served', { name: name });
  if (kind === 'tags') {
    var page = paginate(Object.keys(entry.tags).sort(byCodePoint), r.args);
    if (page.invalid) return fail(r, 400, 'PAGINATION_NUMBER_INVALID', page.invalid);
    if (page.next !== undefined) headers.Link = linkTo(base + '/' + name + '/tags/list', r.args.n, page.next);
    return send(r, 200, JSON.stringify({ name: name, tags: page.items }), headers);
  }
  if (kind === 'manifests') return answerManifest(r, dir, repos, name, ref, headers);
  if (!exists(dir + '/tree/v2/' + name + '/' + kind + '/' + ref)) return fail(r, 404, 'BLOB_UNKNOWN', 'blob ' + ref + ' of ' + name + ' is not served', { name: name, digest: ref });
  // The blob itself: the retained snapshot's static location (sendfile, Range, HEAD).
  r.headersOut['Docker-Distribution-API-Version'] = 'registry/2.0';
  r.internalRedirect('/snapshots/' + id + '/v2/' + name + '/' + kind + '/' + ref);
}

/**
 * A manifest by tag or digest: its stored bytes with the media type and digest repositories.json
 * records. Answered here rather than by a static file because nginx reads the snapshot's type
 * maps only when its configuration loads: a snapshot published since would lose its types
 * (docker and skopeo refuse a manifest without its media type).
 */
function answerManifest(r, dir, repos, name, ref, headers) {
  var entry = repos[name];
  if (!entry) return fail(r, 404, 'NAME_UNKNOWN', 'repository ' + name + ' is not served', { name: name });
  var digest = ref.indexOf(':') >= 0 ? ref : entry.tags[ref];
  var m = digest && entry.manifests[digest];
  if (!m) return fail(r, 404, 'MANIFEST_UNKNOWN', 'manifest ' + ref + ' of ' + name + ' is not served', { name: name, reference: ref });
  var body;
  try {
    body = fs.readFileSync(dir + '/tree/' + repos.__roots[name] + '/blobs/' + digest.replace(':', '/'));
  } catch (e) {
    return fail(r, 404, 'BLOB_UNKNOWN', 'blob ' + digest + ' is missing from the snapshot');
  }
  var h = { 'Content-Type': m.mediaType, 'Docker-Content-Digest': digest, ETag: '"' + digest + '"' };
  Object.keys(headers).forEach(function (k) {
    h[k] = headers[k];
  });
  send(r, 200, body, h);
}

/** /v2/<name>/manifests/<reference> of the published snapshot. */
function manifest(r) {
  var parts = r.uri.slice('/v2/'.length).split('/');
  var ref = parts[parts.length - 1];
  var name = parts.slice(0, -2).join('/');
  if (!parts.slice(0, -2).every(function (p) { return COMPONENT.test(p); })) return fail(r, 400, 'NAME_INVALID', 'invalid repository name ' + name);
  if (!TAG.test(ref) && !DIGEST.test(ref)) return fail(r, 400, 'MANIFEST_INVALID', 'invalid reference ' + ref);
  var repos = view(r);
  if (!repos) return fail(r, 404, 'NAME_UNKNOWN', 'nothing published yet');
  answerManifest(r, r.variables.ferry_state + '/current', repos, name, ref, {});
}

export default { catalog: catalog, tags: tags, error: error, snapshot: snapshot, manifest: manifest };
