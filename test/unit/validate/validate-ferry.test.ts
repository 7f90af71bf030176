import { describe, expect, it } from '@jest/globals';
import { validateFerry } from '../../../src/validate/validate-ferry.js';
import { checkSemantics } from '../../../src/validate/check-semantics.js';
import { registeredKinds } from '../../../src/drivers/registry.js';

const kinds = registeredKinds();

const sha = 'a'.repeat(64);
const valid = {
  site: { name: 'lab', retention: 5 },
  mirrors: {
    images: { kind: 'file', files: [{ url: 'http://127.0.0.1/x.img', sha256: sha, size: 3 }] },
    debian: { kind: 'deb', url: 'http://deb.example/debian', suites: ['bookworm'], components: ['main'], architectures: ['amd64'] },
    reg: { kind: 'oci', registry: 'https://r.example', images: [{ name: 'openstack/nova-api', tags: ['2024.1'] }] },
  },
};
const locate = (path: ReadonlyArray<string | number>) => ({ file: `classes/${path.join('/')}.yml`, line: path.length, column: 1 });

describe('validateFerry', () => {
  it('accepts a valid site', () => {
    expect(validateFerry({ ferry: valid, locate, kinds })).toEqual([]);
  });

  it('refuses file:// URLs at validation, naming the file and line (issue 11, defect 4)', () => {
    const local = { ...valid, mirrors: { images: { kind: 'file', files: [{ url: 'file:///srv/media/x.img', sha256: sha }] }, debian: { ...valid.mirrors.debian, url: 'file:///srv/media/debian' } } };
    const errors = validateFerry({ ferry: local, locate, kinds });
    expect(errors.map((e) => e.data.path).sort()).toEqual(['parameters.ferry.mirrors.debian.url', 'parameters.ferry.mirrors.images.files.0.url']);
    expect(errors[0].message).toMatch(/must match \^https\?:\/\//);
    expect(errors[0].data.file).toMatch(/^classes\//);
  });

  it('takes the limits and transport site settings', () => {
    const site = { ...valid.site, limits: { index_expansion: 20, index_line_bytes: 65536 }, transport: { stall_timeout: 30, attempts: 3 } };
    expect(validateFerry({ ferry: { ...valid, site }, locate, kinds })).toEqual([]);
    expect(validateFerry({ ferry: { ...valid, site: { ...site, transport: { attempts: 0 } } }, locate, kinds })).toHaveLength(1);
  });

  it('reports a missing parameters.ferry', () => {
    const [e] = validateFerry({ ferry: undefined, kinds });
    expect(e.message).toMatch(/parameters.ferry is missing/);
  });

  it('reports every error at once, each with file, line and path', () => {
    const bad = {
      site: { name: 'Lab Site', retention: 'ten' },
      mirrors: {
        images: { kind: 'file', files: [{ url: 'not a url', sha256: 'xyz' }] },
        debian: { kind: 'deb', url: 'http://deb.example/debian', suits: ['bookworm'] },
        what: { kind: 'floppy' },
      },
    };
    const errors = validateFerry({ ferry: bad, locate, kinds });
    const byPath = Object.fromEntries(errors.map((e) => [e.data.path, e]));
    expect(Object.keys(byPath)).toEqual(
      expect.arrayContaining([
        'parameters.ferry.site.name',
        'parameters.ferry.site.retention',
        'parameters.ferry.mirrors.images.files.0.url',
        'parameters.ferry.mirrors.images.files.0.sha256',
        'parameters.ferry.mirrors.debian.suits',
        'parameters.ferry.mirrors.what.kind',
      ]),
    );
    expect(byPath['parameters.ferry.site.retention'].data).toMatchObject({ file: 'classes/ferry/site/retention.yml', line: 3, expected: 'integer', actual: 'ten' });
    expect(byPath['parameters.ferry.mirrors.debian.suits'].message).toMatch(/unknown field "suits"/);
    expect(byPath['parameters.ferry.mirrors.what.kind'].message).toMatch(/one of "deb"/);
    expect(errors.every((e) => e.code === 'FERRY_SCHEMA')).toBe(true);
  });

  it('maps translated paths back to their origin', () => {
    const ferry = { site: { name: 'lab' }, mirrors: { m: { kind: 'deb', url: 42, suites: ['x'] } } };
    const [e] = validateFerry({ ferry, locate, origin: (p) => ['aptly', 'server', 'mirror', ...p.slice(1)], kinds });
    expect(e.data.path).toBe('parameters.aptly.server.mirror.m.url');
    expect(e.data.file).toBe('classes/aptly/server/mirror/m/url.yml');
  });

  it('rejects a path that climbs out of its root', () => {
    const ferry = { site: { name: 'lab' }, mirrors: { f: { kind: 'file', files: [{ url: 'http://h/x', sha256: sha, path: '../etc/passwd' }] } } };
    expect(validateFerry({ ferry, kinds }).map((e) => e.data.path)).toContain('parameters.ferry.mirrors.f.files.0.path');
  });
});

describe('checkSemantics', () => {
  it('reports bases that do not exist or are of another kind, and kinds without a driver', () => {
    const ferry = {
      mirrors: {
        product: { kind: 'deb', url: 'http://deb.example/product', suites: ['x'], keys: ['K'], bases: ['nothing', 'images'] },
        images: { kind: 'file' },
        reg: { kind: 'oci' },
        off: { kind: 'oci', enabled: false },
      },
    };
    const messages = checkSemantics(ferry, { locate, kinds: kinds.filter((k) => k.kind === 'deb' || k.kind === 'file') }).map((e) => e.message);
    expect(messages).toEqual([
      'mirror product: base nothing is not a mirror of this site',
      'mirror product: base images is a file mirror, not deb',
      expect.stringMatching(/^mirror reg: kind oci has no driver/),
    ]);
  });
});

describe('each kind checks its own mirrors (issue 9)', () => {
  it('a mirror with no kind is one error, "kind is required" (issue 10)', () => {
    const errors = validateFerry({ ferry: { site: { name: 'lab' }, mirrors: { m: { url: 'http://x/' } } }, locate, kinds });
    expect(errors.map((e) => [e.data.path, e.message])).toEqual([['parameters.ferry.mirrors.m', 'parameters.ferry.mirrors.m: kind is required']]);
  });

  it("a deb filter that does not parse is a validation error at the filter's file and line, not a plan-time failure", () => {
    const ferry = { site: { name: 'lab' }, mirrors: { d: { kind: 'deb', url: 'http://deb.example/debian', suites: ['bookworm'], keys: ['K'], filter: 'Name (% (((' } } };
    expect(validateFerry({ ferry, locate, kinds })).toEqual([]);
    const [e, ...rest] = checkSemantics(ferry, { locate, kinds });
    expect(rest).toEqual([]);
    expect(e.data).toMatchObject({ path: 'parameters.ferry.mirrors.d.filter', file: 'classes/mirrors/d/filter.yml', line: 3, resource: 'deb/d' });
    expect(e.message).toMatch(/^mirror d: /);
  });

  it('oci spec errors each name their own field, file and line, all at once', () => {
    const images = [
      { name: 'a/b', tags: ['1.0', '/(/'] },
      { name: 'a/b', tags: ['2.0'], target: ['reg.site:5000/ns', 'not a target'] },
    ];
    const ferry = { site: { name: 'lab' }, mirrors: { r: { kind: 'oci', registry: 'https://r.example', images } } };
    expect(validateFerry({ ferry, locate, kinds })).toEqual([]);
    const errors = checkSemantics(ferry, { locate, kinds });
    expect(errors.map((e) => [e.data.path, e.data.line])).toEqual([
      ['parameters.ferry.mirrors.r.images.0.tags.1', 6],
      ['parameters.ferry.mirrors.r.images.1.name', 5],
      ['parameters.ferry.mirrors.r.images.1.target.1', 6],
    ]);
    expect(errors[0].message).toMatch(/^mirror r: image a\/b: tag entry "\/\(\/" is not a valid regular expression/);
    expect(errors[1].message).toBe('mirror r: image a/b is listed twice; merge its tags into one entry (several push targets: a list in target)');
    expect(errors[2].message).toMatch(/^mirror r: image a\/b: target "not a target" is not a registry reference/);
  });

  it('a bad key is one error at the key, whose message fits where it is', () => {
    const images = [{ name: 'c/d', tags: ['1'], local_tags: { 'bad tag': '1', ok: '1' } }];
    const ferry = { site: { name: 'lab' }, mirrors: { r: { kind: 'oci', registry: 'https://r.example', images }, 'Bad Name': valid.mirrors.images } };
    const errors = validateFerry({ ferry, locate, kinds });
    expect(errors.map((e) => [e.data.path, e.message, e.data.line, e.data.actual])).toEqual([
      ['parameters.ferry.mirrors.Bad Name', 'parameters.ferry.mirrors.Bad Name: mirror name "Bad Name" must be lowercase letters, digits, ".", "_" or "-"', 3, 'Bad Name'],
      ['parameters.ferry.mirrors.r.images.0.local_tags.bad tag', 'parameters.ferry.mirrors.r.images.0.local_tags.bad tag: key "bad tag" must match ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$', 7, 'bad tag'],
    ]);
  });

  it('validation messages name no kind but the one at fault', () => {
    const ferry = { site: { name: 'lab' }, mirrors: { d: { kind: 'deb', url: 'http://deb.example/debian' } } };
    const [e] = validateFerry({ ferry, locate, kinds });
    expect(e.message).toBe('parameters.ferry.mirrors.d: needs one of the fields `suites`, `flat`');
  });
});
