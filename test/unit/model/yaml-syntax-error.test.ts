import { describe, it, expect } from '@jest/globals';
import { loadYaml } from '../../../src/model/yaml/yaml-load.js';
import { PosResolver } from '../../../src/model/yaml/lazy-pos.js';

/**
 * Malformed files as operators write them, and where the error must point: the token at
 * fault, as PyYAML's problem mark (or, for an unclosed construct, its context mark) gives it.
 * PyYAML's own line:column is noted where it differs. Issue 10: no dangling `:`, no column 1.
 */
const cases: Array<[string, string, number, number, RegExp]> = [
  ['wrong indentation of a key', 'parameters:\n   a: 1\n  b: 2\n', 3, 3, /All mapping items must start at the same column$/],
  ['a key indented less than its siblings', 'parameters:\n  a: 1\n b: 2\n', 3, 2, /All mapping items must start at the same column$/],
  ['a list item among keys', 'parameters:\n  a: 1\n  - b\n', 3, 3, /block sequence may not be used as an implicit map key$/],
  ['an unclosed double quote', 'parameters:\n  a: "unterminated\n', 2, 6, /Missing closing "quote$/],
  ["an unclosed single quote, more lines after it", "parameters:\n  x: 'a\n  y: 2\n", 2, 6, /Missing closing 'quote$/],
  ['an unclosed flow mapping', 'parameters:\n  x: {a: 1\n', 2, 6, /Flow map .* end with a \}$/],
  ['an unclosed flow sequence, last line', 'parameters:\n  a: [\n', 2, 6, /Flow sequence .* end with a \]$/],
  ['an unclosed flow sequence, a key after it (PyYAML 3:4)', 'parameters:\n  a: [1, 2\n  b: 3\n', 3, 3, /Flow sequence .* end with a \]$/],
  ['a value holding `: ` (PyYAML 2:7)', 'parameters:\n  a: b: c\n', 2, 6, /Nested mappings are not allowed in compact mappings$/],
  ['a tab as indentation', 'parameters:\n\tb: 2\n', 2, 1, /Tabs are not allowed as indentation$/],
];

describe('YAML syntax errors (issue 10)', () => {
  const resolver = new PosResolver(() => undefined);
  it.each(cases)('%s', (_name, text, line, column, words) => {
    for (const loaded of [loadYaml('classes/x.yml', text), loadYaml('classes/x.yml', text, resolver)]) {
      expect(loaded.root).toBeNull();
      expect(loaded.errors).toHaveLength(1);
      const [e] = loaded.errors;
      expect({ code: e.code, line: e.data.line, column: e.data.column }).toEqual({ code: 'FERRY_YAML_SYNTAX', line, column });
      expect(e.message).toMatch(/^YAML syntax error: /);
      expect(e.message).toMatch(words);
      expect(e.message).not.toMatch(/\n|at line \d|:$/);
      expect(e.describe()).toBe(`classes/x.yml:${line}:${column}: ${e.message}`);
    }
  });
});
