/**
 * reclass 1.7's output shapes, for `ferry render` and for diffing against reclass:
 * --nodeinfo `{__reclass__, classes, applications, parameters, exports, environment}` and
 * --inventory `{__reclass__, nodes, classes, applications}`.
 */
import type { RenderedNode } from './types.js';
import type { RenderedInventory } from './render-inventory.js';

export interface ReclassOutputOptions {
  /** Absolute inventory root, for the `uri` field (`yaml_fs://<root>/<file>`). */
  root?: string;
  /** Fixed timestamp (tests); default now, formatted as Python's `%c`. */
  timestamp?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pyCTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

export function toReclassNodeinfo(node: RenderedNode, options: ReclassOutputOptions = {}): Record<string, unknown> {
  const nodeFile = node.locate([])?.file ?? '';
  const file = nodeFile || `nodes/${node.name}.yml`;
  return {
    __reclass__: {
      node: node.name,
      name: node.name,
      uri: `yaml_fs://${options.root ? `${options.root.replace(/\/$/, '')}/` : ''}${file}`,
      environment: node.environment,
      timestamp: options.timestamp ?? pyCTime(new Date()),
    },
    classes: node.classes,
    applications: node.applications,
    parameters: node.parameters,
    exports: node.exports,
    environment: node.environment,
  };
}

export function toReclassInventory(inv: RenderedInventory, options: ReclassOutputOptions = {}): Record<string, unknown> {
  const timestamp = options.timestamp ?? pyCTime(new Date());
  const nodes: Record<string, unknown> = {};
  for (const [name, n] of Object.entries(inv.nodes)) nodes[name] = toReclassNodeinfo(n, { ...options, timestamp });
  return { __reclass__: { timestamp }, nodes, classes: inv.classes, applications: inv.applications };
}
