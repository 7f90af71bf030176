/**
 * Hostile model files (issue 11): each a few hundred bytes that would expand to gigabytes if
 * rendered without limits. Shared by the unit tests, the controller test and the torture suite.
 */

/** YAML aliases, `levels` deep, each level `fanout` aliases of the one before (fanout^levels nodes). */
export function yamlAliasBomb(options: { levels?: number; fanout?: number; flow?: boolean } = {}): string {
  const levels = options.levels ?? 8;
  const fanout = options.fanout ?? 9;
  const lines = ['parameters:', ` l0: &a0 [${Array.from({ length: fanout }, () => 'lol').join(',')}]`];
  for (let i = 1; i <= levels; i++) lines.push(` l${i}: &a${i} [${Array.from({ length: fanout }, () => `*a${i - 1}`).join(',')}]`);
  return lines.join('\n') + '\n';
}

/** References inside text: each level doubles the string (2^levels copies of the seed). */
export function stringReferenceBomb(levels = 40): string {
  const lines = ['parameters:', `  s0: ${'x'.repeat(64)}`];
  for (let i = 1; i <= levels; i++) lines.push(`  s${i}: "\${s${i - 1}}\${s${i - 1}}"`);
  return lines.join('\n') + '\n';
}

/** References to dictionaries: each level holds two copies of the one before (2^levels leaves). */
export function dictReferenceBomb(levels = 40): string {
  const lines = ['parameters:', '  d0: {a: 1, b: 2}'];
  for (let i = 1; i <= levels; i++) lines.push(`  d${i}: {x: "\${d${i - 1}}", y: "\${d${i - 1}}"}`);
  return lines.join('\n') + '\n';
}
