/**
 * The status page at the controller's `/`: the site at a glance, server-rendered HTML with no
 * external resource (it works on an offline network). Each mirror with its condition, reason,
 * last change, refresh times and, while syncing, a progress bar with rate and ETA; the served
 * and retained snapshots (commit, time, size, what changed); recent events; suspension and the
 * refresh hold. A little script re-reads the page body every 2 seconds (`/?partial=1`), so the
 * rendering stays in one place, here. Elements carry data-* attributes for scripts and tests.
 */
import { formatEta, formatSize } from '../../core/sync-progress.js';
import type { ControllerEvent } from '../events/event-log.js';
import type { ControllerStatus, MirrorStatus } from '../status/status-board.js';

export interface SnapshotSummary {
  id: string;
  createdAt: string;
  commit?: string;
  files: number;
  bytes: number;
  /** What made it and what it changed (from the publish history). */
  cause?: string;
  changed?: Array<{ mirror: string; upstream?: string }>;
  failed?: Array<{ mirror: string; message: string }>;
}

export interface StatusPageData {
  status: ControllerStatus;
  snapshots: SnapshotSummary[];
  events: ControllerEvent[];
  /** Render time (epoch ms). */
  now: number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(v: string | number | undefined): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '–';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  return s < 0 ? `in ${formatEta(-s)}` : `${formatEta(s)} ago`;
}

function time(iso: string | undefined, now: number): string {
  return iso ? `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(ago(iso, now))}</time>` : '–';
}

function progressBar(m: { progress?: MirrorStatus['progress'] }, id: string): string {
  const p = m.progress;
  if (!p) return '';
  const pct = p.bytesTotal > 0 ? Math.min(100, Math.floor((p.bytesDone * 100) / p.bytesTotal)) : p.filesTotal > 0 ? Math.floor((p.filesDone * 100) / p.filesTotal) : 0;
  return `<div class="progress" data-progress="${esc(id)}" data-percent="${pct}"><progress max="100" value="${pct}">${pct}%</progress>
    <span>${pct}% · ${p.filesDone}/${p.filesTotal} files · ${esc(formatSize(p.bytesDone))}/${esc(formatSize(p.bytesTotal))} · ${esc(formatSize(p.rate))}/s · ETA ${esc(formatEta(p.etaSeconds))}</span></div>`;
}

function mirrorRow(m: MirrorStatus, now: number): string {
  const c = m.condition;
  const change = m.lastChange ? `${time(m.lastChange.at, now)} <small>${esc(m.lastChange.cause ?? '')} · ${esc(m.lastChange.snapshot)}</small>` : '–';
  const refresh = m.refresh ? `every ${esc(m.refresh)} · last ${time(m.lastRefreshAt, now)} · next ${m.nextRefreshAt ? time(m.nextRefreshAt, now) : 'held'}` : 'follows the model';
  const detail = c.message ? `<div class="msg">${esc(c.message)}</div>` : '';
  return `<tr data-mirror="${esc(m.id)}" data-condition="${esc(c.type)}" data-reason="${esc(c.reason)}">
  <td><a href="/${esc(m.kind)}/${esc(m.name)}/">${esc(m.id)}</a></td>
  <td><span class="badge ${esc(c.type.toLowerCase())}">${esc(c.type)}</span> <small>${esc(c.reason)} · ${time(c.since, now)}</small>${detail}${progressBar(m, m.id)}</td>
  <td>${m.files !== undefined ? `${m.files} files · ${esc(formatSize(m.bytes ?? 0))}` : '–'}</td>
  <td>${change}</td>
  <td>${refresh}</td>
</tr>`;
}

function snapshotRow(s: SnapshotSummary, served: string | undefined, now: number): string {
  const changed = s.changed?.length ? s.changed.map((c) => `${esc(c.mirror)}${c.upstream ? ` <small>(${esc(c.upstream)})</small>` : ''}`).join(', ') : '–';
  const failed = s.failed?.length ? ` <span class="badge failed">failed: ${s.failed.map((f) => esc(f.mirror)).join(', ')}</span>` : '';
  return `<tr data-snapshot="${esc(s.id)}"${s.id === served ? ' data-served="true" class="served"' : ''}>
  <td><a href="/snapshots/${esc(s.id)}/">${esc(s.id)}</a>${s.id === served ? ' <span class="badge ready">served</span>' : ''}</td>
  <td>${s.commit ? esc(s.commit.slice(0, 12)) : '–'}</td>
  <td>${time(s.createdAt, now)}</td>
  <td>${s.files} files · ${esc(formatSize(s.bytes))}</td>
  <td>${esc(s.cause ?? '')} ${changed}${failed}</td>
</tr>`;
}

/** The part of the page that the script refreshes. */
export function renderStatusBody(d: StatusPageData): string {
  const s = d.status;
  const banners: string[] = [];
  if (s.suspension.suspended)
    banners.push(`<p class="banner warn" data-suspended="true">Automatic reconciliation is <b>suspended</b>${s.suspension.reason ? `: ${esc(s.suspension.reason)}` : ''}${s.suspension.by ? ` (by ${esc(s.suspension.by)})` : ''}, ${time(s.suspension.since, d.now)}. <code>ferry resume</code> resumes it.</p>`);
  if (s.refresh.held)
    banners.push(`<p class="banner warn" data-refresh-held="true">Scheduled refreshes are <b>held</b>${s.refresh.reason ? `: ${esc(s.refresh.reason)}` : ''}, ${time(s.refresh.since, d.now)}. <code>ferry resume</code> releases them.</p>`);
  if (s.failures)
    banners.push(`<p class="banner bad">${s.failures} failed run(s)${s.failingRevision ? ` at ${esc(s.failingRevision.slice(0, 12))}` : ''}${s.stalled ? ', waiting for a new commit' : s.nextRetryAt ? `, retry ${time(s.nextRetryAt, d.now)}` : ''}: ${s.lastErrors.slice(0, 3).map((e) => esc(e.message)).join('; ')}</p>`);
  const pub = s.published;
  const summary = `<p data-phase="${esc(s.phase)}">Phase <b>${esc(s.phase)}</b>${s.lastRun ? ` · last run ${s.lastRun.runId} ${esc(s.lastRun.result)} ${time(s.lastRun.finishedAt ?? s.lastRun.startedAt, d.now)}` : ''} · serving ${pub ? `<b>${esc(pub.snapshot)}</b>${pub.commit ? ` (commit ${esc(pub.commit.slice(0, 12))})` : ''}` : 'nothing yet'}${!s.refresh.held && s.refresh.nextAt ? ` · next refresh ${time(s.refresh.nextAt, d.now)}` : ''}${s.refresh.nextRenewalAt ? ` · <span data-next-renewal>Release renewal ${time(s.refresh.nextRenewalAt, d.now)}</span>` : ''}</p>${progressBar(s, '*')}`;
  const mirrors = s.mirrors.length ? s.mirrors.map((m) => mirrorRow(m, d.now)).join('\n') : '<tr><td colspan="5">No mirror yet.</td></tr>';
  const snapshots = d.snapshots.map((x) => snapshotRow(x, pub?.snapshot, d.now)).join('\n');
  const events = d.events
    .slice()
    .reverse()
    .map((e) => `<li data-event="${esc(e.type)}">${time(e.time, d.now)} <b>${esc(e.type)}</b> ${esc(e.message)}</li>`)
    .join('\n');
  return `${banners.join('\n')}
${summary}
<h2>Mirrors</h2>
<table id="mirrors"><thead><tr><th>Mirror</th><th>Condition</th><th>Served</th><th>Last change</th><th>Refresh</th></tr></thead>
<tbody>${mirrors}</tbody></table>
<h2>Snapshots</h2>
<table id="snapshots"><thead><tr><th>Snapshot</th><th>Commit</th><th>Made</th><th>Size</th><th>What changed</th></tr></thead>
<tbody>${snapshots}</tbody></table>
<h2>Recent events</h2>
<ul id="events">${events}</ul>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}small{color:#666}
.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:12px;color:#fff;background:#888}
.badge.ready{background:#2a7}.badge.failed{background:#c33}.badge.fetching{background:#27c}.badge.stale{background:#d90}
.banner{padding:.5em;border-radius:4px}.warn{background:#fff4d0}.bad{background:#fde}.msg{color:#a22;font-size:12px}
progress{width:14em;vertical-align:middle}.progress span{font-size:12px;margin-left:.5em}tr.served{background:#f3fbf6}
ul#events{list-style:none;padding:0}ul#events li{border-bottom:1px solid #eee;padding:.2em 0}`;

// Re-reads the body every 2 s (not while the tab is hidden); a failed read leaves the page as it is.
const SCRIPT = `(function(){var busy=false;setInterval(function(){if(busy||document.hidden)return;busy=true;
fetch('/?partial=1',{cache:'no-store'}).then(function(r){return r.ok?r.text():null}).then(function(t){
if(t!==null){document.getElementById('body').innerHTML=t;document.body.dataset.updated=String(Date.now());}})
.catch(function(){}).then(function(){busy=false;});},2000);})();`;

export function renderStatusPage(d: StatusPageData): string {
  const title = `Ferry${d.status.published ? ` · ${d.status.published.snapshot}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><h1>Ferry</h1>
<main id="body">${renderStatusBody(d)}</main>
<script>${SCRIPT}</script></body></html>
`;
}
