/**
 * Generates a large reclass inventory in MCP's shape for bench/render.ts: `services` system
 * services of `depth` chained classes each (every class includes the previous one and extends a
 * reference chain), `clusters` cluster classes that each pull in `perCluster` services, and
 * `nodes` nodes; every service's last class exports an address and every 10th node queries it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GenOptions {
  services: number;
  depth: number;
  clusters: number;
  perCluster: number;
  nodes: number;
}

export const DEFAULT_GEN: GenOptions = { services: 100, depth: 20, clusters: 5, perCluster: 5, nodes: 100 };

export function generateInventory(root: string, o: GenOptions = DEFAULT_GEN): { classes: number; nodes: number } {
  let classes = 0;
  const put = (rel: string, text: string): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  for (let s = 0; s < o.services; s++) {
    for (let v = 0; v < o.depth - 1; v++) {
      const prev = v === 0 ? '${_param:cluster_name}-base' : `\${_param:svc${s}_v${v - 1}}-${v}`;
      const lines = [
        ...(v > 0 ? ['classes:', `  - system.svc${s}.v${v - 1}`] : []),
        'parameters:',
        '  _param:',
        `    svc${s}_v${v}: ${prev}`,
        `  svc${s}:`,
        '    enabled: true',
        `    items: [v${v}]`,
        '    config:',
        `      key${v}: \${_param:svc${s}_v${v}}`,
        `      port: ${1000 + v}`,
        `      url: "http://\${_param:cluster_domain}:${1000 + v}/svc${s}"`,
        ...(v === o.depth - 2 ? ['exports:', `  svc${s}_addr: \${_reclass_:name:full}.svc${s}.\${_param:cluster_domain}`, `  svc${s}_last: \${_param:svc${s}_v${v}}`] : []),
      ];
      put(`classes/system/svc${s}/v${v}.yml`, lines.join('\n') + '\n');
      classes++;
    }
    put(`classes/system/svc${s}/init.yml`, `classes:\n  - system.svc${s}.v${o.depth - 2}\nparameters:\n  svc${s}:\n    name: svc${s}\n`);
    classes++;
  }
  for (let c = 0; c < o.clusters; c++) {
    const svcs = Array.from({ length: o.perCluster }, (_, i) => (c * o.perCluster + i) % o.services);
    put(
      `classes/cluster/c${c}/init.yml`,
      ['classes:', ...svcs.map((s) => `  - system.svc${s}`), 'parameters:', '  _param:', `    cluster_name: c${c}`, `    cluster_domain: c${c}.example.org`, ''].join('\n'),
    );
    classes++;
  }
  for (let n = 0; n < o.nodes; n++) {
    const c = n % o.clusters;
    const s = (c * o.perCluster) % o.services;
    const lines = ['classes:', `  - cluster.c${c}`, 'parameters:', '  _param:', `    node_index: ${n}`, `  svc${s}:`, '    config:', `      node: \${_reclass_:name:short}`];
    if (n % 10 === 0) lines.push(`  peers: $[ exports:svc${s}_addr ]`, `  same_last: $[ if exports:svc${s}_last == self:_param:svc${s}_v${o.depth - 2} ]`);
    put(`nodes/_generated/node${String(n).padStart(3, '0')}.yml`, lines.join('\n') + '\n');
  }
  return { classes, nodes: o.nodes };
}
