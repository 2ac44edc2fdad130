import { word } from '../i18n/index.js';
import { md } from './format.js';
import { phaseName } from './html.js';
import type { ReportData } from './model.js';
import { groupwareMarkdown } from './groupware-html.js';
import { accountRows, bossSummary, type I18n } from './summary.js';

const LIST_LIMIT = 500;

/** The same report as Markdown (for a ticket, a wiki or an e-mail), in the same language. */
export function renderMarkdown(r: ReportData, I: I18n): string {
  const { cat, fmt, t } = I;
  const R = cat.report;
  const n = (x: number) => fmt.num(x);
  const out: string[] = [];
  const tt = r.totals;
  const v = r.verification;
  const boss = bossSummary(r, I);
  out.push(`# ${R.title} — ${r.job.company}`, '');
  out.push(t(R.sub, { company: r.job.company, job: r.job.name, domain: r.job.domain, at: fmt.dateTime(r.generatedAt), version: r.tool.version }), '');
  out.push(`## ${R.boss.heading}`, '', `**${boss.status}**`, '');
  out.push(`### ${R.boss.left}`, '', ...(boss.left.length ? boss.left.map((x) => `- ${x}`) : [R.boss.nothingLeft]), '');
  out.push(`### ${R.boss.risks}`, '', ...(boss.risks.length ? boss.risks.map((x) => `- ${x}`) : [R.boss.noRisks]), '');
  out.push(`### ${R.boss.next}`, '', boss.next, '');
  const F = R.figures;
  out.push(`- ${F.accounts}: ${n(tt.accounts)}`, `- ${F.total}: ${n(tt.total)}`, `- ${F.copied}: ${n(tt.copied)} (${fmt.bytes(tt.bytesCopied)})`);
  out.push(`- ${F.skipped}: ${n(tt.skipped)}; ${F.failed}: ${n(tt.failed)}; ${F.pending}: ${n(tt.pending)}`);
  out.push(`- ${F.verification}: ${v ? word(cat.words.outcome, v.outcome) : F.notRun}`, '', t(cat.units.conventions, { zone: fmt.zone() }), '');

  const P = R.phases;
  out.push(`## ${P.heading}`, '', `| ${P.phase} | ${P.started} | ${P.finished} | ${P.duration} | ${P.outcome} |`, '|---|---|---|--:|---|');
  for (const p of r.phases) out.push(`| ${md(phaseName(p.phase, I))} | ${fmt.dateTime(p.startedAt)} | ${fmt.dateTime(p.finishedAt)} | ${p.seconds === null ? P.running : fmt.duration(p.seconds)} | ${md(word(cat.words.outcome, p.outcome))} |`);
  out.push('');

  const A = R.accounts;
  out.push(`## ${A.heading}`, '', `| ${A.account} | ${A.destination} | ${A.messages} | ${A.copied} | ${A.skipped} | ${A.failed} | ${A.pending} | ${A.size} |`, '|---|---|--:|--:|--:|--:|--:|--:|');
  const row = (name: string, dest: string, x: ReportData['totals'] | ReportData['accounts'][number]['totals']) =>
    `| ${name} | ${md(dest)} | ${n(x.total)} | ${n(x.copied)} | ${n(x.skipped)} | ${n(x.failed)} | ${n(x.pending)} | ${fmt.bytes(x.bytesCopied)} |`;
  const status = new Map(accountRows(r, I).map((a) => [a.sourceUser, a]));
  for (const a of r.accounts) {
    out.push(row(`**${md(a.sourceUser)}** (${md(status.get(a.sourceUser)!.label)})`, a.destinationUser, a.totals));
    for (const f of a.folders) out.push(row(`&nbsp;&nbsp;${md(f.sourcePath)}`, f.destinationPath, f));
  }
  out.push(row(`**${A.total}**`, '', tt), '');

  out.push(`## ${R.throughput.heading}`, '');
  if (r.throughput.length) {
    out.push(t(R.throughput.peak, { peak: Math.max(...r.throughput.map((x) => x.messages)), total: r.throughput.reduce((s, x) => s + x.messages, 0), minutes: r.throughput.length }), '');
    out.push(`| ${t(R.throughput.axisMinute, { zone: fmt.timeZone })} | ${A.messages} | ${R.problems.size} |`, '|---|--:|--:|');
    for (const p of r.throughput.slice(0, LIST_LIMIT)) out.push(`| ${fmt.dateTime(p.minute + ':00Z')} | ${n(p.messages)} | ${fmt.bytes(p.bytes)} |`);
  } else out.push(R.throughput.none);
  out.push('');
  if (r.canaries?.length || r.phases.some((p) => p.phase === 'dual-run')) out.push(...lagMarkdown(r, I));

  const Pr = R.problems;
  out.push(`## ${Pr.heading}`, '');
  if (r.problems.length === 0) out.push(Pr.none);
  else {
    out.push(t(Pr.intro, { n: r.problems.length }), '', `| ${Pr.account} | ${Pr.folder} | ${Pr.uid} | ${Pr.messageId} | ${Pr.size} | ${Pr.state} | ${Pr.reason} |`, '|---|---|--:|---|--:|---|---|');
    for (const p of r.problems.slice(0, LIST_LIMIT)) {
      out.push(`| ${md(p.account)} | ${md(p.sourcePath)} | ${p.srcUid} | ${md(p.messageId ?? Pr.noMessageId)} | ${fmt.bytes(p.size)} | ${word(cat.words.messageState, p.state)} | ${md(p.reason)} |`);
    }
    if (r.problems.length > LIST_LIMIT) out.push('', t(Pr.more, { shown: LIST_LIMIT, total: r.problems.length }));
  }
  out.push('');

  out.push(`## ${R.flags.heading}`, '');
  if (r.droppedFlags.length === 0) out.push(R.flags.none);
  else {
    out.push(`| ${Pr.account} | ${Pr.folder} | ${R.flags.flag} | ${A.messages} |`, '|---|---|---|--:|');
    for (const f of r.droppedFlags) out.push(`| ${md(f.account)} | ${md(f.folder)} | ${md(f.flag)} | ${n(f.messages)} |`);
  }
  out.push('');

  out.push(...groupwareMarkdown(r.groupware, md, I));
  const V = R.verification;
  out.push(`## ${V.heading}`, '');
  if (!v) out.push(V.notRun);
  else {
    const vt = v.totals;
    out.push(t(V.run, { id: v.runId, how: v.deep ? V.deep : V.shallow, at: fmt.dateTime(v.startedAt), outcome: word(cat.words.outcome, v.outcome) }));
    out.push(t(V.totals, { source: vt.sourceMessages, folders: vt.folders, accounts: vt.accounts, destination: vt.destinationMessages, matched: vt.matched, missing: vt.missing, duplicated: vt.duplicated, altered: vt.altered, extra: vt.extra }), '');
    const diffs = v.folders.flatMap((f) => f.differences.map((d) => ({ f, d })));
    if (diffs.length) {
      out.push(`| ${V.kind} | ${Pr.account} | ${Pr.folder} | Message-ID | ${V.srcUid} | ${V.dstUid} | ${V.detail} |`, '|---|---|---|---|--:|--:|---|');
      for (const { f, d } of diffs.slice(0, LIST_LIMIT)) {
        out.push(`| ${word(cat.words.diffKind, d.kind)} | ${md(f.account)} | ${md(f.sourcePath)} | ${md(d.messageId ?? Pr.noMessageId)} | ${d.srcUid ?? ''} | ${d.dstUid ?? ''} | ${md(d.detail)} |`);
      }
    }
  }
  out.push('');

  const Au = R.audit;
  const a = r.audit;
  out.push(`## ${Au.heading}`, '', Au.intro, '');
  out.push(`- ${Au.controller}: ${r.job.company} (${r.job.domain})`);
  out.push(`- ${Au.what}: ${t(Au.whatValue, { messages: a.copiedMessages, bytes: fmt.bytes(a.copiedBytes), accounts: tt.accounts })}`);
  out.push(`- ${Au.from}: ${r.job.source.host} → ${Au.to}: ${r.job.destination.host}`);
  out.push(`- ${Au.when}: ${t(Au.whenValue, { first: fmt.dateTime(a.firstCopyAt), last: fmt.dateTime(a.lastCopyAt) })}`);
  out.push(`- ${Au.method}: ${Au.methodValue}`);
  out.push(`- ${Au.total}: \`${a.fingerprintTotal}\``);
  for (const p of a.perAccount) out.push(`- ${p.account} -> ${p.destination}: ${n(p.copied)}, \`${p.fingerprint}\``);
  out.push(`- ${Au.credentials}: ${Au.credentialsValue}`, '');
  return out.join('\n');
}

/** The dual-run's canaries as a table (the HTML report draws them as a chart). */
function lagMarkdown(r: ReportData, I: I18n): string[] {
  const { fmt, t } = I;
  const L = I.cat.report.lag;
  const pts = r.canaries ?? [];
  const out = [`## ${L.heading}`, ''];
  if (!pts.length) return [...out, L.none, ''];
  const lost = pts.filter((p) => p.state === 'lost' || p.state === 'failed').length;
  out.push(t(L.summary, { canaries: pts.length, lost, peak: Math.round(Math.max(0, ...pts.map((p) => p.lagSeconds ?? 0))) }), '');
  const s = (x: number | null) => (x === null ? L.lost : t(L.seconds, { n: Math.round(x * 10) / 10 }));
  out.push(`| ${t(L.axisTime, { zone: fmt.timeZone })} | ${L.delivery} | ${L.endToEnd} |`, '|---|--:|--:|');
  for (const p of pts.slice(-LIST_LIMIT)) out.push(`| ${fmt.dateTime(p.sentAt)} | ${s(p.deliverySeconds)} | ${s(p.lagSeconds)} |`);
  return [...out, ''];
}
