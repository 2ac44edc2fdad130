import { systemTimeZone } from '../i18n/format.js';
import { i18n, word } from '../i18n/index.js';
import type { CheckRow, LateMailRow, ServerRow, StepRow } from '../store/cutover-store.js';
import { lines, pageFormat, type Line } from '../i18n/msg.js';

// The cutover checklist: what is due when (relative to T), who does it, how mailshift checks it;
// and its three renderings (Markdown, self-contained HTML, JSON).

const H = 3600;
const D = 86400;

export interface StepDef {
  key: string;
  offsetSeconds: number;
  /** Shown instead of the computed offset when the step spans a window ("T…T+72h"). */
  when?: string;
  title: string;
  who: 'you' | 'mailshift' | 'you + mailshift';
  how: string;
  checkIds: string[];
}

export const STEPS: StepDef[] = [
  { key: 'mx-read', offsetSeconds: -7 * D, title: 'Read the current MX set and its TTL at every authoritative name server', who: 'mailshift', how: 'mailshift cutover check (mx)', checkIds: ['mx'] },
  { key: 'ttl-lower', offsetSeconds: -7 * D, when: 'T-7d (>= old TTL before T)', title: 'Lower the MX TTL to 300 s and wait at least the old TTL before T', who: 'you', how: 'your DNS host; mailshift cutover check (mx) verifies TTL and timing', checkIds: ['mx'] },
  { key: 'client-hosts', offsetSeconds: -2 * D, title: 'Lower the TTL of host names users type (imap., smtp., mail.) if they will move', who: 'you', how: 'your DNS host (not checked)', checkIds: [] },
  { key: 'domain-verified', offsetSeconds: -2 * D, title: 'Verify the domain at the new provider (e.g. Microsoft MS=ms… TXT, Google verification TXT)', who: 'you', how: "the new provider's admin console (not checked)", checkIds: [] },
  { key: 'spf', offsetSeconds: -2 * D, title: 'SPF: exactly one record, old and new senders included, at most 10 DNS lookups', who: 'you + mailshift', how: 'mailshift cutover check (spf)', checkIds: ['spf'] },
  { key: 'dkim', offsetSeconds: -2 * D, title: "DKIM: the new provider's selectors published and parseable; keep the old selector", who: 'you + mailshift', how: 'mailshift cutover check (dkim)', checkIds: ['dkim'] },
  { key: 'dmarc', offsetSeconds: -2 * D, title: 'DMARC: record present with rua=; policy suited to the window', who: 'you + mailshift', how: 'mailshift cutover check (dmarc)', checkIds: ['dmarc'] },
  { key: 'mta-sts', offsetSeconds: -2 * D, title: 'MTA-STS: policy covers old and new MX, id bumped, mode testing for the window', who: 'you + mailshift', how: 'mailshift cutover check (mta-sts)', checkIds: ['mta-sts'] },
  { key: 'tls-rpt', offsetSeconds: -2 * D, title: 'TLS-RPT record present so TLS failures are reported during the window', who: 'you + mailshift', how: 'mailshift cutover check (tls-rpt)', checkIds: ['tls-rpt'] },
  { key: 'smtp-probe', offsetSeconds: -2 * D, title: 'New MX hosts: port 25, STARTTLS, certificate for the MX name, RCPT accepted for every address', who: 'mailshift', how: 'mailshift cutover check (smtp) — no message is sent', checkIds: ['smtp'] },
  { key: 'sync-parity', offsetSeconds: -1 * D, title: 'Final pre-sync complete; every account complete, nothing pending', who: 'mailshift', how: 'mailshift sync, then mailshift cutover check (sync-parity)', checkIds: ['sync-parity'] },
  { key: 'change-mx', offsetSeconds: 0, title: 'Change MX to the new set (remove the old records); then confirm', who: 'you + mailshift', how: 'your DNS host; mailshift cutover confirm checks the authoritative servers and records T', checkIds: [] },
  { key: 'propagation', offsetSeconds: 0, when: 'T … T+TTL', title: 'Propagation: authoritative servers and public resolvers (incl. HK / mainland China) return the new MX', who: 'mailshift', how: 'mailshift cutover watch --until-propagated', checkIds: [] },
  { key: 'late-mail', offsetSeconds: 0, when: 'T … T+72h', title: 'Late-mail watch: delta sync of mail still arriving at the old server, with its Received: host', who: 'mailshift', how: 'mailshift cutover watch (delta every few minutes)', checkIds: [] },
  { key: 'client-config', offsetSeconds: 0, title: 'Autodiscover / autoconfig / RFC 6186 SRV point to the new provider', who: 'you + mailshift', how: 'mailshift cutover check (autodiscover, srv)', checkIds: ['autodiscover', 'srv'] },
  { key: 'send-receive', offsetSeconds: 0, title: 'Send test mail from outside to a few users, and from the new system outward (SPF/DKIM/DMARC pass)', who: 'you', how: 'by hand: read Authentication-Results of the received test mail', checkIds: [] },
  { key: 'final-delta', offsetSeconds: 72 * H, when: 'T+72h', title: 'Final delta of the mail that still reached the old system', who: 'mailshift', how: 'mailshift cutover finalize', checkIds: [] },
  { key: 'freeze-old', offsetSeconds: 72 * H, when: 'T+72h', title: 'Freeze the old system (read-only) after the final delta: operator confirms', who: 'you', how: "the old provider's admin console (mailshift cannot do this)", checkIds: [] },
  { key: 'keep-old', offsetSeconds: 1 * D, when: 'T+1d … T+30d', title: 'Keep the old server reachable and read-only for lookups and rollback (at least 30 days)', who: 'you', how: 'not checked', checkIds: [] },
  { key: 'after', offsetSeconds: 30 * D, title: 'Raise the MX TTL again; remove the old SPF include and DKIM selector; MTA-STS back to enforce with only the new MX', who: 'you', how: 'your DNS host; mailshift cutover check shows the end state', checkIds: [] },
];

export function offsetLabel(s: number): string {
  if (s === 0) return 'T';
  const a = Math.abs(s);
  const v = a % D === 0 ? `${a / D}d` : a % H === 0 ? `${a / H}h` : `${a}s`;
  return `T${s < 0 ? '-' : '+'}${v}`;
}

export function stepsFor(at: Date | undefined): Omit<StepRow, 'state' | 'note' | 'updatedAt'>[] {
  return STEPS.map((s, i) => ({
    key: s.key,
    seq: i + 1,
    offsetSeconds: s.offsetSeconds,
    dueAt: at ? new Date(at.getTime() + s.offsetSeconds * 1000).toISOString() : null,
    title: s.title,
    who: s.who,
    how: s.how,
    checkIds: s.checkIds,
  }));
}

export interface ChecklistDoc {
  job: string;
  domain: string;
  company: string;
  /** T: confirmed if confirmed, else planned. */
  at: string | null;
  confirmedAt: string | null;
  generatedAt: string;
  frozen: boolean;
  steps: (StepRow & { when: string })[];
  checks: CheckRow[];
  /** What each watched DNS server answers and when it flipped. */
  propagation: ServerRow[];
  /** Mail copied after T by the deltas (forward) and by a rollback (reverse). */
  lateMail: LateMailRow[];
  advice: string[];
}

export function buildDoc(d: Omit<ChecklistDoc, 'steps'> & { steps: StepRow[] }): ChecklistDoc {
  const defs = new Map(STEPS.map((s) => [s.key, s]));
  return { ...d, steps: d.steps.map((s) => ({ ...s, when: defs.get(s.key)?.when ?? offsetLabel(s.offsetSeconds) })) };
}

const STATE_MARK: Record<string, string> = { pending: '[ ]', pass: '[x]', warn: '[!]', fail: '[!!]', done: '[x]' };

export type ChecklistI18n = ReturnType<typeof i18n>;
const defaultI18n = (): ChecklistI18n => i18n('en', systemTimeZone());

/** A step's title in the language of the checklist (the stored English title for an unknown key). */
function stepTitle(s: { key: string; title: string }, I: ChecklistI18n): string {
  return (I.cat.checklist.steps as Record<string, string>)[s.key] ?? s.title;
}

function stepHow(s: { key: string; how: string }, I: ChecklistI18n): string {
  return (I.cat.checklist.how as Record<string, string>)[s.key] ?? s.how;
}

function stepWhen(s: { key: string; when: string }, I: ChecklistI18n): string {
  return s.key === 'ttl-lower' ? I.cat.checklist.ttlWhen : s.when;
}

function metaLine(doc: ChecklistDoc, I: ChecklistI18n): string {
  const L = I.cat.checklist;
  return I.t(L.meta, { job: doc.job, at: doc.at ? I.fmt.dateTime(doc.at) : L.notSet, kind: doc.confirmedAt ? L.confirmed : L.planned, generated: I.fmt.dateTime(doc.generatedAt) });
}

export function renderMarkdown(doc: ChecklistDoc, I: ChecklistI18n = defaultI18n()): string {
  const { cat, fmt, t } = I;
  const L = cat.checklist;
  const C = L.col;
  const out: string[] = [];
  out.push(`# ${t(L.title, { company: doc.company, domain: doc.domain })}`, '');
  out.push(metaLine(doc, I) + (doc.frozen ? ` — ${L.frozen}` : ''), '', t(cat.units.conventions, { zone: fmt.zone() }), '');
  out.push(`| ${C.n} | ${C.when} | ${C.due} | ${C.step} | ${C.who} | ${C.how} | ${C.state} |`, '|---|---|---|---|---|---|---|');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  for (const s of doc.steps) {
    out.push(`| ${s.seq} | ${stepWhen(s, I)} | ${s.dueAt ? fmt.dateTime(s.dueAt) : '—'} | ${cell(stepTitle(s, I))} | ${word(L.who, s.who)} | ${cell(stepHow(s, I))} | ${STATE_MARK[s.state] ?? ''} ${word(L.state, s.state)}${stepNote(s, doc, I) ? ` — ${cell(stepNote(s, doc, I)!)}` : ''} |`);
  }
  if (doc.checks.length) {
    out.push('', `## ${t(L.lastCheck, { at: fmt.dateTime(doc.checks[0]!.runAt) })}`, '');
    for (const c of doc.checks) {
      const x = checkText(c, I);
      out.push(`- **${statusWord(c.status, I)}** ${x.title}: ${x.reason}${x.fix && c.status !== 'PASS' ? `  \n  ${L.fix}: ${x.fix}` : ''}`);
    }
  }
  if (doc.propagation.length) {
    out.push('', `## ${L.propagation}`, '', `| ${L.server} | ${L.kind} | ${C.state} | ${L.flipped} | ${L.answer} |`, '|---|---|---|---|---|');
    for (const r of doc.propagation) out.push(`| ${r.address} | ${r.kind} | ${r.state} | ${r.flippedAt ? fmt.dateTime(r.flippedAt) : '—'} | ${cell(r.answer ?? '')} |`);
  }
  if (doc.lateMail.length) {
    out.push('', `## ${L.lateMail}`, '', `| ${C.when} | ${L.direction} | ${L.account} | ${L.folder} | UID | Message-ID | ${L.cameFrom} | ${L.via} |`, '|---|---|---|---|---|---|---|---|');
    for (const l of doc.lateMail) {
      out.push(`| ${fmt.dateTime(l.at)} | ${l.direction} | ${cell(l.account)} | ${cell(l.sourcePath)} | ${l.srcUid} | ${cell(l.messageId ?? '')} | ${cell(l.receivedFrom ?? '')} | ${cell(l.receivedBy ?? '')} |`);
    }
  }
  if (doc.advice.length) {
    out.push('', `## ${L.afterwards}`, '');
    for (const a of doc.advice) out.push(`- ${a}`);
  }
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One HTML file with inline CSS and no external resources, printable on A4. */
export function renderHtml(doc: ChecklistDoc, I: ChecklistI18n = defaultI18n()): string {
  const { cat, fmt, t } = I;
  const L = cat.checklist;
  const C = L.col;
  const rows = doc.steps
    .map(
      (s) =>
        `<tr class="${esc(s.state)}" data-step="${esc(s.key)}"><td>${s.seq}</td><td>${esc(stepWhen(s, I))}</td><td class="nw">${s.dueAt ? esc(fmt.dateTime(s.dueAt)) : '—'}</td><td>${esc(stepTitle(s, I))}</td><td class="nw">${esc(word(L.who, s.who))}</td><td class="how">${esc(stepHow(s, I))}</td><td>${esc(word(L.state, s.state))}${stepNote(s, doc, I) ? `<br><small>${esc(stepNote(s, doc, I)!)}</small>` : ''}</td></tr>`,
    )
    .join('\n');
  const checks = doc.checks
    .map((c) => {
      const x = checkText(c, I);
      return `<tr class="${c.status.toLowerCase()}" data-check="${esc(c.checkId)}"><td>${esc(statusWord(c.status, I))}</td><td>${esc(x.title)}</td><td>${esc(x.reason)}</td><td>${c.status === 'PASS' ? '' : esc(x.fix)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${esc(cat.meta.htmlLang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(t(L.pageTitle, { domain: doc.domain }))}</title>
<style>
*{box-sizing:border-box}
body{font-family:${cat.meta.fontStack};margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2em;font-size:13px}th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left;overflow-wrap:break-word}
th{background:#f3f3f3;white-space:nowrap}.pass,.done{background:#eefbea}.warn{background:#fff8e1}.fail{background:#fdecea}.nw{white-space:nowrap}.how{font-size:12px;color:#444}
@page{size:A4;margin:12mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:10px}table{font-size:10px}tr{break-inside:avoid}}
</style></head><body>
<h1>${esc(t(L.title, { company: doc.company, domain: doc.domain }))}</h1>
<p>${esc(metaLine(doc, I))}${doc.frozen ? ` · <strong>${esc(L.frozen)}</strong>` : ''}</p>
<p><small>${esc(t(cat.units.conventions, { zone: fmt.zone() }))}</small></p>
<table id="steps"><thead><tr><th>${esc(C.n)}</th><th>${esc(C.when)}</th><th>${esc(C.due)}</th><th>${esc(C.step)}</th><th>${esc(C.who)}</th><th>${esc(C.how)}</th><th>${esc(C.state)}</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${doc.checks.length ? `<h2>${esc(t(L.lastCheck, { at: fmt.dateTime(doc.checks[0]!.runAt) }))}</h2><table><thead><tr><th>${esc(L.result)}</th><th>${esc(L.check)}</th><th>${esc(L.reason)}</th><th>${esc(L.fix)}</th></tr></thead><tbody>\n${checks}\n</tbody></table>` : ''}
${doc.propagation.length ? `<h2>${esc(L.propagation)}</h2><table><thead><tr><th>${esc(L.server)}</th><th>${esc(L.kind)}</th><th>${esc(C.state)}</th><th>${esc(L.flipped)}</th><th>${esc(L.answer)}</th></tr></thead><tbody>\n${doc.propagation.map((r) => `<tr class="${r.state === 'new' ? 'pass' : 'warn'}"><td>${esc(r.address)}</td><td>${esc(r.kind)}</td><td>${esc(r.state)}</td><td>${esc(r.flippedAt ? fmt.dateTime(r.flippedAt) : '—')}</td><td>${esc(r.answer ?? '')}</td></tr>`).join('\n')}\n</tbody></table>` : ''}
${doc.lateMail.length ? `<h2>${esc(L.lateMail)}</h2><table><thead><tr><th>${esc(C.when)}</th><th>${esc(L.direction)}</th><th>${esc(L.account)}</th><th>${esc(L.folder)}</th><th>UID</th><th>Message-ID</th><th>${esc(L.cameFrom)}</th><th>${esc(L.via)}</th></tr></thead><tbody>\n${doc.lateMail.map((l) => `<tr><td>${esc(fmt.dateTime(l.at))}</td><td>${esc(l.direction)}</td><td>${esc(l.account)}</td><td>${esc(l.sourcePath)}</td><td>${l.srcUid}</td><td>${esc(l.messageId ?? '')}</td><td>${esc(l.receivedFrom ?? '')}</td><td>${esc(l.receivedBy ?? '')}</td></tr>`).join('\n')}\n</tbody></table>` : ''}
${doc.advice.length ? `<h2>${esc(L.afterwards)}</h2><ul lang="en">${doc.advice.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

/** Advice for after the switch (finalize) and the rollback plan. */
export function afterAdvice(o: { oldSpfInclude?: string; oldMx: { host: string }[] }): string[] {
  return [
    'Raise the MX TTL again (e.g. 86400 s) once mail flows through the new provider.',
    `Remove the old SPF include${o.oldSpfInclude ? ` (include:${o.oldSpfInclude})` : ''} and the old DKIM selector when the old system no longer sends mail.`,
    'Keep the old server reachable and read-only for 30 days (lookups, rollback); change its passwords rather than deleting mailboxes.',
    `If MTA-STS is used: after the window, set mode: enforce with only the new MX hosts${o.oldMx.length ? ` (drop ${o.oldMx.map((m) => m.host).join(', ')})` : ''} and publish a new id.`,
  ];
}

export function rollbackPlan(o: { domain: string; oldMx: { host: string; priority: number }[]; usesMtaSts: boolean }): string[] {
  const mx = o.oldMx.length ? o.oldMx.map((m) => `${m.priority} ${m.host}`).join(', ') : '(the old MX set: not recorded — take it from your DNS host history)';
  return [
    ...(o.usesMtaSts
      ? [`FIRST: put the old MX hosts back into the MTA-STS policy (https://mta-sts.${o.domain}/.well-known/mta-sts.txt) and publish a new id in _mta-sts.${o.domain}, so senders accept the old hosts again.`]
      : []),
    `Revert MX of ${o.domain} to: ${mx} (fast while the TTL is still low).`,
    'Point autodiscover / SRV records back to the old provider if they were changed.',
    'Keep both SPF includes and both DKIM selectors published.',
    'mailshift copies mail that arrived in the destination after T back to the source (reverse delta, exactly once).',
    'Run mailshift cutover watch again: it shows when resolvers return the old MX.',
  ];
}

/**
 * A check's title, reason and fix in the page's language, from the catalogue keys stored with it
 * (findings.check); a row stored before those keys existed keeps its English text.
 */
export function checkText(c: Pick<CheckRow, 'checkId' | 'title' | 'reason' | 'fix' | 'msg'>, I: ReturnType<typeof i18n>): { title: string; reason: string; fix: string } {
  const title = (I.cat.findings.checkTitle as Record<string, string>)[c.checkId] ?? c.title;
  if (!c.msg) return { title, reason: c.reason, fix: c.fix ?? '' };
  const table = I.cat.findings.check;
  const f = pageFormat(I);
  const sep = I.lang === 'en' ? '; ' : '；';
  return { title, reason: lines(table, c.msg.reason as Line[], f, sep), fix: lines(table, c.msg.fix as Line[], f, sep) };
}

/**
 * A step's note in the page's language: for a step that checks run, the latest reasons of its
 * checks; other notes are written in English by the phase, so other languages show none (the
 * step's state says it).
 */
export function stepNote(s: Pick<StepRow, 'note' | 'state'> & { checkIds?: string[] }, doc: { checks: CheckRow[] }, I: ReturnType<typeof i18n>): string | null {
  if (!s.note) return null;
  if (I.lang === 'en') return s.note;
  const mine = doc.checks.filter((c) => s.checkIds?.includes(c.checkId) && c.status.toLowerCase() === s.state);
  return mine.length ? mine.map((c) => checkText(c, I).reason).join('；') : null;
}

/** PASS / WARN / FAIL as the English checklist always showed them; the state word in other languages. */
function statusWord(status: string, I: ReturnType<typeof i18n>): string {
  return I.lang === 'en' ? status : word(I.cat.checklist.state, status.toLowerCase());
}
