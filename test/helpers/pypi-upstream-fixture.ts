/**
 * The generated upstream most pypi tests share: dependencies between projects, one file with a
 * Requires-Python, one yanked, one pre-release, a manylinux/musllinux/win native project and pure
 * ones, an sdist; optionally with PEP 658 `.metadata` files and PEP 691 JSON pages.
 */
import { makeSdist, makeWheel, writeUpstream, type LayoutOptions, type UpstreamProject } from './pypi-wheels.js';

function fixtureProjects(): UpstreamProject[] {
  return [
    {
      name: 'App',
      files: [
        makeWheel({ name: 'App', version: '1.0', requires: ['lib>=1.0', 'native', 'winonly ; sys_platform == "win32"', 'docs-dep ; extra == "docs"'] }),
        { ...makeWheel({ name: 'App', version: '0.9', requires: ['lib'] }), yanked: 'broken build' },
        makeWheel({ name: 'App', version: '2.0b1', requires: ['lib'] }),
        makeSdist('App', '1.0'),
      ],
    },
    {
      name: 'lib',
      files: [makeWheel({ name: 'lib', version: '1.0' }), { ...makeWheel({ name: 'lib', version: '1.1', requiresPython: '>=3.99' }), requiresPython: '>=3.99' }],
    },
    {
      name: 'native',
      files: ['cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', 'cp311-cp311-musllinux_1_1_x86_64', 'cp311-cp311-win_amd64'].map((tag) => makeWheel({ name: 'native', version: '1.0', tag })),
    },
    { name: 'winonly', files: [makeWheel({ name: 'winonly', version: '1.0' })] },
    { name: 'docs-dep', files: [makeWheel({ name: 'docs-dep', version: '1.0' })] },
    { name: 'other', files: [makeWheel({ name: 'other', version: '3.0' })] },
  ];
}

export async function writeFixtureUpstream(root: string, options: LayoutOptions = {}): Promise<UpstreamProject[]> {
  const projects = fixtureProjects();
  await writeUpstream(root, projects, options);
  return projects;
}
