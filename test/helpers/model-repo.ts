/**
 * A scratch Git repository holding a copy of the example model, with its upstream pointed at
 * a test server (the node file wins in reclass, so the test only edits the node). Commits and
 * reverts go through the real git CLI.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-ferry.js';

export const LAB_NODE = 'mirror01.lab.local';

export class ModelRepo {
  readonly dir: string;

  constructor(upstreamUrl: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'ferry-model-'));
    cpSync(join(REPO_ROOT, 'examples', 'cluster-model'), this.dir, { recursive: true });
    const node = join(this.dir, 'nodes', `${LAB_NODE}.yml`);
    writeFileSync(node, readFileSync(node, 'utf8').replace('  _param:\n', `  _param:\n    upstream_url: ${upstreamUrl}\n`));
    this.git('init', '-q', '-b', 'main');
    this.commit('A: example model');
  }

  git(...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], { cwd: this.dir, encoding: 'utf8' });
  }

  write(path: string, text: string): void {
    writeFileSync(join(this.dir, path), text);
  }

  append(path: string, text: string): void {
    writeFileSync(join(this.dir, path), readFileSync(join(this.dir, path), 'utf8') + text);
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-qm', message);
    return this.head();
  }

  head(): string {
    return this.git('rev-parse', 'HEAD').trim();
  }
}

/** Commit B of the demo: the lab moves to CirrOS 0.6.3 (one new 2 MiB file). */
export const CIRROS_063 = `  _param:
    cirros_version: 0.6.3
    cirros_sha256: 94f64b6d56fcb195d0dd41f1d32c17a0287b47061396a8d267e0deb495ae79db
    cirros_size: 2097275
`;
