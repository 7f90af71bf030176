/**
 * The hostile corpus through the real CLI: model bombs (`ferry apply` must fail the revision
 * with FERRY_MODEL_TOO_LARGE, exit 2, in seconds, publishing nothing). Index bombs, traversal,
 * symlinks, bad signatures and webhooks: add their cases here (the deb ones are in
 * test/integration/deb/index-bombs.test.ts today).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFerry } from '../helpers/run-ferry.js';
import { dictReferenceBomb, stringReferenceBomb, yamlAliasBomb } from '../helpers/model-bombs.js';
import type { Area, Trial } from './trial.js';

const BOMBS: Array<[string, string]> = [
  ['YAML alias bomb (8 levels of 9 aliases)', yamlAliasBomb()],
  ['string doubled by references (2^40)', stringReferenceBomb()],
  ['dictionaries copied by references (2^40)', dictReferenceBomb()],
];

export const hostileArea: Area = {
  name: 'hostile',
  async trials() {
    const root = mkdtempSync(join(tmpdir(), 'ferry-torture-hostile-'));
    const trials: Trial[] = BOMBS.map(([name, text], i) => ({
      area: 'hostile',
      name: `model: ${name}`,
      run: async () => {
        const model = join(root, `m${i}`);
        const state = join(root, `s${i}`);
        mkdirSync(join(model, 'nodes'), { recursive: true });
        writeFileSync(join(model, 'nodes', 'n1.yml'), text);
        const started = Date.now();
        const r = await runFerry(['apply', '--model', model, '--state', state]);
        const ms = Date.now() - started;
        const ok = r.code === 2 && /FERRY_MODEL_TOO_LARGE|alias bomb|grows past|copies more than/.test(r.stderr) && !existsSync(join(state, 'current'));
        return { ok, detail: `exit ${r.code} in ${ms} ms: ${r.stderr.trim().split('\n')[0].slice(0, 90)}` };
      },
    }));
    return { trials, cleanup: async () => rmSync(root, { recursive: true, force: true }) };
  },
};
