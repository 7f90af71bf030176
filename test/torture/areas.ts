/** Every area of the torture suite, in the order `make torture` runs them: a kind or feature that lands later adds one line. */
import { concurrentArea } from './concurrent.js';
import { crashArea } from './crash.js';
import { diskfullArea } from './diskfull.js';
import { faultsArea } from './faults.js';
import { hostileArea } from './hostile.js';
import { loadArea } from './load.js';
import { secretsArea } from './secrets.js';
import type { Area } from './trial.js';

export const AREAS: Area[] = [crashArea, faultsArea, hostileArea, loadArea, diskfullArea, concurrentArea, secretsArea];
