import type { CheckRow, LateMailRow, ServerRow, StepRow } from '../store/cutover-store.js';

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

const STATE_MARK: Record<string, string> = { pending: '[ ]', pass: '[x] PASS', warn: '[!] WARN', fail: '[!!] FAIL', done: '[x] done' };

export function renderMarkdown(doc: ChecklistDoc): string {
  const out: string[] = [];
  out.push(`# MX cutover checklist — ${doc.company} (${doc.domain})`, '');
  out.push(`- Job: ${doc.job}`);
  out.push(`- Cutover time T: ${doc.at ?? 'not set'}${doc.confirmedAt ? ' (confirmed)' : ' (planned)'}`);
  out.push(`- Generated: ${doc.generatedAt}${doc.frozen ? ' — frozen at finalize' : ''}`, '');
  out.push('| # | When | Due (UTC) | Step | Who | How mailshift checks | State |', '|---|---|---|---|---|---|---|');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  for (const s of doc.steps) {
    out.push(`| ${s.seq} | ${s.when} | ${s.dueAt ? s.dueAt.slice(0, 16).replace('T', ' ') : '—'} | ${cell(s.title)} | ${s.who} | ${cell(s.how)} | ${STATE_MARK[s.state] ?? s.state}${s.note ? ` — ${cell(s.note)}` : ''} |`);
  }
  if (doc.checks.length) {
    out.push('', `## Last check (${doc.checks[0]!.runAt})`, '');
    for (const c of doc.checks) {
      out.push(`- **${c.status}** ${c.title}: ${c.reason}${c.fix && c.status !== 'PASS' ? `  \n  Fix: ${c.fix}` : ''}`);
    }
  }
  if (doc.propagation.length) {
    out.push('', '## Propagation', '', '| Server | Kind | State | Flipped at | Answer |', '|---|---|---|---|---|');
    for (const r of doc.propagation) out.push(`| ${r.address} | ${r.kind} | ${r.state} | ${r.flippedAt ?? '—'} | ${cell(r.answer ?? '')} |`);
  }
  if (doc.lateMail.length) {
    out.push('', '## Mail copied after T', '', '| When | Direction | Account | Folder | UID | Message-ID | Came from | Via |', '|---|---|---|---|---|---|---|---|');
    for (const l of doc.lateMail) {
      out.push(`| ${l.at} | ${l.direction} | ${cell(l.account)} | ${cell(l.sourcePath)} | ${l.srcUid} | ${cell(l.messageId ?? '')} | ${cell(l.receivedFrom ?? '')} | ${cell(l.receivedBy ?? '')} |`);
    }
  }
  if (doc.advice.length) {
    out.push('', '## Afterwards', '');
    for (const a of doc.advice) out.push(`- ${a}`);
  }
  return out.join('\n') + '\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One HTML file with inline CSS and no external resources, printable. */
export function renderHtml(doc: ChecklistDoc): string {
  const rows = doc.steps
    .map(
      (s) =>
        `<tr class="${esc(s.state)}"><td>${s.seq}</td><td>${esc(s.when)}</td><td>${s.dueAt ? esc(s.dueAt.slice(0, 16).replace('T', ' ')) : '—'}</td><td>${esc(s.title)}</td><td>${esc(s.who)}</td><td>${esc(s.how)}</td><td>${esc(s.state)}${s.note ? `<br><small>${esc(s.note)}</small>` : ''}</td></tr>`,
    )
    .join('\n');
  const checks = doc.checks
    .map((c) => `<tr class="${c.status.toLowerCase()}"><td>${esc(c.status)}</td><td>${esc(c.title)}</td><td>${esc(c.reason)}</td><td>${c.status === 'PASS' ? '' : esc(c.fix ?? '')}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MX cutover checklist — ${esc(doc.domain)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:2em}th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}
th{background:#f3f3f3}.pass,.done{background:#eefbea}.warn{background:#fff8e1}.fail{background:#fdecea}
@media print{body{margin:0}}
</style></head><body>
<h1>MX cutover checklist — ${esc(doc.company)} (${esc(doc.domain)})</h1>
<p>Job ${esc(doc.job)} · T = ${esc(doc.at ?? 'not set')} ${doc.confirmedAt ? '(confirmed)' : '(planned)'} · generated ${esc(doc.generatedAt)}${doc.frozen ? ' · <strong>frozen at finalize</strong>' : ''}</p>
<table><thead><tr><th>#</th><th>When</th><th>Due (UTC)</th><th>Step</th><th>Who</th><th>How mailshift checks</th><th>State</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${doc.checks.length ? `<h2>Last check (${esc(doc.checks[0]!.runAt)})</h2><table><thead><tr><th>Result</th><th>Check</th><th>Reason</th><th>Fix</th></tr></thead><tbody>\n${checks}\n</tbody></table>` : ''}
${doc.propagation.length ? `<h2>Propagation</h2><table><thead><tr><th>Server</th><th>Kind</th><th>State</th><th>Flipped at</th><th>Answer</th></tr></thead><tbody>\n${doc.propagation.map((r) => `<tr class="${r.state === 'new' ? 'pass' : 'warn'}"><td>${esc(r.address)}</td><td>${esc(r.kind)}</td><td>${esc(r.state)}</td><td>${esc(r.flippedAt ?? '—')}</td><td>${esc(r.answer ?? '')}</td></tr>`).join('\n')}\n</tbody></table>` : ''}
${doc.lateMail.length ? `<h2>Mail copied after T</h2><table><thead><tr><th>When</th><th>Direction</th><th>Account</th><th>Folder</th><th>UID</th><th>Message-ID</th><th>Came from</th><th>Via</th></tr></thead><tbody>\n${doc.lateMail.map((l) => `<tr><td>${esc(l.at)}</td><td>${esc(l.direction)}</td><td>${esc(l.account)}</td><td>${esc(l.sourcePath)}</td><td>${l.srcUid}</td><td>${esc(l.messageId ?? '')}</td><td>${esc(l.receivedFrom ?? '')}</td><td>${esc(l.receivedBy ?? '')}</td></tr>`).join('\n')}\n</tbody></table>` : ''}
${doc.advice.length ? `<h2>Afterwards</h2><ul>${doc.advice.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>` : ''}
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
