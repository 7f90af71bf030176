import { describe, it, expect } from '@jest/globals';
import { contentTypeFor, contentTypeTable } from '../../../src/serve/content-types.js';
import { registeredKinds } from '../../../src/drivers/registry.js';

describe('contentTypeFor', () => {
  it.each([
    ['hello_2.10-3_amd64.deb', 'application/vnd.debian.binary-package'],
    ['debian-installer_1_amd64.udeb', 'application/vnd.debian.binary-package'],
    ['Release', 'text/plain; charset=utf-8'],
    ['InRelease', 'text/plain; charset=utf-8'],
    ['Packages', 'text/plain; charset=utf-8'],
    ['Translation-en', 'text/plain; charset=utf-8'],
    ['Contents-amd64', 'text/plain; charset=utf-8'],
    ['SHA256SUMS', 'text/plain; charset=utf-8'],
    ['Release.gpg', 'application/pgp-signature'],
    ['archive-key.asc', 'application/pgp-signature'],
    ['Packages.gz', 'application/gzip'],
    ['Packages.xz', 'application/x-xz'],
    ['Contents-amd64.gz', 'application/gzip'],
    ['manifest.json', 'application/json'],
    ['repomd.xml', 'application/xml'],
    ['index.html', 'text/html; charset=utf-8'],
    ['cirros-0.6.2-x86_64-disk.img', 'application/octet-stream'],
    ['ubuntu-22.04.QCOW2', 'application/octet-stream'],
    ['six-1.16.0-py2.py3-none-any.whl', 'application/zip'],
    ['nginx-1.22-1.el9.x86_64.rpm', 'application/x-rpm'],
    ['README', 'application/octet-stream'],
    ['.hidden', 'application/octet-stream'],
    ['trailing.', 'application/octet-stream'],
    ['Releasefile', 'application/octet-stream'],
  ])('%s is %s', (name, type) => {
    expect(contentTypeFor(name, contentTypeTable(registeredKinds()))).toBe(type);
  });
});
