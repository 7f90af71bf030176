/**
 * Generates an inventory shaped like a real MCP 2019.2 cluster for bench/render-mcp.ts (our own
 * classes, no copied ones), with the volume measured on Mirantis/reclass-system-salt-model at
 * 2019.2.13 (about 2,200 system class files of ~27 lines and ~7 references each; an apt node
 * merges ~150 classes, ~4,800 lines, ~700 references into ~2,300 parameter leaves; no exports
 * or inventory queries):
 *   classes/system/defaults/   22 files of `_param` defaults, most of them references to others
 *   classes/service/<svc>/     formula metadata: each role's class reads _param values
 *   classes/system/<svc>/      system classes: include the service class, set and reference _param
 *   classes/cluster/lab/       the cluster: control, compute, gateway, database, messaging, proxy, apt
 *   nodes/_generated/          100 nodes: 3 ctl, 3 dbs, 3 msg, 2 prx, 3 gtw, 1 apt, 85 cmp
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROLES: Record<string, { count: number; services: number }> = {
  ctl: { count: 3, services: 45 },
  dbs: { count: 3, services: 30 },
  msg: { count: 3, services: 30 },
  prx: { count: 2, services: 30 },
  gtw: { count: 3, services: 32 },
  apt: { count: 1, services: 30 },
  cmp: { count: 85, services: 31 },
};

const SERVICES = 70;
const VARIANTS = 24;
const DEFAULT_FILES = 22;
const PARAMS_PER_DEFAULT = 45;

export function generateMcpInventory(root: string): { classes: number; nodes: number; firstClassOf: Record<string, string> } {
  let classes = 0;
  const put = (rel: string, text: string): void => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const p = (d: number, i: number) => `d${d}_p${i}`;
  // Defaults: each key refers to one or two keys of earlier files (reference density ~1 per line).
  const defaults: string[] = [];
  for (let d = 0; d < DEFAULT_FILES; d++) {
    const lines = ['parameters:', '  _param:'];
    for (let i = 0; i < PARAMS_PER_DEFAULT; i++) {
      if (d === 0 && i < 5) lines.push(`    ${p(d, i)}: ${['2019.2.0', 'queens', 'xenial', 'mirror.mirantis.com', '4.0'][i]}`);
      else if (i % 5 === 4) lines.push(`    ${p(d, i)}: ${i * 10}`);
      else if (i % 3 === 0) lines.push(`    ${p(d, i)}: http://\${_param:${p(0, 3)}}/\${_param:${p(0, 0)}}/${d}-${i}/\${_param:${p(0, 2)}}`);
      else lines.push(`    ${p(d, i)}: \${_param:${p(Math.max(0, d - 1), (i * 7) % 5)}}-${d}-${i}`);
    }
    put(`classes/system/defaults/d${d}.yml`, lines.join('\n') + '\n');
    defaults.push(`system.defaults.d${d}`);
    classes++;
  }
  put('classes/system/defaults/init.yml', ['classes:', ...defaults.map((c) => `- ${c}`), ''].join('\n'));
  classes++;
  // Services: formula metadata (service.*) and system classes (system.*) in several variants each.
  for (let s = 0; s < SERVICES; s++) {
    for (const role of ['server', 'client', 'cluster']) {
      const lines = ['classes:', `- service.svc${s}.support`, 'applications:', `- svc${s}`, 'parameters:', `  svc${s}:`, `    ${role}:`, '      enabled: true', `      version: \${_param:${p(0, 1)}}`, '      bind:', '        address: 0.0.0.0', `        port: ${9000 + s}`, '      database:', `        host: \${_param:${p(s % DEFAULT_FILES, 6)}}`, `        password: \${_param:${p((s + 1) % DEFAULT_FILES, 7)}}`, '      cache:', '        engine: memcached', '        members:', `        - host: \${_param:${p((s + 2) % DEFAULT_FILES, 8)}}`, '          port: 11211'];
      put(`classes/service/svc${s}/${role}/single.yml`, lines.join('\n') + '\n');
      classes++;
    }
    put(`classes/service/svc${s}/support.yml`, ['parameters:', `  svc${s}:`, '    _support:', '      collectd: {enabled: true}', '      heka: {enabled: false}', `      telegraf: {enabled: true, port: ${12000 + s}}`, `      grafana: {dashboard: svc${s}}`, ''].join('\n'));
    put(`classes/system/svc${s}/common.yml`, ['parameters:', '  _param:', `    svc${s}_common_host: \${_param:${p(s % DEFAULT_FILES, 9)}}`, `  svc${s}:`, '    common:', `      host: \${_param:svc${s}_common_host}`, '      timeout: 30', '      tags:', `      - svc${s}`, `      - \${_param:${p(0, 2)}}`, ''].join('\n'));
    classes += 2;
    for (let v = 0; v < VARIANTS; v++) {
      const role = ['server', 'client', 'cluster'][v % 3];
      const lines = [
        'classes:',
        `- system.svc${s}.common`,
        `- service.svc${s}.${role}.single`,
        'parameters:',
        '  _param:',
        `    svc${s}_v${v}_url: \${_param:${p(v % DEFAULT_FILES, 3)}}/svc${s}`,
        `    svc${s}_v${v}_ratio: ${v}.0`,
        `  svc${s}:`,
        `    ${role}:`,
        `      variant: v${v}`,
        `      url: \${_param:svc${s}_v${v}_url}`,
        `      region: \${_param:${p((v + s) % DEFAULT_FILES, 1)}}`,
        `      ratio: \${_param:svc${s}_v${v}_ratio}`,
        '      options:',
        `        debug: ${v % 2 === 0 ? 'false' : 'true'}`,
        `        workers: ${v + 2}`,
        `        log: /var/log/svc${s}/v${v}.log`,
        `        endpoint: http://\${_param:${p(0, 3)}}:${9000 + s}/v${v}`,
        '      pool:',
        `      - \${_param:${p((v + 3) % DEFAULT_FILES, 2)}}`,
        `      - \${_param:${p((v + 4) % DEFAULT_FILES, 4)}}`,
      ];
      put(`classes/system/svc${s}/v${v}.yml`, lines.join('\n') + '\n');
      classes++;
    }
  }
  // Cluster role classes: each pulls in `services` system classes (variants by role).
  const firstClassOf: Record<string, string> = {};
  const roleNames = Object.keys(ROLES);
  roleNames.forEach((role, r) => {
    const picks = Array.from({ length: ROLES[role].services }, (_, i) => `system.svc${(r * 9 + i * 3) % SERVICES}.v${(r + i) % VARIANTS}`);
    firstClassOf[role] = picks[0];
    put(`classes/cluster/lab/${role}.yml`, ['classes:', ...picks.map((c) => `- ${c}`), 'parameters:', '  _param:', `    role_${role}: ${role}`, `  linux:`, '    system:', `      role: \${_param:role_${role}}`, ''].join('\n'));
    classes++;
  });
  put('classes/cluster/lab/init.yml', ['classes:', '- system.defaults', 'parameters:', '  _param:', '    cluster_name: lab', '    cluster_domain: lab.local', ''].join('\n'));
  classes++;
  let n = 0;
  for (const role of roleNames) {
    for (let i = 1; i <= ROLES[role].count; i++, n++) {
      const name = `${role}${String(i).padStart(2, '0')}`;
      put(`nodes/_generated/${name}.lab.local.yml`, ['classes:', '- cluster.lab', `- cluster.lab.${role}`, 'parameters:', '  _param:', `    linux_system_name: ${name}`, '  linux:', '    system:', `      name: \${_param:linux_system_name}`, '      domain: ${_param:cluster_domain}', ''].join('\n'));
    }
  }
  return { classes, nodes: n, firstClassOf };
}
