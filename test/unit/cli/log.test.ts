import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, createWinstonLogger } from '../../../src/cli/log.js';
import { formatLogLine } from '../../../src/cli/log-line.js';
import type { Logger } from '../../../src/core/logger.js';

type Call = [keyof Logger, string, Record<string, unknown>?];

const circular: Record<string, unknown> = { name: 'loop' };
circular.self = circular;

/** What commands log, and the corners of winston's rules. */
const calls: Call[] = [
  ['info', 'already published', { snapshot: '20260101T000000Z-abc', desiredHash: 'f'.repeat(16) }],
  ['warn', 'plain message'],
  ['info', 'plan', { add: 1, change: 0, nested: { list: [1, 'two', null], deep: { z: 1, a: 2 } }, flag: true }],
  ['debug', 'verbose detail', { n: 3 }],
  ['error', 'failed', { error: new Error('boom'), url: 'http://127.0.0.1/x%20y' }],
  ['info', 'with a message field', { message: 'appended', k: 'v' }],
  ['info', 'a timestamp field', { timestamp: 'kept as given', k: 1 }],
  ['warn', 'level field', { level: 'ignored', z: 'last' }],
  ['info', 'printf %s tokens drop the fields', { dropped: true }],
  ['info', 'undefined and circular', { u: undefined, loop: circular }],
  ['info', 'a bigint', { big: 12345678901234567890n, list: [1n] }],
  ['info', 'empty fields', {}],
  ['info', 'published', { snapshot: 's', commit: undefined, files: 0 }],
];

function collect(make: (sink: (text: string) => void) => Logger, callsToMake: Call[]): Promise<string[]> {
  let out = '';
  const logger = make((text) => (out += text));
  for (const [level, message, fields] of callsToMake) logger[level](message, fields);
  // winston writes through streams: give it a turn to flush.
  return new Promise((resolve) => setTimeout(() => resolve(out.split('\n').filter(Boolean)), 20));
}

const sinkStream = (sink: (text: string) => void) =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      sink(chunk.toString());
      done();
    },
  });

const noTime = (line: string) => line.replace(/"timestamp":"\d{4}-\d\d-\d\dT[\d:.]+Z"/, '"timestamp":"T"');

describe('CLI log lines', () => {
  for (const json of [true, false]) {
    it(`are the lines winston writes (${json ? 'JSON' : 'human'}, level debug)`, async () => {
      const humanSafe = json ? calls : calls.filter(([, , f]) => !f || !('big' in f || 'loop' in f));
      const light = await collect((write) => createLogger({ level: 'debug', json, write }), humanSafe);
      const winston = await collect((sink) => createWinstonLogger({ level: 'debug', json, stream: sinkStream(sink) }), humanSafe);
      expect(light.length).toBe(humanSafe.length);
      expect(light.map(noTime)).toEqual(winston.map(noTime));
    });
  }

  it('leave out fields whose value is undefined (issue 10: no commit=undefined after apply --model)', () => {
    const line = formatLogLine('info', 'published', { snapshot: 's', commit: undefined, files: 0 }, { json: false, now: new Date(0) });
    expect(line).toBe('info  published  snapshot=s files=0');
  });

  it('let through only what the level allows, and nothing at an unknown level', async () => {
    for (const level of ['warn', 'error', 'info', 'bogus']) {
      const light = await collect((write) => createLogger({ level, json: true, write }), calls);
      const winston = await collect((sink) => createWinstonLogger({ level, json: true, stream: sinkStream(sink) }), calls);
      expect(light.map(noTime)).toEqual(winston.map(noTime));
    }
    expect(await collect((write) => createLogger({ level: 'bogus', write }), calls)).toEqual([]);
  });

  it('sorts JSON keys and stamps the given time', () => {
    const line = formatLogLine('info', 'm', { b: 1, a: { d: 1, c: 2 } }, { json: true, now: new Date('2026-01-02T03:04:05.000Z') });
    expect(line).toBe('{"a":{"c":2,"d":1},"b":1,"level":"info","message":"m","timestamp":"2026-01-02T03:04:05.000Z"}');
    expect(formatLogLine('warn', 'm', { b: 'x y', a: [1] }, { json: false, now: new Date() })).toBe('warn  m  b=x y a=[1]');
  });
});
