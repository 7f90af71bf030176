/**
 * The site signing key for published Release files: read from `site.signing.key_file` when the
 * model sets it, else `<stateDir>/keys/deb-signing.asc`, generated on first use (written to a
 * temporary file, mode 0600, then linked into place so concurrent first runs agree on one key).
 * The private key never leaves the state directory; only the public key is published.
 */
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FerryError } from '../core/ferry-error.js';
import { generateSigningKey, readSigningKey, type SigningKey } from './signing.js';

const loaded = new Map<string, Promise<SigningKey>>();

export function siteKeyPath(stateDir: string): string {
  return join(stateDir, 'keys', 'deb-signing.asc');
}

async function loadOrCreate(path: string, generate: boolean, siteName: string): Promise<SigningKey> {
  try {
    return await readSigningKey(await readFile(path, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing || !generate) {
      throw new FerryError('FERRY_INVALID_MODEL', `site signing key ${path}: ${missing ? 'not found' : (e as Error).message}`, { file: path, path: 'site.signing.key_file' }, e);
    }
  }
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, await generateSigningKey({ name: `Ferry archive signing key (${siteName})` }), { mode: 0o600 });
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await rm(tmp, { force: true });
  }
  return readSigningKey(await readFile(path, 'utf8'));
}

/**
 * The key to sign with. Parsed keys are cached per path and file content for the life of the
 * process, so a key file replaced in place is read afresh (a long-running controller re-signs
 * with the new key).
 */
export async function siteSigningKey(options: { stateDir: string; keyFile?: string; siteName: string }): Promise<SigningKey> {
  const path = options.keyFile ?? siteKeyPath(options.stateDir);
  const digest = await readFile(path).then(
    (b) => createHash('sha256').update(b).digest('hex'),
    () => 'missing',
  );
  const id = `${path}\0${digest}`;
  let p = loaded.get(id);
  if (!p) {
    p = loadOrCreate(path, !options.keyFile, options.siteName);
    loaded.set(id, p);
    p.catch(() => loaded.delete(id));
  }
  return p;
}
