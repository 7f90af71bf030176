import { describe, it, expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { blockLoad } from '../../../src/model/yaml/yaml-block.js';
import { plain, slowLoad } from '../../../src/model/yaml/yaml-load.js';
import type { YVal } from '../../../src/model/yaml/yaml-tree.js';
import { readModelDir } from './model-files.js';
import { rng } from '../../helpers/rng.js';

/** Every key and non-null value with its line:column, in document order. */
function positions(v: YVal | null, path = '', out: string[] = []): string[] {
  if (!v) return out;
  if (v.kind === 'map') {
    out.push(`${path} map ${v.pos.line}:${v.pos.column}`);
    for (const e of v.entries) {
      out.push(`${path}/${e.key} key ${e.keyPos.line}:${e.keyPos.column}`);
      positions(e.value, `${path}/${e.key}`, out);
    }
  } else if (v.kind === 'seq') {
    out.push(`${path} seq ${v.pos.line}:${v.pos.column}`);
    v.items.forEach((x, i) => positions(x, `${path}/${i}`, out));
  } else if (v.v !== null) out.push(`${path} scalar ${v.pos.line}:${v.pos.column}`);
  return out;
}

/** The block reader either refuses `text` or reads exactly what the complete reader reads. */
function agrees(text: string): boolean {
  const fast = blockLoad('f.yml', text);
  if (!fast) return false;
  const full = slowLoad('f.yml', text);
  expect({ text, errors: full.errors.map((e) => e.message) }).toEqual({ text, errors: [] });
  expect({ text, value: fast.root ? plain(fast.root) : null }).toEqual({ text, value: full.root ? plain(full.root) : null });
  expect({ text, pos: positions(fast.root) }).toEqual({ text, pos: positions(full.root) });
  return true;
}

const ACCEPTED = [
  'a: 1\nb: two\n',
  '---\n# comment\nclasses:\n- a.b\n- .c\nparameters:\n  x: ${a:b}\n',
  'a:\n  - x\n  - y: 1\n    z: [1, 2, "q"]\n  -\n    w: ~\n',
  "a: 'it''s'\nb: \"tab\\there \\u00e9 \\x41\"\nc: \"#not a comment\" # but this is\n",
  'a: |\n  line one\n    indented\n\n  last\nb: |-\n  stripped\nc: |+\n  kept\n\nd: end\n',
  'a: >\n  folded\n  text\n\n  para\nb: >-\n  x\n  y\n',
  'a: {}\nb: []\nc: {k: v, "q": [1, {n: null}]}\nd: [yes, off, 0755, 1:30, 1e3, 1.5, ~, 0x1F, 2019.2.0, -1, .inf]\n',
  'url: http://host:8080/path\nref: ${_param:a}-${_param:b}\nesc: \\${not}\nkey with spaces: v\nk#h: 1\n',
  'a:\n\n  # a comment inside\n  b: 1\n\n\nc: 2 # trailing\n',
  '- top level list\n',
  'dup: 1\nother: 2\ndup: 3\n',
  Array.from({ length: 40 }, (_, i) => `k${i % 25}: ${i}\n`).join(''), // long mapping, repeated keys
  'empty:\nnext: 1\n',
  '# only a comment\n',
  '',
];

const REFUSED = [
  'a: &x 1\nb: *x\n', // anchors and aliases
  'a: !!str 1\n', // tags
  'a: multi\n  line plain\n', // multi-line plain scalar
  'a: "multi\n  line"\n', // multi-line quoted
  '? complex\n: key\n',
  'yes: 1\n', // a key YAML 1.1 reads as a boolean
  '1: one\n',
  '<<: {a: 1}\n',
  'a:\tb\n',
  'a: 1\r\n',
  'a: 1\n---\nb: 2\n',
  'a: |2\n   x\n',
  'a: [1,\n  2]\n',
  'list:\n- - nested\n',
  'plain scalar document\n',
  // not YAML at all: the complete reader words the error
  'a: b: c\n',
  'a: 1\n  b: 2\n',
  'a: [1, 2\nb: 3\n',
  'a: "unclosed\n',
  'a:\n  - x\n  y: 1\n',
  '  a: 1\nb: 2\n',
  'a: @x\n',
];

/** Random documents in reclass's style: nested maps and lists, references, quoting, comments. */
function randomDoc(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const word = () => pick(['alpha', 'beta', 'gamma', 'port', 'enabled', 'url', 'name', 'x_y', 'k-1', 'svc.a']) + Math.floor(r() * 50);
  const scalar = (): string =>
    pick([
      () => word(),
      () => String(Math.floor(r() * 10000)),
      () => pick(['true', 'False', 'yes', 'off', '~', 'null', '1.5', '0755', '0x1f', '1e3', '10:30', '-7', '.5']),
      () => `\${_param:${word()}}`,
      () => `http://\${_param:host}:${Math.floor(r() * 9000)}/${word()}`,
      () => `'${word()} it''s # not a comment'`,
      () => `"${word()}\\t\\"q\\" \\u00e9"`,
      () => `[${word()}, ${Math.floor(r() * 9)}, "${word()}"]`,
      () => `{${word()}: ${word()}, ${word()}: [1, 2]}`,
      () => `${word()} # comment`,
      () => '[]',
      () => '{}',
    ])();
  const lines: string[] = [];
  const emit = (depth: number, indent: number, asList: boolean): void => {
    const n = 1 + Math.floor(r() * 4);
    const pad = ' '.repeat(indent);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      if (r() < 0.1) lines.push(r() < 0.5 ? '' : `${pad}# note ${i}`);
      const kind = depth > 3 ? 0 : Math.floor(r() * 4);
      let key = word();
      while (used.has(key)) key = word();
      used.add(key);
      const head = asList ? `${pad}- ` : `${pad}${key}:`;
      const step = pick([2, 4]);
      if (kind === 0) lines.push(asList ? `${head}${scalar()}` : `${head} ${scalar()}`);
      else if (kind === 1) {
        lines.push(asList ? `${pad}-` : head);
        emit(depth + 1, indent + step, false);
      } else if (kind === 2) {
        if (asList) lines.push(`${pad}-`);
        else lines.push(head);
        emit(depth + 1, asList ? indent + step : r() < 0.3 ? indent : indent + step, true);
      } else {
        lines.push(`${asList ? `${pad}-` : head} ${pick(['|', '|-', '>', '>-'])}`);
        for (let j = 0; j < 1 + Math.floor(r() * 3); j++) lines.push(`${pad}${' '.repeat(step)}${word()} text ${j}`);
      }
    }
  };
  emit(0, 0, false);
  return lines.join('\n') + '\n';
}

describe('block YAML reader', () => {
  it('reads the supported subset exactly as the complete reader, positions included', () => {
    for (const text of ACCEPTED) expect({ text, accepted: agrees(text) }).toEqual({ text, accepted: true });
  });

  it('refuses what it does not support, and every malformed document', () => {
    for (const text of REFUSED) expect({ text, result: blockLoad('f.yml', text) }).toEqual({ text, result: undefined });
  });

  it('agrees with the complete reader on 600 generated documents', () => {
    const r = rng(11);
    let accepted = 0;
    for (let i = 0; i < 600; i++) if (agrees(randomDoc(r))) accepted++;
    // Most generated documents are in the subset (the rest must simply have been refused).
    expect(accepted).toBeGreaterThan(450);
  });

  it('reads the fixture inventories like the complete reader', () => {
    const fixtures = readModelDir(fileURLToPath(new URL('../../fixtures/reclass', import.meta.url)));
    let accepted = 0;
    for (const [, text] of fixtures) if (slowLoad('f.yml', text).errors.length === 0 && agrees(text)) accepted++;
    expect(accepted).toBeGreaterThan(100);
  });
});
