import { describe, expect, it } from '@jest/globals';
import { filterAdvertisement } from '../../../src/drivers/git/filter-advertisement.js';

const oid = (n: number) => n.toString(16).padStart(40, '0');
const pkt = (s: string) => `${(Buffer.byteLength(s) + 4).toString(16).padStart(4, '0')}${s}`;

function advertisement(lines: string[], caps: string): Buffer {
  const [first, ...rest] = lines;
  return Buffer.from(pkt('# service=git-upload-pack\n') + '0000' + pkt(`${first}\0${caps}\n`) + rest.map((l) => pkt(`${l}\n`)).join('') + '0000');
}

/** Reads back the ref lines and capabilities of an advertisement. */
function parse(body: Buffer): { refs: string[]; caps: string[] } {
  const text = body.toString('utf8');
  const lines: string[] = [];
  for (let p = 0; p < text.length; ) {
    const n = Number.parseInt(text.slice(p, p + 4), 16);
    if (n === 0) p += 4;
    else {
      lines.push(text.slice(p + 4, p + n).replace(/\n$/, ''));
      p += n;
    }
  }
  const [first, ...rest] = lines.slice(1);
  const [ref, caps] = first.split('\0');
  return { refs: [ref, ...rest], caps: caps.split(' ') };
}

const upstream = advertisement(
  [`${oid(1)} HEAD`, `${oid(1)} refs/heads/main`, `${oid(2)} refs/heads/feature`, `${oid(3)} refs/tags/v1`, `${oid(1)} refs/tags/v1^{}`, `${oid(4)} refs/changes/01/1/1`],
  'multi_ack side-band-64k ofs-delta symref=HEAD:refs/heads/main agent=git/2.39',
);

describe('filterAdvertisement', () => {
  it('keeps the selected refs and their peeled lines, drops HEAD, moves the capabilities', () => {
    const { refs, caps } = parse(filterAdvertisement(upstream, (r) => r === 'refs/heads/main' || r === 'refs/tags/v1'));
    expect(refs).toEqual([`${oid(1)} refs/heads/main`, `${oid(3)} refs/tags/v1`, `${oid(1)} refs/tags/v1^{}`]);
    expect(caps).toEqual(['multi_ack', 'side-band-64k', 'ofs-delta', 'symref=HEAD:refs/heads/main', 'agent=git/2.39']);
  });

  it('names HEAD through a symref capability when upstream gives none', () => {
    const detached = advertisement([`${oid(1)} HEAD`, `${oid(2)} refs/heads/feature`], 'ofs-delta');
    const { refs, caps } = parse(filterAdvertisement(detached, (r) => r === 'refs/heads/feature'));
    expect(refs).toEqual([`${oid(2)} refs/heads/feature`]);
    expect(caps).toEqual(['ofs-delta', 'symref=HEAD:refs/heads/feature']);
  });

  it.each([
    ['a protocol v2 answer', Buffer.from(pkt('version 2\n') + '0000')],
    ['a truncated body', upstream.subarray(0, upstream.length - 10)],
    ['garbage', Buffer.from('<html>not git</html>')],
  ])('returns %s unchanged', (_what, body) => {
    expect(filterAdvertisement(body, () => true).equals(body)).toBe(true);
  });

  it('returns the advertisement unchanged when nothing would be left', () => {
    expect(filterAdvertisement(upstream, () => false).equals(upstream)).toBe(true);
  });
});
