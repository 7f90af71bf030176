#!/usr/bin/env node
/** The `ferry` command. Exit codes: 0 ok, 1 failure, 2 usage or invalid model, 130/143 interrupted (SIGINT/SIGTERM). */
import module from 'node:module';

// fsync, rename and link calls run on libuv's thread pool; its default of 4 threads leaves
// most of a download's time waiting for the disk. Set before the pool starts (first fs call),
// hence before anything else is imported.
process.env.UV_THREADPOOL_SIZE ??= '32';

// Node 22.1+ keeps the compiled code of loaded modules on disk for the next start; Node 20
// has no such cache (the bundle of `make build` is what keeps its start short).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { run } = await import('./program.js');
await run(process.argv);
