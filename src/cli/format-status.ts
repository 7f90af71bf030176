/**
 * The controller's status as `ferry status` prints it: a few header lines, then one row per
 * mirror (condition, reason, served size, last change, refresh times, progress while syncing).
 */
import type { ControllerStatus, MirrorStatus } from '../controller/status/status-board.js';
import { formatEta, formatSize } from '../core/sync-progress.js';

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return `in ${formatEta(-s)}`;
  return `${formatEta(s)} ago`;
}

function progressCell(m: MirrorStatus): string {
  const p = m.progress;
  if (!p) return '';
  const pct = p.bytesTotal > 0 ? Math.floor((p.bytesDone * 100) / p.bytesTotal) : 0;
  return `${pct}% ${p.filesDone}/${p.filesTotal} files ${formatSize(p.bytesDone)}/${formatSize(p.bytesTotal)} ${formatSize(p.rate)}/s ETA ${formatEta(p.etaSeconds)}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

export function formatStatus(s: ControllerStatus, now: number = Date.now()): string {
  const lines: string[] = [];
  const pub = s.published;
  lines.push(`phase:     ${s.phase}${s.lastRun?.result === 'running' ? ` (run ${s.lastRun.runId}, by ${s.lastRun.by.join(',')})` : ''}`);
  lines.push(`published: ${pub ? `${pub.snapshot}${pub.commit ? ` (commit ${pub.commit.slice(0, 12)})` : ''}, ${ago(pub.createdAt, now)}` : 'nothing yet'}`);
  if (s.suspension.suspended) lines.push(`SUSPENDED: ${s.suspension.reason ?? ''}${s.suspension.by ? ` (by ${s.suspension.by})` : ''} since ${s.suspension.since ?? '?'}; \`ferry resume\` resumes`);
  if (s.refresh.held) lines.push(`refreshes HELD: ${s.refresh.reason ?? ''} since ${s.refresh.since ?? '?'}; \`ferry resume\` releases them`);
  else if (s.refresh.nextAt) lines.push(`next refresh: ${ago(s.refresh.nextAt, now)}`);
  if (s.refresh.nextRenewalAt) lines.push(`next Release renewal: ${ago(s.refresh.nextRenewalAt, now)}`);
  if (s.failures) lines.push(`failing:   ${s.failures} run(s)${s.failingRevision ? ` at ${s.failingRevision.slice(0, 12)}` : ''}${s.stalled ? ', stalled until a new commit' : s.nextRetryAt ? `, retry ${ago(s.nextRetryAt, now)}` : ''}`);
  if (s.progress) lines.push(`sync:      ${progressCell({ progress: s.progress } as MirrorStatus)}`);
  const rows = [['MIRROR', 'CONDITION', 'REASON', 'SINCE', 'SERVED', 'CHANGED', 'REFRESHED', 'NEXT', 'DETAIL']];
  for (const m of s.mirrors) {
    const served = m.files !== undefined ? `${m.files} files ${formatSize(m.bytes ?? 0)}` : '-';
    const detail = m.progress ? progressCell(m) : m.condition.type === 'Failed' || m.condition.type === 'Stale' ? (m.error ?? m.condition.message ?? '') : '';
    rows.push([m.id, m.condition.type, m.condition.reason, ago(m.condition.since, now), served, ago(m.lastChange?.at, now), ago(m.lastRefreshAt, now), m.refresh ? `${m.nextRefreshAt ? ago(m.nextRefreshAt, now) : s.refresh.held ? 'held' : '-'} (${m.refresh})` : '-', detail]);
  }
  lines.push('', ...table(rows));
  for (const e of s.lastErrors.slice(0, 10)) lines.push(`error: ${e.code}: ${e.message}`);
  return lines.join('\n');
}
