/**
 * Differential tests: every inventory under test/fixtures/reclass/<case>/ is rendered by
 * reclass 1.7.0 (the patched copy scripts/install-reclass.sh installs) and by Ferry; the JSON
 * outputs must be identical except `__reclass__.timestamp` and `uri` (and the order of the
 * node lists in --inventory's classes/applications maps, which follows reclass's directory
 * walk). Numbers compare with their type: `4.0` (a float) is not `4` (json-floats.ts). Both tools
 * read the folder as it is, symlinks included (Ferry through openModelDir, as the CLI does).
 * A case's optional case.yml names the nodes that must fail in both tools (with Ferry's
 * error code) and turns the --inventory comparison off.
 */
import { describe, it, expect, beforeAll } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { readdirSync, existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'yaml';
import { FerryErrors } from '../../src/core/ferry-error.js';
import { listNodes, renderInventory, renderNode, toPyJson, toReclassInventory, toReclassNodeinfo } from '../../src/model/index.js';
import { openModelDir } from '../../src/source/model-dir.js';
import { runReclass, RECLASS } from './run-reclass.js';
import { parseJsonKeepFloats } from './json-floats.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/reclass', import.meta.url));
const cases = readdirSync(FIXTURES).filter((c) => existsSync(join(FIXTURES, c, 'nodes'))).sort();

interface CaseSpec {
  errors?: Record<string, string>;
  inventory?: boolean;
  inventory_error?: string;
  /** Node names that do not exist: both tools must refuse them. */
  missing_nodes?: string[];
}

type Json = Record<string, unknown>;

function normalize(out: Json): Json {
  const strip = (info: Json): Json => {
    const r = { ...(info.__reclass__ as Json) };
    delete r.timestamp;
    delete r.uri;
    return { ...info, __reclass__: r };
  };
  if (out.nodes) {
    const nodes: Json = {};
    for (const [k, v] of Object.entries(out.nodes as Json)) nodes[k] = strip(v as Json);
    const sortLists = (m: Json): Json => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, [...(v as string[])].sort()]));
    return { nodes, classes: sortLists(out.classes as Json), applications: sortLists(out.applications as Json) };
  }
  return strip(out);
}

function ferryCodes(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof FerryErrors) return e.errors.map((x) => x.code);
    throw e;
  }
}

function ferryCode(fn: () => unknown): string | undefined {
  return ferryCodes(fn)[0];
}

const home = mkdtempSync(join(tmpdir(), 'ferry-reclass-home-'));

beforeAll(() => {
  if (!existsSync(RECLASS)) {
    throw new Error(`reclass 1.7.0 is missing at ${RECLASS}: run scripts/install-reclass.sh as root (make test does)`);
  }
});

describe.each(cases)('reclass 1.7.0 and Ferry render %s identically', (name) => {
  const dir = join(FIXTURES, name);
  const spec: CaseSpec = existsSync(join(dir, 'case.yml')) ? ((parse(readFileSync(join(dir, 'case.yml'), 'utf8')) as CaseSpec | null) ?? {}) : {};
  const files = openModelDir(dir);

  it('--nodeinfo of every node', async () => {
    const nodes = ferryCode(() => listNodes(files)) ? readdirSync(join(dir, 'nodes')).map((f) => f.replace(/\.ya?ml$/, '')) : listNodes(files);
    const results = await Promise.all(nodes.map((n) => runReclass(dir, ['--nodeinfo', n], home)));
    nodes.forEach((node, i) => {
      const expectedCode = spec.errors?.[node];
      const r = results[i];
      if (expectedCode) {
        expect({ node, reclassFailed: r.code !== 0 }).toEqual({ node, reclassFailed: true });
        expect({ node, code: ferryCode(() => renderNode(files, node)) }).toEqual({ node, code: expectedCode });
        return;
      }
      expect({ node, reclassFailed: r.code !== 0, stderr: r.code !== 0 ? r.stderr.slice(-800) : '' }).toEqual({ node, reclassFailed: false, stderr: '' });
      const ours = parseJsonKeepFloats(toPyJson(toReclassNodeinfo(renderNode(files, node)))) as Json;
      expect({ node, out: normalize(ours) }).toEqual({ node, out: normalize(parseJsonKeepFloats(r.stdout) as Json) });
    });
  });

  if (spec.missing_nodes?.length) {
    it('refuses a node that does not exist', async () => {
      for (const node of spec.missing_nodes ?? []) {
        const r = await runReclass(dir, ['--nodeinfo', node], home);
        expect({ node, reclassFailed: r.code !== 0 }).toEqual({ node, reclassFailed: true });
        expect({ node, code: ferryCode(() => renderNode(files, node)) }).toEqual({ node, code: 'FERRY_NODE_NOT_FOUND' });
      }
    });
  }

  if (spec.inventory !== false) {
    it('--inventory', async () => {
      const r = await runReclass(dir, ['--inventory'], home);
      if (spec.inventory_error) {
        expect(r.code).not.toBe(0);
        expect(ferryCodes(() => renderInventory(files))).toContain(spec.inventory_error);
        return;
      }
      expect({ reclassFailed: r.code !== 0, stderr: r.code !== 0 ? r.stderr.slice(-800) : '' }).toEqual({ reclassFailed: false, stderr: '' });
      const ours = parseJsonKeepFloats(toPyJson(toReclassInventory(renderInventory(files, { reclassInventoryQuirks: true })))) as Json;
      expect(normalize(ours)).toEqual(normalize(parseJsonKeepFloats(r.stdout) as Json));
    });
  }
});
