import { describe, it, expect } from '@jest/globals';
import { readXmlRecords } from '../../../src/drivers/rpm/format/xml-records.js';
import { nevra, parsePackage, type RpmPackage } from '../../../src/drivers/rpm/format/primary.js';
import { resolveClosure, RpmUniverse, type ClosureOptions } from '../../../src/drivers/rpm/closure.js';
import { primaryXml, type PkgDef } from '../../helpers/rpm-metadata.js';

async function packages(mirror: string, defs: PkgDef[]): Promise<RpmPackage[]> {
  const out: RpmPackage[] = [];
  await readXmlRecords([Buffer.from(primaryXml(defs))], 'package', { onRecord: (el, i) => void out.push(parsePackage(el, i, mirror)) });
  return out;
}

const opts: ClosureOptions = { self: 'rpm/self', architectures: ['x86_64'] };

async function close(defs: PkgDef[], roots: string[], o: Partial<ClosureOptions> = {}, bases: PkgDef[] = []) {
  const own = await packages('rpm/self', defs);
  const base = await packages('rpm/base', bases);
  const u = new RpmUniverse([...own, ...base]);
  const rootPkgs = roots.map((r) => u.byName.get(r)![0]);
  const res = resolveClosure(u, rootPkgs, { ...opts, ...o });
  return { ...res, names: res.selected.map(nevra), baseNames: res.fromBases.map(nevra), universe: u };
}

describe('rpm dependency closure', () => {
  it('follows Requires through names, virtual provides and versions (newest that fits)', async () => {
    const r = await close(
      [
        { name: 'app', requires: ['libfoo >= 2.0', 'webserver', 'rpmlib(CompressedFileNames) <= 3.0.4-1'] },
        { name: 'libfoo', version: '1.0' },
        { name: 'libfoo', version: '2.1' },
        { name: 'libfoo', version: '3.0' },
        { name: 'nginx', provides: ['webserver'] },
        { name: 'unrelated' },
      ],
      ['app'],
    );
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'libfoo-3.0-1.x86_64', 'nginx-1.0-1.x86_64']);
    expect(r.unresolved).toEqual([]);
  });

  it('honours an upper bound, epochs included', async () => {
    const r = await close([{ name: 'app', requires: ['libfoo < 1:2.0'] }, { name: 'libfoo', epoch: '1', version: '1.5' }, { name: 'libfoo', epoch: '1', version: '2.5' }, { name: 'libfoo', version: '9.0' }], ['app']);
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'libfoo-1:1.5-1.x86_64']);
  });

  it('meets a file dependency from primary, and asks for filelists when primary lacks the path', async () => {
    const a = await close([{ name: 'app', requires: ['/usr/bin/tool', '/usr/share/data/file'] }, { name: 'tool', files: ['/usr/bin/tool'] }, { name: 'data', moreFiles: ['/usr/share/data/file'] }], ['app']);
    expect(a.names).toEqual(['app-1.0-1.x86_64', 'tool-1.0-1.x86_64']);
    expect(a.missingFiles).toEqual(['/usr/share/data/file']);
    expect(a.unresolved.map((u) => u.relation)).toEqual(['/usr/share/data/file']);
    // The caller adds the owners filelists names, and resolves again.
    a.universe.addFileOwners('/usr/share/data/file', a.universe.byName.get('data')!);
    const again = resolveClosure(a.universe, [a.universe.byName.get('app')![0]], opts);
    expect(again.selected.map(nevra)).toEqual(['app-1.0-1.x86_64', 'data-1.0-1.x86_64', 'tool-1.0-1.x86_64']);
    expect(again.missingFiles).toEqual([]);
    expect(again.unresolved).toEqual([]);
  });

  it('rich dependencies: or takes the first possible, and and with', async () => {
    const r = await close(
      [
        { name: 'app', requires: ['(missing or alt-b or alt-c)', '(x and y)', '(plugin with plugin-abi = 2)'] },
        { name: 'alt-b' },
        { name: 'alt-c' },
        { name: 'x' },
        { name: 'y' },
        { name: 'plugin', version: '3.0', provides: ['plugin-abi = 3'] },
        { name: 'plugin', version: '2.0', provides: ['plugin-abi = 2'] },
      ],
      ['app'],
    );
    expect(r.names).toEqual(['alt-b-1.0-1.x86_64', 'app-1.0-1.x86_64', 'plugin-2.0-1.x86_64', 'x-1.0-1.x86_64', 'y-1.0-1.x86_64']);
  });

  it('an or already met takes nothing more', async () => {
    const r = await close([{ name: 'app', requires: ['(alt-b or alt-c)', 'alt-c'] }, { name: 'alt-b' }, { name: 'alt-c' }], ['app']);
    expect(r.names).toEqual(['alt-c-1.0-1.x86_64', 'app-1.0-1.x86_64'].sort());
  });

  it('conditionals are decided on what the closure took', async () => {
    const r = await close(
      [
        { name: 'app', requires: ['gui', '(app-gui if gui)', '(app-tui if tui)', '(app-cfg if tui else app-cfg-default)', '(app-x unless gui)'] },
        { name: 'gui' },
        { name: 'tui' },
        { name: 'app-gui' },
        { name: 'app-tui' },
        { name: 'app-cfg' },
        { name: 'app-cfg-default' },
        { name: 'app-x' },
      ],
      ['app'],
    );
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'app-cfg-default-1.0-1.x86_64', 'app-gui-1.0-1.x86_64', 'gui-1.0-1.x86_64']);
  });

  it('takes the package that obsoletes a taken one', async () => {
    const r = await close([{ name: 'app', requires: ['oldtool'] }, { name: 'oldtool', version: '1.0' }, { name: 'newtool', version: '2.0', obsoletes: ['oldtool < 2.0'], provides: ['oldtool = 2.0'] }, { name: 'newtool', version: '1.5', obsoletes: ['oldtool < 2.0'] }], ['app']);
    // The package of that name meets the Requires; the newest package obsoleting it comes along.
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'newtool-2.0-1.x86_64', 'oldtool-1.0-1.x86_64']);
    const direct = await close([{ name: 'oldtool', version: '1.0' }, { name: 'newtool', version: '2.0', obsoletes: ['oldtool < 2.0'] }, { name: 'other', obsoletes: ['oldtool < 0.5'] }], ['oldtool']);
    expect(direct.names).toEqual(['newtool-2.0-1.x86_64', 'oldtool-1.0-1.x86_64']);
  });

  it('weak dependencies only when asked: Recommends forward, Supplements backward', async () => {
    const defs: PkgDef[] = [{ name: 'app', recommends: ['app-doc'] }, { name: 'app-doc' }, { name: 'app-lang', supplements: ['(app and lang-pack)'] }, { name: 'app-extra', supplements: ['app'] }, { name: 'lang-pack' }];
    expect((await close(defs, ['app'])).names).toEqual(['app-1.0-1.x86_64']);
    expect((await close(defs, ['app'], { weakDeps: true })).names).toEqual(['app-1.0-1.x86_64', 'app-doc-1.0-1.x86_64', 'app-extra-1.0-1.x86_64']);
  });

  it('uses base mirrors for what they offer, and reports what nothing meets per package', async () => {
    const r = await close([{ name: 'app', requires: ['libc', 'libfoo', 'ghost >= 2', '(nothing or nobody)', '(broken and'] }, { name: 'libfoo', requires: ['libbar'] }], ['app'], {}, [{ name: 'libc' }, { name: 'libbar', requires: ['libfoo'] }]);
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'libfoo-1.0-1.x86_64']);
    expect(r.baseNames).toEqual(['libbar-1.0-1.x86_64', 'libc-1.0-1.x86_64']);
    expect(r.unresolved).toEqual([
      { package: 'app-1.0-1.x86_64', mirror: 'rpm/self', field: 'Requires', relation: '(broken and (expected a package name at "end" in (broken and)' },
      { package: 'app-1.0-1.x86_64', mirror: 'rpm/self', field: 'Requires', relation: '(nothing or nobody)' },
      { package: 'app-1.0-1.x86_64', mirror: 'rpm/self', field: 'Requires', relation: 'ghost >= 2' },
    ]);
  });

  it('keeps to the architectures asked for, noarch always, the dependent arch first', async () => {
    const r = await close(
      [
        { name: 'app', requires: ['libz', 'common'] },
        { name: 'libz', arch: 'i686' },
        { name: 'libz', arch: 'x86_64' },
        { name: 'libz', arch: 'aarch64' },
        { name: 'common', arch: 'noarch' },
      ],
      ['app'],
      { architectures: ['x86_64', 'i686'] },
    );
    expect(r.names).toEqual(['app-1.0-1.x86_64', 'common-1.0-1.noarch', 'libz-1.0-1.x86_64']);
  });
});
