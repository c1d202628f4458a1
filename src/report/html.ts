import { formatBytes } from '../format/bytes';
import { localDate, localStamp } from '../format/clock';
import { formatDuration } from '../format/duration';
import type { RunRecord } from '../store/types';
import type { HistoryRun, SnapshotHistory, SpaceUsage } from './model';
import type { Status } from './status-sentence';
import { drillText, scrubText, verifyText } from './history-text';

/**
 * The history report: ONE self-contained HTML page (inline CSS, inline SVG, no scripts, no network),
 * so it can be e-mailed, opened from a USB stick or printed. Pure: data in, string out.
 * Every string that comes from data goes through `esc` (file names and error texts are not trusted).
 */
export interface ReportInput {
  status: Status;
  generatedAt: Date;
  destination: string;
  version: string;
  /** The runs to show, oldest first. */
  runs: HistoryRun[];
  /** Every complete snapshot, oldest first. */
  snapshots: SnapshotHistory[];
  space: SpaceUsage | null;
  /** The offsite copy in lines (age of the newest copy, last check) and whether it needs attention; absent = not configured. */
  offsite?: { lines: string[]; attention: boolean } | null;
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderReport(input: ReportInput): string {
  const { status } = input;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>AVImark backup report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>AVImark backup report</h1>
<p class="meta">Destination <code>${esc(input.destination)}</code> · generated ${esc(stamp(input.generatedAt))} · avimark-backup ${esc(input.version)}</p>
</header>
<p id="status" class="status ${status.level}" role="status">${esc(status.sentence)}</p>
${offsiteBlock(input.offsite ?? null)}
<section>
<h2>Recent runs</h2>
${runsTable(input.runs)}
</section>
<section class="charts">
<h2>Over time</h2>
${lineChart({
  id: 'offline-chart',
  title: 'Offline window per night',
  description: 'How long AVImark was unavailable to users during each backup.',
  points: input.runs
    .filter((r) => r.offlineSeconds !== null)
    .map((r) => ({
      at: new Date(r.startedAt),
      value: r.offlineSeconds ?? 0,
      label: `${stamp(new Date(r.startedAt))}: offline ${duration(r.offlineSeconds ?? 0)}`,
    })),
  axis: durationAxis,
  empty: 'No backup with a lockout has run yet.',
})}
${lineChart({
  id: 'size-chart',
  title: 'Backup size per night',
  description: 'Total size of the AVImark data in each successful backup.',
  points: input.runs
    .filter((r) => r.result === 'success')
    .map((r) => ({
      at: new Date(r.startedAt),
      value: r.bytesTotal,
      label: `${stamp(new Date(r.startedAt))}: ${bytes(r.bytesTotal)} (${bytes(r.bytesCopied)} copied)`,
    })),
  axis: bytesAxis,
  empty: 'No successful backup yet.',
})}
</section>
<section>
<h2>Snapshots</h2>
${snapshotsTable(input.snapshots)}
</section>
${scrubBlock(input.snapshots)}
<section>
<h2>Space on the destination</h2>
${spaceBlock(input.space)}
</section>
<footer>This page was written by <code>avimark-backup report</code>; it needs no network and contains no scripts.</footer>
</body>
</html>
`;
}

function offsiteBlock(offsite: ReportInput['offsite'] | null): string {
  if (!offsite) return '';
  const lines = offsite.lines.map((l) => esc(l)).join('<br>');
  return `<p id="offsite" class="status ${offsite.attention ? 'attention' : 'ok'}">${lines}</p>`;
}

function runsTable(runs: HistoryRun[]): string {
  if (runs.length === 0) return '<p class="empty">No backup has run yet.</p>';
  const rows = [...runs]
    .reverse()
    .map((r) => {
      const problem = r.errors[0] ?? r.warnings[0] ?? '';
      return `<tr class="run ${esc(r.result)}"><td>${esc(stamp(new Date(r.startedAt)))}</td><td><span class="badge ${esc(r.result)}">${esc(resultWord(r.result))}</span></td><td class="num">${esc(duration(r.durationSeconds))}</td><td class="num">${r.offlineSeconds === null ? '—' : esc(duration(r.offlineSeconds))}</td><td class="num">${esc(bytes(r.bytesCopied))}</td><td class="num">${esc(bytes(r.bytesTotal))}</td><td>${esc(r.mode ?? '—')}</td><td class="note">${esc(problem)}</td></tr>`;
    })
    .join('\n');
  return `<table id="runs">
<thead><tr><th>Started</th><th>Result</th><th>Duration</th><th>Offline</th><th>Copied</th><th>Total</th><th>Mode</th><th>Note</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function snapshotsTable(snapshots: SnapshotHistory[]): string {
  if (snapshots.length === 0) return '<p class="empty">There is no snapshot yet.</p>';
  const rows = [...snapshots]
    .reverse()
    .map((s) => {
      const v = s.verify ? (s.verify.ok ? 'ok' : 'failed') : 'none';
      const d = s.drill ? (s.drill.ok ? 'ok' : 'failed') : 'none';
      const problems = [
        ...(s.verify?.damaged ?? []).map((p) => `damaged: ${p}`),
        ...(s.verify?.missing ?? []).map((p) => `missing: ${p}`),
        ...(s.verify?.repair?.healed ?? []).map((p) => `healed by verify --repair: ${p}`),
        ...(s.verify?.repair?.unrecoverable ?? []).map((u) => `could not be healed: ${u.path} (${u.reason})`),
        ...(s.drill?.problems ?? []),
      ];
      const shown = problems
        .slice(0, 5)
        .map((p) => `<li>${esc(p)}</li>`)
        .join('');
      const more = problems.length > 5 ? `<li>… and ${problems.length - 5} more</li>` : '';
      return `<tr class="snapshot"><td><code>${esc(s.id)}</code></td><td class="num">${s.run ? esc(bytes(s.run.bytesTotal)) : '—'}</td><td class="num">${s.run ? esc(String(s.run.filesTotal)) : '—'}</td><td><span class="badge ${v}">${esc(verifyText(s.verify))}</span></td><td><span class="badge ${d}">${esc(drillText(s.drill))}</span></td><td class="note">${problems.length ? `<ul>${shown}${more}</ul>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<table id="snapshots">
<thead><tr><th>Snapshot</th><th>Size</th><th>Files</th><th>Verification</th><th>Restore drill</th><th>Problems</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/** The rolling scrub's coverage as the newest verification that ran one recorded it (issue 14). */
function scrubBlock(snapshots: SnapshotHistory[]): string {
  const scrub = [...snapshots].reverse().find((s) => s.verify?.scrub)?.verify?.scrub;
  if (!scrub) return '';
  const oldest = scrub.oldest
    ? `<p>Oldest: <code>${esc(scrub.oldest.snapshotId)}/${esc(scrub.oldest.path)}</code>, ${scrub.oldest.verifiedAt ? `re-hashed ${esc(stamp(new Date(scrub.oldest.verifiedAt)))}` : 'not re-hashed yet'}.</p>`
    : '';
  return `<section id="scrub">
<h2>Rolling scrub</h2>
<p>${esc(scrubText(scrub))}</p>
${oldest}
</section>`;
}

function spaceBlock(space: SpaceUsage | null): string {
  if (!space) return '<p class="empty">Not measured.</p>';
  const saved = Math.max(0, space.apparentBytes - space.storedBytes);
  const pct = space.apparentBytes > 0 ? Math.round((saved / space.apparentBytes) * 100) : 0;
  const volume =
    space.volumeTotalBytes !== null && space.volumeFreeBytes !== null
      ? `<dt>Free on the destination volume</dt><dd id="space-free">${esc(bytes(space.volumeFreeBytes))} of ${esc(bytes(space.volumeTotalBytes))}</dd>`
      : '';
  return `<dl class="space">
<dt>Snapshots use on disk</dt><dd id="space-stored">${esc(bytes(space.storedBytes))} (${space.uniqueFiles} distinct files)</dd>
<dt>As separate full copies they would use</dt><dd id="space-apparent">${esc(bytes(space.apparentBytes))} (${space.files} files)</dd>
<dt>Saved by hard links</dt><dd id="space-saved">${esc(bytes(saved))} (${pct}%)</dd>
${volume}
</dl>`;
}

interface ChartPoint {
  at: Date;
  value: number;
  label: string;
}

interface ChartSpec {
  id: string;
  title: string;
  description: string;
  points: ChartPoint[];
  /** The axis: a round top value at or above the largest value, and how to label it. */
  axis: { top: (max: number) => number; label: (v: number) => string };
  empty: string;
}

const durationAxis = {
  top: (max: number): number => (max <= 60 ? niceMax(max) : Math.ceil(max / 120) * 120),
  label: (v: number): string => (v === 0 ? '0' : v < 60 || v % 60 !== 0 ? duration(v) : `${v / 60} min`),
};

const bytesAxis = {
  top: (max: number): number => {
    if (max <= 0) return 1024;
    const unit = 1024 ** Math.min(4, Math.floor(Math.log(max) / Math.log(1024)));
    return niceMax(max / unit) * unit;
  },
  label: (v: number): string => (v === 0 ? '0' : bytes(v).replace('.0 ', ' ')),
};

const W = 640;
const H = 220;
const PAD = { left: 78, right: 16, top: 14, bottom: 36 };

/** A line chart as inline SVG with an accessible title; one <circle class="point"> (with its own title) per value. */
export function lineChart(spec: ChartSpec): string {
  const heading = `<h3 id="${spec.id}-heading">${esc(spec.title)}</h3>`;
  if (spec.points.length === 0)
    return `<figure class="chart">${heading}<p class="empty">${esc(spec.empty)}</p></figure>`;
  const points = [...spec.points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const t0 = points[0].at.getTime();
  const t1 = points[points.length - 1].at.getTime();
  const max = spec.axis.top(Math.max(...points.map((p) => p.value)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (p: ChartPoint, i: number): number =>
    PAD.left +
    (t1 > t0
      ? ((p.at.getTime() - t0) / (t1 - t0)) * plotW
      : points.length > 1
        ? (i / (points.length - 1)) * plotW
        : plotW / 2);
  const y = (v: number): number => PAD.top + plotH - (max > 0 ? (v / max) * plotH : 0);
  const coords = points.map((p, i) => ({ p, cx: round(x(p, i)), cy: round(y(p.value)) }));
  const grid = [0, 0.5, 1]
    .map((f) => {
      const gy = round(y(max * f));
      return `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${gy}" y2="${gy}"/><text class="axis" x="${PAD.left - 6}" y="${gy + 4}" text-anchor="end">${esc(spec.axis.label(max * f))}</text>`;
    })
    .join('');
  const xLabels =
    `<text class="axis" x="${PAD.left}" y="${H - 12}" text-anchor="start">${esc(localDate(points[0].at))}</text>` +
    (points.length > 1
      ? `<text class="axis" x="${W - PAD.right}" y="${H - 12}" text-anchor="end">${esc(localDate(points[points.length - 1].at))}</text>`
      : '');
  const line =
    coords.length > 1 ? `<polyline class="line" points="${coords.map((c) => `${c.cx},${c.cy}`).join(' ')}"/>` : '';
  const dots = coords
    .map(
      (c) =>
        `<circle class="point" cx="${c.cx}" cy="${c.cy}" r="4" data-value="${c.p.value}"><title>${esc(c.p.label)}</title></circle>`,
    )
    .join('');
  return `<figure class="chart">${heading}
<svg id="${spec.id}" role="img" aria-labelledby="${spec.id}-title ${spec.id}-desc" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
<title id="${spec.id}-title">${esc(spec.title)}</title><desc id="${spec.id}-desc">${esc(spec.description)}</desc>
${grid}<line class="axis-line" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}"/>${xLabels}
${line}${dots}
</svg></figure>`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A round upper bound for the y axis (1, 2, 2.5, 5 × 10^n). */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

function resultWord(result: RunRecord['result']): string {
  return result === 'success' ? 'OK' : result === 'failed' ? 'FAILED' : 'INTERRUPTED';
}

/** Sizes in binary units labelled as such (1 KiB = 1024 B), as everywhere else. */
export function bytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  return formatBytes(n, { compact: true });
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  return formatDuration(seconds, { whole: true });
}

function stamp(d: Date): string {
  return Number.isNaN(d.getTime()) ? '?' : localStamp(d);
}

const CSS = `
:root{--ok:#1f7a3a;--ok-bg:#e7f5ec;--warn:#8a5a00;--warn-bg:#fff4d6;--bad:#b00020;--bad-bg:#fde7ea;--ink:#1d2430;--muted:#5d6675;--line:#d9dee6}
*{box-sizing:border-box}
body{font-family:"Segoe UI",system-ui,-apple-system,Roboto,Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1080px;padding:24px;line-height:1.4;background:#fff}
h1{font-size:1.6rem;margin:0}
h2{font-size:1.2rem;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:0 0 6px}
.meta,footer{color:var(--muted);font-size:.85rem}
footer{margin-top:32px}
code{font-family:Consolas,"DejaVu Sans Mono",monospace;font-size:.9em}
.status{font-size:1.35rem;font-weight:600;padding:16px 20px;border-radius:8px;border-left:8px solid;margin:18px 0}
.status.ok{background:var(--ok-bg);border-color:var(--ok);color:var(--ok)}
.status.attention{background:var(--warn-bg);border-color:var(--warn);color:var(--warn)}
.status.failed{background:var(--bad-bg);border-color:var(--bad);color:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f3f5f8;font-weight:600}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.note{color:var(--muted);max-width:360px;overflow-wrap:anywhere}
td.note ul{margin:0;padding-left:18px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;white-space:nowrap}
.badge.success,.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.failed,.badge.interrupted{background:var(--bad-bg);color:var(--bad);font-weight:600}
.badge.none{background:#eef0f3;color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px}
.charts h2{grid-column:1/-1}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px}
svg .grid{stroke:#e6e9ee;stroke-width:1}
svg .axis-line{stroke:#9aa3b0}
svg .axis{fill:var(--muted);font-size:13px;font-family:inherit}
svg .line{fill:none;stroke:#2f6db5;stroke-width:2}
svg .point{fill:#2f6db5;stroke:#fff;stroke-width:1.5}
dl.space{display:grid;grid-template-columns:max-content 1fr;gap:6px 18px;margin:0}
dl.space dt{color:var(--muted)}
dl.space dd{margin:0;font-weight:600}
.empty{color:var(--muted);font-style:italic}
@media print{.status{border-width:2px}body{padding:0}}
`;
