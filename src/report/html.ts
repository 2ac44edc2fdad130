import { findPreset } from '../config/presets.js';
import { word } from '../i18n/index.js';
import { throughputSvg } from './chart.js';
import { esc } from './format.js';
import { lagSvg } from './lag-chart.js';
import type { ReportData } from './model.js';
import { groupwareHtml } from './groupware-html.js';
import { accountRows, bossSummary, type I18n } from './summary.js';

// The migration report as one self-contained HTML page (no script, no external asset) in one
// language: the summary for the boss on the first A4 page, the details after it.

const PROBLEMS_SHOWN = 200;
const DIFFERENCES_SHOWN = 200;

export function renderHtml(r: ReportData, I: I18n): string {
  const { cat, fmt, t } = I;
  const R = cat.report;
  const v = r.verification;
  const boss = bossSummary(r, I);
  const rows = new Map(accountRows(r, I).map((a) => [a.sourceUser, a]));
  const n = (x: number) => fmt.num(x);
  const server = (s: ReportData['job']['source']) => `${esc(s.host)}:${s.port} (${esc(s.preset)}, ${esc(t(R.servers.tls, { tls: s.tls }))})`;
  const counts = (x: ReportData['totals'] | ReportData['accounts'][number]['totals']) =>
    `<td class="n">${n(x.total)}</td><td class="n">${n(x.copied)}</td><td class="n ${x.skipped ? 'warn' : ''}">${n(x.skipped)}</td><td class="n ${x.failed ? 'bad' : ''}">${n(x.failed)}</td><td class="n ${x.pending ? 'warn' : ''}">${n(x.pending)}</td><td class="n">${esc(fmt.bytes(x.bytesCopied))}</td>`;
  const card = (label: string, value: string, key: string, tone = '') => `<div class="card ${tone}" data-figure="${key}"><div class="v">${esc(value)}</div><div class="l">${esc(label)}</div></div>`;
  const outcome = (o: string) => word(cat.words.outcome, o);
  const list = (xs: string[], empty: string) => (xs.length ? `<ul>${xs.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : `<p>${esc(empty)}</p>`);
  const F = R.figures;

  return `<!DOCTYPE html>
<html lang="${esc(cat.meta.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mailshift ${esc(r.tool.version)}">
<title>${esc(t(R.pageTitle, { company: r.job.company, job: r.job.name }))}</title>
<style>${CSS}body{font-family:${cat.meta.fontStack}}</style>
</head>
<body>
<section id="boss">
<header>
<h1>${esc(R.title)}</h1>
<p class="sub">${esc(t(R.sub, { company: r.job.company, job: r.job.name, domain: r.job.domain, at: fmt.dateTime(r.generatedAt), version: r.tool.version }))}</p>
</header>
<h2>${esc(R.boss.heading)}</h2>
<p class="status ${boss.tone}" id="status">${esc(boss.status)}</p>
<p>${esc(t(R.boss.from, { source: systemName(r.job.source), destination: systemName(r.job.destination) }))}</p>
<div class="cards">
${card(F.accounts, n(r.totals.accounts), 'accounts')}
${card(F.total, n(r.totals.total), 'total')}
${card(F.copied, n(r.totals.copied), 'copied')}
${card(F.skipped, n(r.totals.skipped), 'skipped', r.totals.skipped ? 'warn' : '')}
${card(F.failed, n(r.totals.failed), 'failed', r.totals.failed ? 'bad' : '')}
${card(F.pending, n(r.totals.pending), 'pending', r.totals.pending ? 'warn' : '')}
${card(F.bytes, fmt.bytes(r.totals.bytesCopied), 'bytes')}
${card(F.verification, v ? outcome(v.outcome) : F.notRun, 'verification', v ? (v.clean ? 'good' : 'bad') : 'warn')}
</div>
<h3>${esc(R.boss.left)}</h3>
<div id="boss-left">${list(boss.left, R.boss.nothingLeft)}</div>
<h3>${esc(R.boss.risks)}</h3>
<div id="boss-risks">${list(boss.risks, R.boss.noRisks)}</div>
<h3>${esc(R.boss.next)}</h3>
<p id="boss-next">${esc(boss.next)}</p>
<p class="muted small" id="conventions">${esc(t(cat.units.conventions, { zone: fmt.zone() }))}</p>
</section>

<section id="details">
<h2>${esc(R.details)}</h2>
<table class="kv">
<tr><th>${esc(R.servers.from)}</th><td>${server(r.job.source)}</td></tr>
<tr><th>${esc(R.servers.to)}</th><td>${server(r.job.destination)}</td></tr>
<tr><th>${esc(R.servers.created)}</th><td>${esc(fmt.dateTime(r.job.createdAt))}</td></tr>
</table>
</section>

<section id="phases">
<h2>${esc(R.phases.heading)}</h2>
${r.phases.length === 0 ? `<p class="muted">${esc(R.phases.none)}</p>` : `<table>
<thead><tr><th>${esc(R.phases.phase)}</th><th>${esc(R.phases.started)}</th><th>${esc(R.phases.finished)}</th><th class="n">${esc(R.phases.duration)}</th><th>${esc(R.phases.outcome)}</th></tr></thead>
<tbody>${r.phases.map((p) => `<tr><td>${esc(phaseName(p.phase, I))}</td><td>${esc(fmt.dateTime(p.startedAt))}</td><td>${esc(fmt.dateTime(p.finishedAt))}</td><td class="n">${esc(p.seconds === null ? R.phases.running : fmt.duration(p.seconds))}</td><td class="${toneOf(p.outcome)}">${esc(outcome(p.outcome))}</td></tr>`).join('\n')}</tbody>
</table>`}
</section>

<section id="totals">
<h2>${esc(R.accounts.heading)}</h2>
${r.accounts.length === 0 ? `<p class="muted">${esc(R.accounts.none)}</p>` : `<table>
<thead><tr><th>${esc(R.accounts.account)}</th><th>${esc(R.accounts.destination)}</th><th class="n">${esc(R.accounts.messages)}</th><th class="n">${esc(R.accounts.copied)}</th><th class="n">${esc(R.accounts.skipped)}</th><th class="n">${esc(R.accounts.failed)}</th><th class="n">${esc(R.accounts.pending)}</th><th class="n">${esc(R.accounts.size)}</th></tr></thead>
<tbody>
${r.accounts
  .map((a) => {
    const row = rows.get(a.sourceUser)!;
    const check = row.check && (row.check.missing || row.check.duplicated) ? `<div class="err">${esc(t(R.accounts.verified, { missing: row.check.missing, duplicated: row.check.duplicated }))}</div>` : '';
    return `<tr class="account" data-account="${esc(a.sourceUser)}" data-status="${row.status}"><td>${esc(a.sourceUser)} <span class="tag ${row.tone}">${esc(row.label)}</span>${check}${a.lastError ? `<div class="err">${esc(a.lastError)}</div>` : ''}</td><td>${esc(a.destinationUser)}</td>${counts(a.totals)}</tr>
${a.folders.map((f) => `<tr class="folder"><td><span translate="no">${esc(f.sourcePath)}</span>${f.specialUse ? ` <span class="tag">${esc(f.specialUse)}</span>` : ''}</td><td translate="no">${esc(f.destinationPath)}</td>${counts(f)}</tr>`).join('\n')}`;
  })
  .join('\n')}
<tr class="total"><td>${esc(R.accounts.total)}</td><td>${esc(t(R.accounts.totalLine, { accounts: r.totals.accounts, folders: r.totals.folders }))}</td>${counts(r.totals)}</tr>
</tbody></table>`}
</section>

<section id="throughput">
<h2>${esc(R.throughput.heading)}</h2>
${throughputSvg(r.throughput, {
  none: R.throughput.none,
  label: (total, minutes, peak) => t(R.throughput.label, { total, minutes, peak }),
  axisMinute: t(R.throughput.axisMinute, { zone: fmt.timeZone }),
  axisMessages: R.throughput.axisMessages,
  time: (d) => fmt.time(d),
  messagesWord: R.accounts.messages,
})}
${r.throughput.length ? `<p class="muted">${esc(t(R.throughput.peak, { peak: Math.max(...r.throughput.map((x) => x.messages)), total: r.throughput.reduce((s, x) => s + x.messages, 0), minutes: r.throughput.length }))}</p>` : ''}
</section>

${r.canaries?.length || r.phases.some((p) => p.phase === 'dual-run') ? lagSection(r, I) : ''}
<section id="problems">
<h2>${esc(R.problems.heading)}</h2>
${r.problems.length === 0 ? `<p class="good">${esc(R.problems.none)}</p>` : `<p>${esc(t(R.problems.intro, { n: r.problems.length }))}${r.problems.length > PROBLEMS_SHOWN ? ' ' + esc(t(R.problems.more, { shown: PROBLEMS_SHOWN, total: r.problems.length })) : ''}</p>
<table>
<thead><tr><th>${esc(R.problems.account)}</th><th>${esc(R.problems.folder)}</th><th class="n">${esc(R.problems.uid)}</th><th>${esc(R.problems.messageId)}</th><th>${esc(R.problems.date)}</th><th class="n">${esc(R.problems.size)}</th><th>${esc(R.problems.state)}</th><th>${esc(R.problems.reason)}</th></tr></thead>
<tbody>${r.problems.slice(0, PROBLEMS_SHOWN).map((p) => `<tr><td>${esc(p.account)}</td><td translate="no">${esc(p.sourcePath)}</td><td class="n">${p.srcUid}</td><td class="mono">${esc(p.messageId ?? R.problems.noMessageId)}</td><td>${esc(fmt.dateTime(p.internalDate))}</td><td class="n">${esc(fmt.bytes(p.size))}</td><td class="${toneOf(p.state)}">${esc(word(cat.words.messageState, p.state))}</td><td class="wrap">${esc(p.reason)}</td></tr>`).join('\n')}</tbody>
</table>`}
</section>

<section id="flags">
<h2>${esc(R.flags.heading)}</h2>
${r.droppedFlags.length === 0 ? `<p class="muted">${esc(R.flags.none)}</p>` : `<p>${esc(R.flags.intro)}</p>
<table><thead><tr><th>${esc(R.problems.account)}</th><th>${esc(R.problems.folder)}</th><th>${esc(R.flags.flag)}</th><th class="n">${esc(R.accounts.messages)}</th><th>${esc(R.flags.seenBy)}</th></tr></thead>
<tbody>${r.droppedFlags.map((f) => `<tr><td>${esc(f.account)}</td><td>${esc(f.folder)}</td><td class="mono">${esc(f.flag)}</td><td class="n">${n(f.messages)}</td><td>${esc(phaseName(f.source, I))}</td></tr>`).join('\n')}</tbody></table>`}
</section>

${groupwareHtml(r.groupware, esc, I)}<section id="verification">
<h2>${esc(R.verification.heading)}</h2>
${v ? verificationHtml(v, I) : `<p class="warn">${esc(R.verification.notRun)}</p>`}
</section>

<section id="audit">
<h2>${esc(R.audit.heading)}</h2>
${auditHtml(r, I)}
</section>
<footer><p>${esc(t(R.footer, { version: r.tool.version, at: fmt.dateTime(r.generatedAt) }))}</p></footer>
</body>
</html>
`;
}

/** "Tencent Exmail" rather than "tencent-exmail"; the host for a generic server. */
export function systemName(s: ReportData['job']['source']): string {
  const p = findPreset(s.preset);
  return p && p.id !== 'generic' ? p.name : s.host;
}

export function phaseName(p: string, I: I18n): string {
  const [head, ...rest] = p.split(' ');
  const w = word(I.cat.words.phase, head!);
  return rest.length ? `${w}: ${rest.join(' ')}` : w;
}

function verificationHtml(v: NonNullable<ReportData['verification']>, I: I18n): string {
  const { cat, fmt, t } = I;
  const V = cat.report.verification;
  const n = (x: number) => fmt.num(x);
  const tt = v.totals;
  const diffs = v.folders.flatMap((f) => f.differences.map((d) => ({ f, d })));
  return `<p class="${v.clean ? 'good' : 'bad'}">${esc(t(V.run, { id: v.runId, how: v.deep ? V.deep : V.shallow, at: fmt.dateTime(v.startedAt), outcome: word(cat.words.outcome, v.outcome) }))}
${esc(t(V.totals, { source: tt.sourceMessages, folders: tt.folders, accounts: tt.accounts, destination: tt.destinationMessages, matched: tt.matched, missing: tt.missing, duplicated: tt.duplicated, altered: tt.altered, extra: tt.extra }))}</p>
<table>
<thead><tr><th>${esc(cat.report.problems.account)}</th><th>${esc(V.sourceFolder)}</th><th>${esc(V.destinationFolder)}</th><th class="n">${esc(V.source)}</th><th class="n">${esc(V.destination)}</th><th class="n">${esc(cat.words.diffKind.missing)}</th><th class="n">${esc(cat.words.diffKind.duplicated)}</th><th class="n">${esc(cat.words.diffKind.altered)}</th><th class="n">${esc(cat.words.diffKind.extra)}</th><th>${esc(V.pairing)}</th></tr></thead>
<tbody>${v.folders
    .map(
      (f) => `<tr><td>${esc(f.account)}</td><td translate="no">${esc(f.sourcePath)}</td><td translate="no">${esc(f.destinationPath)}</td>${f.error ? `<td colspan="6" class="bad">${esc(t(V.notCompared, { error: f.error }))}</td><td></td>` : `<td class="n">${n(f.sourceCount)}</td><td class="n">${n(f.destinationCount)}</td><td class="n ${f.missing ? 'bad' : ''}">${n(f.missing)}</td><td class="n ${f.duplicated ? 'bad' : ''}">${n(f.duplicated)}</td><td class="n ${f.altered ? 'bad' : ''}">${n(f.altered)}</td><td class="n">${n(f.extra)}</td><td>${esc(f.method === 'store' ? V.byStore : V.byScan)}</td>`}</tr>`,
    )
    .join('\n')}</tbody>
</table>
${diffs.length ? `<h3>${esc(V.differences)}${diffs.length > DIFFERENCES_SHOWN ? ` (${esc(t(V.firstOf, { shown: DIFFERENCES_SHOWN, total: diffs.length }))})` : ''}</h3>
<table><thead><tr><th>${esc(V.kind)}</th><th>${esc(cat.report.problems.account)}</th><th>${esc(cat.report.problems.folder)}</th><th>Message-ID</th><th>${esc(V.subject)}</th><th class="n">${esc(V.srcUid)}</th><th class="n">${esc(V.dstUid)}</th><th>${esc(V.detail)}</th></tr></thead>
<tbody>${diffs
    .slice(0, DIFFERENCES_SHOWN)
    .map(({ f, d }) => `<tr><td class="${d.kind === 'extra' ? 'warn' : 'bad'}">${esc(word(cat.words.diffKind, d.kind))}</td><td>${esc(f.account)}</td><td translate="no">${esc(f.sourcePath)}</td><td class="mono">${esc(d.messageId ?? cat.report.problems.noMessageId)}</td><td class="wrap">${esc(d.subject ?? '')}</td><td class="n">${d.srcUid ?? ''}</td><td class="n">${d.dstUid ?? ''}</td><td class="wrap">${esc(d.detail)}</td></tr>`)
    .join('\n')}</tbody></table>` : ''}`;
}

function auditHtml(r: ReportData, I: I18n): string {
  const { cat, fmt, t } = I;
  const A = cat.report.audit;
  const V = cat.report.verification;
  const a = r.audit;
  const v = r.verification;
  const tls = (x: string) => t(A.transport, { tls: word(A.tls, x) });
  return `<p>${esc(A.intro)}</p>
<table class="kv">
<tr><th>${esc(A.controller)}</th><td>${esc(r.job.company)} (${esc(r.job.domain)})</td></tr>
<tr><th>${esc(A.what)}</th><td>${esc(t(A.whatValue, { messages: a.copiedMessages, bytes: fmt.bytes(a.copiedBytes), accounts: r.totals.accounts }))}</td></tr>
<tr><th>${esc(A.from)}</th><td>${esc(r.job.source.host)}:${r.job.source.port} (${esc(r.job.source.preset)}), ${esc(tls(r.job.source.tls))}</td></tr>
<tr><th>${esc(A.to)}</th><td>${esc(r.job.destination.host)}:${r.job.destination.port} (${esc(r.job.destination.preset)}), ${esc(tls(r.job.destination.tls))}</td></tr>
<tr><th>${esc(A.when)}</th><td>${esc(t(A.whenValue, { first: fmt.dateTime(a.firstCopyAt), last: fmt.dateTime(a.lastCopyAt) }))}</td></tr>
<tr><th>${esc(A.notTransferred)}</th><td>${esc(t(A.notTransferredValue, { skipped: r.totals.skipped, failed: r.totals.failed, pending: r.totals.pending }))}</td></tr>
<tr><th>${esc(A.integrity)}</th><td>${esc(v ? t(A.integrityValue, { id: v.runId, at: fmt.dateTime(v.startedAt), how: v.deep ? V.deep : V.shallow, outcome: word(cat.words.outcome, v.outcome) }) : A.notVerified)}</td></tr>
<tr><th>${esc(A.method)}</th><td>${esc(A.methodValue)}</td></tr>
<tr><th>${esc(A.total)}</th><td class="mono" id="fingerprint-total">${esc(a.fingerprintTotal)}</td></tr>
<tr><th>${esc(A.credentials)}</th><td>${esc(A.credentialsValue)}</td></tr>
</table>
${a.perAccount.length ? `<table><thead><tr><th>${esc(A.sourceMailbox)}</th><th>${esc(A.destinationMailbox)}</th><th class="n">${esc(A.messagesCopied)}</th><th>${esc(A.fingerprint)}</th></tr></thead>
<tbody>${a.perAccount.map((p) => `<tr><td>${esc(p.account)}</td><td>${esc(p.destination)}</td><td class="n">${fmt.num(p.copied)}</td><td class="mono small">${esc(p.fingerprint)}</td></tr>`).join('\n')}</tbody></table>` : ''}
<p class="sign">${esc(A.sign)}</p>`;
}

function toneOf(o: string): string {
  if (o === 'complete' || o === 'clean' || o === 'copied') return 'good';
  if (o === 'failed' || o === 'differences') return 'bad';
  if (o === 'incomplete' || o === 'skipped' || o === 'interrupted' || o === 'running' || o === 'pending' || o === 'syncing' || o === 'waiting') return 'warn';
  return '';
}

// Fits an A4 page at print (180 mm of text width): tables wrap, long identifiers break.
const CSS = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:980px;padding:24px;color:#1d2329;font-size:14px;line-height:1.45}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #d6dbe0;padding-bottom:4px}h3{font-size:15px;margin:14px 0 4px}
.sub{color:#555;margin:0 0 12px}
.status{font-size:17px;font-weight:700;padding:10px 14px;border-radius:6px;border:2px solid}
.status.good{background:#e8f5ea;border-color:#4a9d5b}.status.warn{background:#fff6dc;border-color:#d9a400}.status.bad{background:#fde8e8;border-color:#c8373b}
.cards{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:8px;margin:10px 0 12px}
.card{border:1px solid #d6dbe0;border-radius:6px;padding:8px}.card .v{font-size:20px;font-weight:700}.card .l{color:#555;font-size:12px}
.card.good{border-color:#4a9d5b}.card.warn{border-color:#d9a400}.card.bad{border-color:#c8373b}
table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:12.5px;table-layout:auto}
th,td{border-bottom:1px solid #e3e6e9;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f5f7;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{width:200px}
tr.account td{background:#f8fafc;font-weight:600}tr.folder td:first-child{padding-left:20px}tr.total td{font-weight:700;border-top:2px solid #999}
.tag{display:inline-block;font-size:11px;font-weight:500;border:1px solid #ccd;border-radius:3px;padding:0 4px;margin-left:4px}
.tag.good{background:#e8f5ea;border-color:#4a9d5b}.tag.warn{background:#fff6dc;border-color:#d9a400}.tag.bad{background:#fde8e8;border-color:#c8373b}
.good{color:#1e7a34}.warn{color:#8a6500}.bad{color:#b3261e}
.status.good,.status.warn,.status.bad{color:#1d2329}
.muted{color:#666}.err{color:#b3261e;font-weight:400}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.small{font-size:11px}.wrap{overflow-wrap:anywhere}
.chart{max-width:760px;display:block}
.sign{margin-top:28px}
footer{margin-top:32px;color:#666;font-size:12px;border-top:1px solid #ddd;padding-top:8px}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;padding:0;font-size:11px}#boss{break-after:page}h2{break-after:avoid}tr,.card{break-inside:avoid}a{color:inherit}}
`;

/** The dual-run's canary lag over time (src/report/lag-chart.ts), with a one-line summary. */
function lagSection(r: ReportData, I: I18n): string {
  const { fmt, t } = I;
  const L = I.cat.report.lag;
  const pts = r.canaries ?? [];
  const lost = pts.filter((p) => p.state === 'lost' || p.state === 'failed').length;
  const peak = Math.round(Math.max(0, ...pts.map((p) => p.lagSeconds ?? 0)));
  const svg = lagSvg(pts, {
    none: L.none,
    label: (canaries, nLost, top) => t(L.label, { canaries, lost: nLost, peak: top }),
    axisTime: t(L.axisTime, { zone: fmt.timeZone }),
    axisSeconds: L.axisSeconds,
    delivery: L.delivery,
    endToEnd: L.endToEnd,
    lost: L.lost,
    time: (d) => fmt.time(d),
    seconds: (n) => t(L.seconds, { n: Math.round(n * 10) / 10 }),
  });
  return `<section id="lag">
<h2>${esc(L.heading)}</h2>
${svg}
${pts.length ? `<p class="muted">${esc(t(L.summary, { canaries: pts.length, lost, peak }))}</p>` : ''}
</section>
`;
}
