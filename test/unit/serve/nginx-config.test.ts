import { describe, it, expect } from '@jest/globals';
import { isFerryError } from '../../../src/core/ferry-error.js';
import { renderNginxServerBlock } from '../../../src/serve/nginx-config.js';

describe('renderNginxServerBlock', () => {
  const conf = renderNginxServerBlock({ stateDir: '/var/lib/ferry/', listen: '127.0.0.1:8081', serverName: 'mirror.lab' });

  it('serves current/tree at / and each retained snapshot tree under /snapshots/', () => {
    expect(conf).toContain('listen 127.0.0.1:8081;');
    expect(conf).toContain('server_name mirror.lab;');
    expect(conf).toContain('root "/var/lib/ferry/current/tree";');
    expect(conf).toContain('alias "/var/lib/ferry/snapshots/$ferry_snapshot/tree/$ferry_path";');
    expect(conf).toContain('disable_symlinks on from=$document_root;');
    expect(conf).toContain('disable_symlinks on from=/var/lib/ferry/snapshots;');
    expect(conf).toContain('sendfile on;');
  });

  it('maps the content types of ferry serve', () => {
    expect(conf).toMatch(/application\/vnd\.debian\.binary-package [a-z ]*\bdeb\b/);
    expect(conf).toMatch(/application\/gzip [a-z ]*\bgz\b/);
    expect(conf).toContain('Release|InRelease');
    expect(conf).toContain('default_type application/octet-stream;');
  });

  it('has balanced braces', () => {
    let depth = 0;
    for (const c of conf) {
      if (c === '{') depth++;
      if (c === '}') depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
  });

  it.each(['relative/state', '/state dir', '/state";evil', '/state/$x', '/st{ate}', '/a\nb'])('refuses the state folder %j', (stateDir) => {
    let caught: unknown;
    try {
      renderNginxServerBlock({ stateDir });
    } catch (e) {
      caught = e;
    }
    expect(isFerryError(caught) && caught.code === 'FERRY_USAGE').toBe(true);
  });

  it('refuses a listen value that would break out of the directive', () => {
    expect(() => renderNginxServerBlock({ stateDir: '/s', listen: '80; include /etc/passwd' })).toThrow(/listen/);
  });
});
