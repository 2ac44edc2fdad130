import { throughputSvg } from './chart.js';
import { bytes, duration, esc, num, when } from './format.js';
import type { ReportData } from './model.js';
import { groupwareHtml } from '../groupware/report.js';

const DIFFERENCES_SHOWN = 500;

/** The migration report as one self-contained HTML page: no script, no external asset, print-friendly. */
export function renderHtml(r: ReportData): string {
  const v = r.verification;
  const status = overallStatus(r);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mailshift ${esc(r.tool.version)}">
<title>Migration report — ${esc(r.job.company)} (${esc(r.job.name)})</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Mailbox migration report</h1>
<p class="sub">${esc(r.job.company)} · job <b>${esc(r.job.name)}</b> · domain ${esc(r.job.domain)} · generated ${esc(when(r.generatedAt))} by mailshift ${esc(r.tool.version)}</p>
<p class="status ${status.cls}" id="status">${esc(status.text)}</p>
</header>

<section id="summary">
<h2>Summary</h2>
<div class="cards">
${card('Accounts', num(r.totals.accounts), 'accounts')}
${card('Messages in source folders', num(r.totals.total), 'total')}
${card('Copied', num(r.totals.copied), 'copied')}
${card('Skipped', num(r.totals.skipped), 'skipped', r.totals.skipped ? 'warn' : '')}
${card('Failed', num(r.totals.failed), 'failed', r.totals.failed ? 'bad' : '')}
${card('Not yet copied', num(r.totals.pending), 'pending', r.totals.pending ? 'warn' : '')}
${card('Data copied', bytes(r.totals.bytesCopied), 'bytes')}
${card('Verification', v ? verifyWord(v.outcome) : 'not run', 'verification', v ? (v.clean ? 'good' : 'bad') : 'warn')}
</div>
<table class="kv">
<tr><th>From (source)</th><td>${esc(r.job.source.host)}:${r.job.source.port} (${esc(r.job.source.preset)}, TLS ${esc(r.job.source.tls)})</td></tr>
<tr><th>To (destination)</th><td>${esc(r.job.destination.host)}:${r.job.destination.port} (${esc(r.job.destination.preset)}, TLS ${esc(r.job.destination.tls)})</td></tr>
<tr><th>Job created</th><td>${esc(when(r.job.createdAt))}</td></tr>
</table>
</section>

<section id="phases">
<h2>Phases</h2>
${r.phases.length === 0 ? '<p class="muted">No phase has run yet.</p>' : `<table>
<thead><tr><th>Phase</th><th>Started</th><th>Finished</th><th class="n">Duration</th><th>Outcome</th></tr></thead>
<tbody>${r.phases.map((p) => `<tr><td>${esc(p.phase)}</td><td>${esc(when(p.startedAt))}</td><td>${esc(when(p.finishedAt))}</td><td class="n">${esc(duration(p.seconds))}</td><td class="${outcomeCls(p.outcome)}">${esc(p.outcome)}</td></tr>`).join('\n')}</tbody>
</table>`}
</section>

<section id="totals">
<h2>Accounts and folders</h2>
${r.accounts.length === 0 ? '<p class="muted">No account has been synchronised yet.</p>' : `<table>
<thead><tr><th>Account / folder</th><th>Destination</th><th class="n">Messages</th><th class="n">Copied</th><th class="n">Skipped</th><th class="n">Failed</th><th class="n">Pending</th><th class="n">Size copied</th></tr></thead>
<tbody>
${r.accounts
  .map(
    (a) => `<tr class="account"><td>${esc(a.sourceUser)} <span class="tag ${outcomeCls(a.state)}">${esc(a.state)}</span>${a.lastError ? `<div class="err">${esc(a.lastError)}</div>` : ''}</td><td>${esc(a.destinationUser)}</td>${counts(a.totals)}</tr>
${a.folders.map((f) => `<tr class="folder"><td>${esc(f.sourcePath)}${f.specialUse ? ` <span class="tag">${esc(f.specialUse)}</span>` : ''}${f.note ? `<div class="muted">${esc(f.note)}</div>` : ''}</td><td>${esc(f.destinationPath)}</td>${counts(f)}</tr>`).join('\n')}`,
  )
  .join('\n')}
<tr class="total"><td>Total</td><td>${num(r.totals.accounts)} accounts, ${num(r.totals.folders)} folders</td>${counts(r.totals)}</tr>
</tbody></table>`}
</section>

<section id="throughput">
<h2>Throughput</h2>
${throughputSvg(r.throughput)}
${r.throughput.length ? `<p class="muted">Peak ${num(Math.max(...r.throughput.map((t) => t.messages)))} messages in one minute; ${num(r.throughput.reduce((s, t) => s + t.messages, 0))} messages over ${num(r.throughput.length)} active minute(s).</p>` : ''}
</section>

<section id="problems">
<h2>Skipped and failed messages</h2>
${r.problems.length === 0 ? '<p class="good">No message was skipped and none failed.</p>' : `<p>${num(r.problems.length)} message(s) were not copied. Each has the reason the store recorded; fix the cause and run sync again to retry the failed ones.</p>
<table>
<thead><tr><th>Account</th><th>Folder</th><th class="n">UID</th><th>Message-ID</th><th>Date</th><th class="n">Size</th><th>State</th><th>Reason</th></tr></thead>
<tbody>${r.problems.map((p) => `<tr><td>${esc(p.account)}</td><td>${esc(p.sourcePath)}</td><td class="n">${p.srcUid}</td><td class="mono">${esc(p.messageId ?? '(none)')}</td><td>${esc(when(p.internalDate))}</td><td class="n">${esc(bytes(p.size))}</td><td class="${outcomeCls(p.state)}">${esc(p.state)}</td><td>${esc(p.reason)}</td></tr>`).join('\n')}</tbody>
</table>`}
</section>

<section id="flags">
<h2>Flags the destination did not keep</h2>
${r.droppedFlags.length === 0 ? '<p class="muted">None: every flag and keyword the destination was given is stored there (or verify has not compared flags yet).</p>' : `<p>These flags or keywords are not supported by the destination server (not in its PERMANENTFLAGS). This is a limit of the server, not an error of the copy.</p>
<table><thead><tr><th>Account</th><th>Folder</th><th>Flag</th><th class="n">Messages</th><th>Seen by</th></tr></thead>
<tbody>${r.droppedFlags.map((f) => `<tr><td>${esc(f.account)}</td><td>${esc(f.folder)}</td><td class="mono">${esc(f.flag)}</td><td class="n">${num(f.messages)}</td><td>${esc(f.source)}</td></tr>`).join('\n')}</tbody></table>`}
</section>

${groupwareHtml(r.groupware, esc)}<section id="verification">
<h2>Latest verification</h2>
${v ? verificationHtml(v) : '<p class="warn">Verification has not been run. Run <code>mailshift verify --deep</code> before relying on this report.</p>'}
</section>

<section id="audit">
<h2>Audit record</h2>
${auditHtml(r)}
</section>
<footer><p>Generated by mailshift ${esc(r.tool.version)} from the job's checkpoint store at ${esc(when(r.generatedAt))}. This file is self-contained and can be archived as is; a machine-readable copy (report.json) and a Markdown copy (report.md) were written beside it.</p></footer>
</body>
</html>
`;
}

function verificationHtml(v: NonNullable<ReportData['verification']>): string {
  const t = v.totals;
  const diffs = v.folders.flatMap((f) => f.differences.map((d) => ({ f, d })));
  return `<p class="${v.clean ? 'good' : 'bad'}">Run ${v.runId} (${v.deep ? 'deep: contents, flags and dates compared' : 'identities and dates compared'}), ${esc(when(v.startedAt))}: <b>${esc(verifyWord(v.outcome))}</b>.
${num(t.sourceMessages)} source messages in ${num(t.folders)} folder(s) of ${num(t.accounts)} account(s); ${num(t.destinationMessages)} in the destination; ${num(t.matched)} matched.
Missing ${num(t.missing)}, duplicated ${num(t.duplicated)}, altered ${num(t.altered)}, extra in the destination ${num(t.extra)}${t.errors ? `, folders not compared ${num(t.errors)}` : ''}.</p>
<table>
<thead><tr><th>Account</th><th>Source folder</th><th>Destination folder</th><th class="n">Source</th><th class="n">Destination</th><th class="n">Missing</th><th class="n">Duplicated</th><th class="n">Altered</th><th class="n">Extra</th><th>Pairing</th></tr></thead>
<tbody>${v.folders
    .map(
      (f) => `<tr><td>${esc(f.account)}</td><td>${esc(f.sourcePath)}</td><td>${esc(f.destinationPath)}</td>${f.error ? `<td colspan="6" class="bad">not compared: ${esc(f.error)}</td><td></td>` : `<td class="n">${num(f.sourceCount)}</td><td class="n">${num(f.destinationCount)}</td><td class="n ${f.missing ? 'bad' : ''}">${num(f.missing)}</td><td class="n ${f.duplicated ? 'bad' : ''}">${num(f.duplicated)}</td><td class="n ${f.altered ? 'bad' : ''}">${num(f.altered)}</td><td class="n">${num(f.extra)}</td><td>${f.method === 'store' ? 'checkpoint UIDs' : 'identity scan'}</td>`}</tr>`,
    )
    .join('\n')}</tbody>
</table>
${diffs.length ? `<h3>Differences${diffs.length > DIFFERENCES_SHOWN ? ` (first ${DIFFERENCES_SHOWN} of ${num(diffs.length)})` : ''}</h3>
<table><thead><tr><th>Kind</th><th>Account</th><th>Folder</th><th>Message-ID</th><th>Subject</th><th class="n">Src UID</th><th class="n">Dst UID</th><th>Detail</th></tr></thead>
<tbody>${diffs
    .slice(0, DIFFERENCES_SHOWN)
    .map(({ f, d }) => `<tr><td class="${d.kind === 'extra' ? 'warn' : 'bad'}">${esc(d.kind)}</td><td>${esc(f.account)}</td><td>${esc(f.sourcePath)}</td><td class="mono">${esc(d.messageId ?? '(none)')}</td><td>${esc(d.subject ?? '')}</td><td class="n">${d.srcUid ?? ''}</td><td class="n">${d.dstUid ?? ''}</td><td>${esc(d.detail)}</td></tr>`)
    .join('\n')}</tbody></table>` : ''}`;
}

function auditHtml(r: ReportData): string {
  const a = r.audit;
  const v = r.verification;
  return `<p>This section records, for a compliance file (for example under the Hong Kong Personal Data (Privacy) Ordinance or an ISO/IEC 27001 information-transfer control), what personal data in e-mail was transferred, when, from where to where, and how its integrity was checked.</p>
<table class="kv">
<tr><th>Data controller</th><td>${esc(r.job.company)} (${esc(r.job.domain)})</td></tr>
<tr><th>What was transferred</th><td>${num(a.copiedMessages)} e-mail messages (${esc(bytes(a.copiedBytes))}) of ${num(r.totals.accounts)} mailbox(es), copied byte for byte with their flags and dates; no message was modified, and nothing was deleted on either server.</td></tr>
<tr><th>From</th><td>${esc(r.job.source.host)}:${r.job.source.port} (${esc(r.job.source.preset)}), transport security: ${esc(tlsWords(r.job.source.tls))}</td></tr>
<tr><th>To</th><td>${esc(r.job.destination.host)}:${r.job.destination.port} (${esc(r.job.destination.preset)}), transport security: ${esc(tlsWords(r.job.destination.tls))}</td></tr>
<tr><th>When</th><td>first message copied ${esc(when(a.firstCopyAt))}; last ${esc(when(a.lastCopyAt))}</td></tr>
<tr><th>Not transferred</th><td>${num(r.totals.skipped)} skipped, ${num(r.totals.failed)} failed, ${num(r.totals.pending)} not yet copied (listed above with reasons)</td></tr>
<tr><th>Integrity check</th><td>${v ? `verification run ${v.runId} at ${esc(when(v.startedAt))} (${v.deep ? 'full content SHA-256, flags and dates' : 'identity and dates'}): ${esc(verifyWord(v.outcome))}` : 'not yet verified'}</td></tr>
<tr><th>Fingerprint method</th><td>${esc(a.fingerprintMethod)}</td></tr>
<tr><th>Fingerprint total (SHA-256)</th><td class="mono" id="fingerprint-total">${esc(a.fingerprintTotal)}</td></tr>
<tr><th>Credentials</th><td>Passwords were used only to log in; they are not stored in the job's store, logs or this report.</td></tr>
</table>
${a.perAccount.length ? `<table><thead><tr><th>Source mailbox</th><th>Destination mailbox</th><th class="n">Messages copied</th><th>Fingerprint (SHA-256)</th></tr></thead>
<tbody>${a.perAccount.map((p) => `<tr><td>${esc(p.account)}</td><td>${esc(p.destination)}</td><td class="n">${num(p.copied)}</td><td class="mono small">${esc(p.fingerprint)}</td></tr>`).join('\n')}</tbody></table>` : ''}
<p class="sign">Reviewed by: ______________________ &nbsp; Date: ____________ &nbsp; Signature: ______________________</p>`;
}

function overallStatus(r: ReportData): { text: string; cls: string } {
  const v = r.verification;
  if (r.totals.total === 0 && !v) return { text: 'Nothing has been copied yet.', cls: 'warn' };
  if (r.totals.failed || r.totals.skipped || r.totals.pending) {
    return { text: `Incomplete: ${num(r.totals.skipped)} skipped, ${num(r.totals.failed)} failed, ${num(r.totals.pending)} not yet copied.`, cls: 'warn' };
  }
  if (!v) return { text: 'All messages copied; not yet verified (run mailshift verify --deep).', cls: 'warn' };
  if (!v.clean) return { text: `Verification found differences: ${num(v.totals.missing)} missing, ${num(v.totals.duplicated)} duplicated, ${num(v.totals.altered)} altered.`, cls: 'bad' };
  return { text: `Complete and verified: every source message is in the destination exactly once${v.deep ? ', byte for byte' : ''}.`, cls: 'good' };
}

const verifyWord = (o: string) =>
  ({ clean: 'no differences', differences: 'differences found', failed: 'could not finish', interrupted: 'interrupted', running: 'still running' })[o] ?? o;

const tlsWords = (t: string) => ({ implicit: 'TLS (implicit)', starttls: 'STARTTLS', none: 'none (clear text; allowed explicitly in the config)' })[t] ?? t;

function outcomeCls(o: string): string {
  if (o === 'complete' || o === 'clean' || o === 'copied') return 'good';
  if (o === 'failed' || o === 'differences') return 'bad';
  if (o === 'incomplete' || o === 'skipped' || o === 'interrupted' || o === 'running' || o === 'pending' || o === 'syncing') return 'warn';
  return '';
}

const card = (label: string, value: string, key: string, cls = '') =>
  `<div class="card ${cls}" data-figure="${key}"><div class="v">${esc(value)}</div><div class="l">${esc(label)}</div></div>`;

const counts = (t: { total: number; copied: number; skipped: number; failed: number; pending: number; bytesCopied: number }) =>
  `<td class="n">${num(t.total)}</td><td class="n">${num(t.copied)}</td><td class="n ${t.skipped ? 'warn' : ''}">${num(t.skipped)}</td><td class="n ${t.failed ? 'bad' : ''}">${num(t.failed)}</td><td class="n ${t.pending ? 'warn' : ''}">${num(t.pending)}</td><td class="n">${esc(bytes(t.bytesCopied))}</td>`;

const CSS = `
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK TC","Microsoft JhengHei",sans-serif;color:#1d2329;margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #2f6fad;padding-bottom:4px}h3{font-size:15px}
.sub{color:#555;margin:0 0 12px}
.status{padding:10px 14px;border-radius:6px;font-weight:600}
.status.good{background:#e6f4ea}.status.warn{background:#fff4d6}.status.bad{background:#fde7e7}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:10px 0 16px}
.card{border:1px solid #d6dbe0;border-radius:6px;padding:10px}.card .v{font-size:22px;font-weight:700}.card .l{color:#555;font-size:12px}
.card.good{border-color:#4a9d5b}.card.warn{border-color:#d9a400}.card.bad{border-color:#c8373b}
table{border-collapse:collapse;width:100%;margin:8px 0 12px;font-size:13px}
th,td{border-bottom:1px solid #e3e6e9;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th{width:220px}
tr.account td{background:#f8fafc;font-weight:600}tr.folder td:first-child{padding-left:24px}tr.total td{font-weight:700;border-top:2px solid #999}
.tag{display:inline-block;font-size:11px;font-weight:500;border:1px solid #ccd;border-radius:3px;padding:0 4px;margin-left:4px}
.good{color:#1e7a34}.warn{color:#8a6500}.bad{color:#b3261e}
.status.good,.status.warn,.status.bad{color:#1d2329}
.muted{color:#666}.err{color:#b3261e;font-weight:400}
.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.small{font-size:11px}
.chart{max-width:760px;display:block}
.sign{margin-top:28px}
footer{margin-top:32px;color:#666;font-size:12px;border-top:1px solid #ddd;padding-top:8px}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}tr,.card{break-inside:avoid}section{break-inside:auto}.cards{grid-template-columns:repeat(4,1fr)}a{color:inherit}}
`;
