/** Every area of the torture suite: a kind or feature that lands later adds one line. */
import { crashArea } from './crash.js';
import { hostileArea } from './hostile.js';
import type { Area } from './trial.js';

export const AREAS: Area[] = [crashArea, hostileArea];
