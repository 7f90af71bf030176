import { describe, it, expect } from '@jest/globals';
import { renderDirectoryListing } from '../../../src/serve/directory-listing.js';

describe('renderDirectoryListing', () => {
  const html = renderDirectoryListing({
    urlPath: '/file/<x>/',
    parent: true,
    note: 'snapshot s1 (current)',
    entries: [
      { name: 'b.img', isDirectory: false, size: 10, mtimeMs: Date.parse('2026-11-21T21:00:00Z') },
      { name: 'sub', isDirectory: true },
      { name: 'a"<script>.txt', isDirectory: false, size: 1 },
    ],
  });

  it('escapes names in text and percent-encodes them in links', () => {
    expect(html).toContain('<title>Index of /file/&lt;x&gt;/</title>');
    expect(html).toContain('href="a%22%3Cscript%3E.txt"');
    expect(html).toContain('a&quot;&lt;script&gt;.txt');
    expect(html).not.toContain('<script>');
  });

  it('lists folders first with a slash, then files by name, with size and time', () => {
    const order = ['href="../"', 'href="sub/"', 'href="a%22', 'href="b.img"'].map((s) => html.indexOf(s));
    expect(order.every((pos) => pos >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('<td>10</td><td>2026-11-21T21:00:00Z</td>');
    expect(html).toContain('<p>snapshot s1 (current)</p>');
  });

  it('leaves out the parent link at the root', () => {
    expect(renderDirectoryListing({ urlPath: '/', parent: false, entries: [] })).not.toContain('../');
  });
});
