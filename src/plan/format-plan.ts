/** Human-readable plan, one line per resource, in the spirit of `terraform plan`. */
import { formatSize as formatBytes } from '../core/sync-progress.js';
import { describeNotMirrored } from '../core/resource.js';
import type { Plan } from './plan.js';

const SIGN = { add: '+', change: '~', keep: ' ', remove: '-' } as const;

/** One formatter for sizes in plans, progress lines and status (binary units). */

export { formatBytes };

const SHOWN = 20;

function listPaths(sign: string, paths: string[] | undefined): string[] {
  if (!paths?.length) return [];
  const out = paths.slice(0, SHOWN).map((p) => `      ${sign} ${p}`);
  if (paths.length > SHOWN) out.push(`      ${sign} … and ${paths.length - SHOWN} more`);
  return out;
}

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(plan.publishedSnapshot ? `published: ${plan.publishedSnapshot}` : 'published: nothing yet');
  lines.push(`desired:   ${plan.desiredHash.slice(0, 16)}${plan.upToDate ? ' (same as published)' : ''}`);
  for (const r of plan.resources) {
    const files = r.files === undefined ? '' : `  ${r.files} files, fetch ${r.fetchFiles ?? 0} (${formatBytes(r.fetchBytes ?? 0)})`;
    lines.push(`  ${SIGN[r.change]} ${r.id.padEnd(32)} ${r.change}${files}`);
    lines.push(...listPaths('+', r.addedPaths), ...listPaths('-', r.removedPaths));
    for (const n of r.notes ?? []) lines.push(`      ? ${n}`);
    if (r.trustOnFirstUse?.length) {
      lines.push(`      ! ${r.trustOnFirstUse.length} file(s) with no digest in the model: trust on first use (the sha256 of the first download is recorded in the snapshot)`);
      lines.push(...listPaths('!', r.trustOnFirstUse));
    }
  }
  for (const n of plan.notMirrored ?? []) lines.push(`  ${describeNotMirrored(n)}`);
  const s = plan.summary;
  lines.push(`plan: ${s.add} to add, ${s.change} to change, ${s.remove} to remove, ${s.keep} unchanged; fetch ${s.fetchFiles} files, ${formatBytes(s.fetchBytes)}${s.unknownSizes ? ` (+${s.unknownSizes} of unknown size)` : ''}`);
  return lines.join('\n');
}
