/** Every `ferry` command by name, in the order of `ferry --help`; each file exports `register(program)`. */
import type { Command } from 'commander';
import * as apply from './apply.js';
import * as fsck from './fsck.js';
import * as gc from './gc.js';
import * as history from './history.js';
import * as plan from './plan.js';
import * as render from './render.js';
import * as rollback from './rollback.js';
import * as nginxConfig from './nginx-config.js';
import * as serve from './serve.js';
import * as validate from './validate.js';
import * as desired from './desired.js';
import * as run from './run.js';
import * as reconcile from './reconcile.js';
import * as suspend from './suspend.js';
import * as resume from './resume.js';
import * as events from './events.js';
import * as status from './status.js';
import * as exportBundle from './export.js';
import * as importBundle from './import.js';

export const commands: Record<string, { register(program: Command): void }> = {
  render,
  validate,
  desired,
  plan,
  apply,
  history,
  rollback,
  serve,
  'nginx-config': nginxConfig,
  gc,
  fsck,
  run,
  reconcile,
  suspend,
  resume,
  events,
  status,
  export: exportBundle,
  import: importBundle,
};
