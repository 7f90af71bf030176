/**
 * SSH commit signatures, checked the way git does: `ssh-keygen -Y find-principals` names the
 * principal the allowed_signers file gives the signing key, then `ssh-keygen -Y verify` checks
 * the signature over the commit payload (namespace `git`). argv only, payload on stdin.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function sshKeygen(args: string[], stdin: string | undefined, signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** The principal that signed `payload`, or an explanation of why it is not trusted. */
export async function verifySshSignature(options: {
  payload: string;
  signature: string;
  allowedSigners: string;
  signal?: AbortSignal;
}): Promise<{ ok: true; signer: string } | { ok: false; reason: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-sshsig-'));
  try {
    const sigFile = join(dir, 'commit.sig');
    await writeFile(sigFile, options.signature.endsWith('\n') ? options.signature : `${options.signature}\n`);
    const found = await sshKeygen(['-Y', 'find-principals', '-s', sigFile, '-f', options.allowedSigners], undefined, options.signal);
    const principal = found.stdout.split('\n')[0]?.trim();
    if (found.code !== 0 || !principal) return { ok: false, reason: 'the ssh key that signed it is not in allowed_signers' };
    const verify = await sshKeygen(['-Y', 'verify', '-f', options.allowedSigners, '-I', principal, '-n', 'git', '-s', sigFile], options.payload, options.signal);
    if (verify.code !== 0) return { ok: false, reason: `the ssh signature does not verify: ${verify.stderr.trim() || verify.stdout.trim()}` };
    return { ok: true, signer: principal };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
