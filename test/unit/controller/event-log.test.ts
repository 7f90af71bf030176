import { describe, it, expect } from '@jest/globals';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendEvent, eventLogPath, readEvents } from '../../../src/controller/events/event-log.js';
import { readSuspension, setSuspended } from '../../../src/controller/suspension.js';

describe('event log and suspension file', () => {
  it('appends, filters, skips a torn line, and records suspend/resume', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-events-'));
    try {
      const logged: string[] = [];
      const logger = { debug() {}, info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`WARN ${m}`), error() {} };
      await appendEvent(dir, { type: 'NewRevision', message: 'new revision abc', revision: 'abc' }, { logger });
      await appendEvent(dir, { type: 'ApplyFailed', message: 'boom', revision: 'abc', errors: [{ code: 'FERRY_NETWORK', message: 'reset' }] }, { logger });
      expect(logged).toEqual(['event NewRevision: new revision abc', 'WARN event ApplyFailed: boom']);
      await appendFile(eventLogPath(dir), '{"type":"Appl'); // a crash mid-write
      expect(await readSuspension(dir)).toEqual({ suspended: false });
      await setSuspended(dir, { suspended: true, reason: 'rollback to s1', by: 'ferry rollback' });
      expect(await readSuspension(dir)).toMatchObject({ suspended: true, reason: 'rollback to s1', by: 'ferry rollback' });
      await setSuspended(dir, { suspended: false, by: 'ferry resume' });
      expect(await readSuspension(dir)).toEqual({ suspended: false });
      const all = await readEvents(dir);
      expect(all.map((e) => e.type)).toEqual(['NewRevision', 'ApplyFailed', 'Suspended', 'Resumed']);
      expect(all[2]).toMatchObject({ by: 'ferry rollback', message: 'automatic reconciliation suspended: rollback to s1' });
      expect((await readEvents(dir, { types: ['ApplyFailed'] })).length).toBe(1);
      expect((await readEvents(dir, { limit: 1 })).map((e) => e.type)).toEqual(['Resumed']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
