/**
 * Narrows a smart-HTTP ref advertisement (gitprotocol-pack "Reference Discovery", protocol v1:
 * pkt-lines `<oid> <ref>`, capabilities after a NUL on the first) to the refs a mirror
 * publishes, so that a fetch asks the server for those refs' history only and not for every
 * branch. HEAD is left out (its branch is fetched only if selected) and named through a
 * `symref=HEAD:` capability instead, which the fetch uses when present. Anything that does
 * not parse as a v1 advertisement is returned unchanged (the fetch then takes all branches).
 * Pure.
 */
function pktLines(body: Buffer): Array<Buffer | null> | undefined {
  const out: Array<Buffer | null> = [];
  let p = 0;
  while (p < body.length) {
    if (p + 4 > body.length) return undefined;
    const length = Number.parseInt(body.toString('latin1', p, p + 4), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || p + length > body.length) return undefined;
    out.push(length === 0 ? null : body.subarray(p + 4, p + length));
    p += length === 0 ? 4 : length;
  }
  return out;
}

function pkt(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0'), 'latin1'), bytes]);
}

export function filterAdvertisement(body: Buffer, keep: (ref: string) => boolean): Buffer {
  const lines = pktLines(body);
  if (!lines || lines.length < 4 || lines[0]?.toString('utf8') !== '# service=git-upload-pack\n' || lines[1] !== null) return body;
  const refLines = lines.slice(2);
  if (refLines[refLines.length - 1] !== null || refLines.slice(0, -1).some((l) => l === null)) return body;
  const first = (refLines[0] as Buffer).toString('utf8');
  const nul = first.indexOf('\0');
  if (nul < 0) return body;
  let capabilities = first.slice(nul + 1).replace(/\n$/, '').split(' ').filter((c) => c !== '');
  const refs = [first.slice(0, nul), ...refLines.slice(1, -1).map((l) => (l as Buffer).toString('utf8').replace(/\n$/, ''))];
  const kept: string[] = [];
  for (const line of refs) {
    const space = line.indexOf(' ');
    if (space !== 40) return body;
    const name = line.slice(space + 1).replace(/\^\{\}$/, '');
    if (name !== 'HEAD' && keep(name)) kept.push(line);
  }
  if (kept.length === 0) return body;
  if (!capabilities.some((c) => c.startsWith('symref=HEAD:'))) capabilities = [...capabilities, `symref=HEAD:${kept[0].slice(41).replace(/\^\{\}$/, '')}`];
  const out = [pkt('# service=git-upload-pack\n'), Buffer.from('0000'), pkt(`${kept[0]}\0${capabilities.join(' ')}\n`), ...kept.slice(1).map((l) => pkt(`${l}\n`)), Buffer.from('0000')];
  return Buffer.concat(out);
}
