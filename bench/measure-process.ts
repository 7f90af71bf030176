/**
 * What the render benchmarks share: a worker compiled to plain JS (no tsx in the measured
 * process), and each measured process run under a tiny Python parent that reports its wall
 * time, CPU time and peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Workers are compiled under node_modules/.cache, so that packages resolve. */
const BUILD = join(ROOT, 'node_modules', '.cache', 'ferry-bench-render');

export function workerPath(name: string): string {
  return join(BUILD, 'bench', `${name}.js`);
}

export function compileWorker(name: string): void {
  rmSync(BUILD, { recursive: true, force: true });
  mkdirSync(BUILD, { recursive: true });
  writeFileSync(join(BUILD, 'package.json'), '{"type":"module"}\n');
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const flags = ['--outDir', BUILD, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', '--esModuleInterop', '--types', 'node'];
  execFileSync(tsc, [...flags, join(ROOT, 'bench', `${name}.ts`)], { cwd: ROOT, stdio: 'inherit' });
}

const MEASURE = [
  'import json,resource,subprocess,sys,time',
  't=time.monotonic()',
  'r=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.PIPE)',
  'w=time.monotonic()-t',
  'u=resource.getrusage(resource.RUSAGE_CHILDREN)',
  'm=u.ru_maxrss',
  'print(json.dumps({"code":r.returncode,"wallMs":w*1000,"cpuMs":(u.ru_utime+u.ru_stime)*1000,"maxRssMiB":m/1024,"out":r.stdout[-2000:].decode("utf-8","replace"),"err":r.stderr[-1500:].decode("utf-8","replace")}))',
].join('\n');

export interface Run {
  code: number;
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  out: string;
  err: string;
}

/**
 * The environment of every measured process. NODE_EXTRA_CA_CERTS is dropped: Node 20 parses
 * that whole CA bundle at start-up (about 5x the instructions of `node -e 0` on this machine's
 * bundle), rendering never opens a TLS connection, and a machine that does not set it would
 * not pay it.
 */
function benchEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function measure(argv: string[], cwd: string): Run {
  const raw = execFileSync('python3', ['-c', MEASURE, ...argv], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: benchEnv(cwd) });
  const run = JSON.parse(raw) as Run;
  if (run.code !== 0) throw new Error(`${argv.join(' ')} failed (${run.code}): ${run.err}`);
  return run;
}

export function best(n: number, f: () => Run): Run {
  const runs = Array.from({ length: n }, f);
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}
