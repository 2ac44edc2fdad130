import { bytes, duration, md, num, when } from './format.js';
import type { ReportData } from './model.js';
import { groupwareMarkdown } from '../groupware/report.js';

const LIST_LIMIT = 500;

/** The same report as Markdown (for a ticket, a wiki or an e-mail). */
export function renderMarkdown(r: ReportData): string {
  const out: string[] = [];
  const t = r.totals;
  const v = r.verification;
  out.push(`# Mailbox migration report — ${r.job.company}`, '');
  out.push(`Job **${r.job.name}**, domain ${r.job.domain}, generated ${when(r.generatedAt)} by mailshift ${r.tool.version}.`, '');
  out.push(`- From: ${r.job.source.host}:${r.job.source.port} (${r.job.source.preset}, TLS ${r.job.source.tls})`);
  out.push(`- To: ${r.job.destination.host}:${r.job.destination.port} (${r.job.destination.preset}, TLS ${r.job.destination.tls})`);
  out.push(`- Accounts: ${num(t.accounts)}; folders: ${num(t.folders)}`);
  out.push(`- Messages: ${num(t.total)}; copied ${num(t.copied)} (${bytes(t.bytesCopied)}); skipped ${num(t.skipped)}; failed ${num(t.failed)}; not yet copied ${num(t.pending)}`);
  out.push(`- Verification: ${v ? `run ${v.runId} at ${when(v.startedAt)}${v.deep ? ' (deep)' : ''}: ${v.outcome}` : 'not run'}`, '');

  out.push('## Phases', '', '| Phase | Started | Finished | Duration | Outcome |', '|---|---|---|--:|---|');
  for (const p of r.phases) out.push(`| ${md(p.phase)} | ${when(p.startedAt)} | ${when(p.finishedAt)} | ${duration(p.seconds)} | ${md(p.outcome)} |`);
  out.push('');

  out.push('## Accounts and folders', '', '| Account / folder | Destination | Messages | Copied | Skipped | Failed | Pending | Size copied |', '|---|---|--:|--:|--:|--:|--:|--:|');
  const row = (name: string, dest: string, x: ReportData['totals'] | ReportData['accounts'][number]['totals']) =>
    `| ${name} | ${md(dest)} | ${num(x.total)} | ${num(x.copied)} | ${num(x.skipped)} | ${num(x.failed)} | ${num(x.pending)} | ${bytes(x.bytesCopied)} |`;
  for (const a of r.accounts) {
    out.push(row(`**${md(a.sourceUser)}** (${md(a.state)})`, a.destinationUser, a.totals));
    for (const f of a.folders) out.push(row(`&nbsp;&nbsp;${md(f.sourcePath)}`, f.destinationPath, f));
  }
  out.push(row('**Total**', '', t), '');

  out.push('## Throughput', '');
  if (r.throughput.length) {
    const peak = Math.max(...r.throughput.map((x) => x.messages));
    out.push(`Peak ${num(peak)} messages per minute over ${num(r.throughput.length)} active minute(s).`, '', '| Minute (UTC) | Messages | Bytes |', '|---|--:|--:|');
    for (const p of r.throughput.slice(0, LIST_LIMIT)) out.push(`| ${p.minute.replace('T', ' ')} | ${num(p.messages)} | ${bytes(p.bytes)} |`);
  } else out.push('No messages copied yet.');
  out.push('');

  out.push('## Skipped and failed messages', '');
  if (r.problems.length === 0) out.push('No message was skipped and none failed.');
  else {
    out.push(`${num(r.problems.length)} message(s) were not copied:`, '', '| Account | Folder | UID | Message-ID | Size | State | Reason |', '|---|---|--:|---|--:|---|---|');
    for (const p of r.problems.slice(0, LIST_LIMIT)) {
      out.push(`| ${md(p.account)} | ${md(p.sourcePath)} | ${p.srcUid} | ${md(p.messageId ?? '(none)')} | ${bytes(p.size)} | ${p.state} | ${md(p.reason)} |`);
    }
    if (r.problems.length > LIST_LIMIT) out.push('', `(${num(r.problems.length - LIST_LIMIT)} more in report.json)`);
  }
  out.push('');

  out.push('## Flags the destination did not keep', '');
  if (r.droppedFlags.length === 0) out.push('None.');
  else {
    out.push('| Account | Folder | Flag | Messages |', '|---|---|---|--:|');
    for (const f of r.droppedFlags) out.push(`| ${md(f.account)} | ${md(f.folder)} | ${md(f.flag)} | ${num(f.messages)} |`);
  }
  out.push('');

  out.push(...groupwareMarkdown(r.groupware, md));
  out.push('## Latest verification', '');
  if (!v) out.push('Not run. Run `mailshift verify --deep` before relying on this report.');
  else {
    const vt = v.totals;
    out.push(`Run ${v.runId}, ${when(v.startedAt)}${v.deep ? ' (deep)' : ''}: **${v.outcome}**. Source ${num(vt.sourceMessages)}, destination ${num(vt.destinationMessages)}, matched ${num(vt.matched)}; missing ${num(vt.missing)}, duplicated ${num(vt.duplicated)}, altered ${num(vt.altered)}, extra ${num(vt.extra)}.`, '');
    const diffs = v.folders.flatMap((f) => f.differences.map((d) => ({ f, d })));
    if (diffs.length) {
      out.push('| Kind | Account | Folder | Message-ID | Src UID | Dst UID | Detail |', '|---|---|---|---|--:|--:|---|');
      for (const { f, d } of diffs.slice(0, LIST_LIMIT)) {
        out.push(`| ${d.kind} | ${md(f.account)} | ${md(f.sourcePath)} | ${md(d.messageId ?? '(none)')} | ${d.srcUid ?? ''} | ${d.dstUid ?? ''} | ${md(d.detail)} |`);
      }
    }
  }
  out.push('');

  const a = r.audit;
  out.push('## Audit record', '');
  out.push(`For a compliance file (e.g. Hong Kong PDPO, ISO/IEC 27001 information transfer): ${num(a.copiedMessages)} e-mail messages (${bytes(a.copiedBytes)}) of ${num(t.accounts)} mailbox(es) of ${r.job.company} were copied unmodified from ${r.job.source.host} to ${r.job.destination.host} between ${when(a.firstCopyAt)} and ${when(a.lastCopyAt)}. Nothing was deleted on either server. Passwords are not stored in the store, logs or this report.`, '');
  out.push(`- Fingerprint method: ${a.fingerprintMethod}`);
  out.push(`- Fingerprint total (SHA-256): \`${a.fingerprintTotal}\``);
  for (const p of a.perAccount) out.push(`- ${p.account} -> ${p.destination}: ${num(p.copied)} messages, \`${p.fingerprint}\``);
  out.push('');
  return out.join('\n');
}
