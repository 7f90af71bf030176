/**
 * Issue 12 (layering): src/desired reads MCP through the kinds' hooks (Kind.mcp) and names no
 * kind; each kind's translator lives in its folder (docs/ARCHITECTURE.md, "Adding a kind").
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registeredKinds } from '../../../src/drivers/registry.js';

const desired = fileURLToPath(new URL('../../../src/desired', import.meta.url));
const sources = readdirSync(desired, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => ({ file: f, text: readFileSync(join(desired, f), 'utf8') }));

describe('src/desired', () => {
  it('holds no string that is a kind name (the kinds translate their own part of MCP)', () => {
    const named = sources.flatMap(({ file, text }) => registeredKinds().filter((k) => text.includes(`'${k.kind}'`) || text.includes(`"${k.kind}"`)).map((k) => `${file}: ${k.kind}`));
    expect(sources.length).toBeGreaterThan(3);
    expect(named).toEqual([]);
  });

  it('leaves the translation to the kinds with an MCP hook', () => {
    const withHook = registeredKinds().filter((k) => k.mcp).map((k) => k.kind);
    expect(withHook).toEqual(['deb', 'deb-publication', 'file', 'git', 'oci']);
  });
});
