import type { Store } from '../store/store.js';

// The contacts/calendars table of the migration report: per collection, from the store only.
// Rendering lives here so the report's own modules change by one line each.

export interface GroupwareReportRow {
  account: string;
  kind: 'addressbook' | 'calendar';
  collection: string;
  destination: string | null;
  copied: number;
  kept: number;
  failed: number;
  inFlight: number;
  bytes: number;
  /** The last `groupware verify` of this collection, if any. */
  verified: { at: string; source: number; destination: number; missing: number; duplicated: number; altered: number } | null;
  problems: string[];
}

/** Undefined when the job has no contacts/calendars rows (the report then shows no table). */
export function collectGroupware(store: Store): GroupwareReportRow[] | undefined {
  const gs = store.groupware;
  if (!gs.hasData()) return undefined;
  const verify = new Map(gs.verifyRows().map((v) => [v.collectionId, v]));
  const failures = gs.failures(500);
  return gs.counts().map((c) => {
    const v = verify.get(c.collectionId);
    const name = c.displayName ?? c.sourceHref;
    return {
      account: c.sourceUser,
      kind: c.kind,
      collection: name,
      destination: c.destinationHref,
      copied: c.put,
      kept: c.kept,
      failed: c.failed,
      inFlight: c.inFlight,
      bytes: c.bytes,
      verified: v ? { at: v.checkedAt, source: v.sourceObjects, destination: v.destinationObjects, missing: v.missing, duplicated: v.duplicated, altered: v.altered } : null,
      problems: [...(c.lastError ? [c.lastError] : []), ...failures.filter((f) => f.sourceUser === c.sourceUser && f.collection === name).map((f) => `${f.sourceHref.split('/').at(-1)}: ${f.reason}`)],
    };
  });
}

const kindName = (k: string) => (k === 'addressbook' ? 'contacts' : 'calendar');
const verifiedText = (v: GroupwareReportRow['verified']) =>
  v ? (v.missing || v.duplicated || v.altered ? `${v.missing} missing, ${v.duplicated} duplicated, ${v.altered} altered` : `all ${v.source} there`) : 'not verified';

export function groupwareMarkdown(rows: GroupwareReportRow[] | undefined, md: (s: string) => string): string[] {
  if (!rows) return [];
  const out = ['## Contacts and calendars', '', '| Account | Kind | Collection | Copied | Destination edits kept | Failed | In flight | Verified |', '|---|---|---|--:|--:|--:|--:|---|'];
  for (const r of rows) out.push(`| ${md(r.account)} | ${kindName(r.kind)} | ${md(r.collection)} | ${r.copied} | ${r.kept} | ${r.failed} | ${r.inFlight} | ${verifiedText(r.verified)} |`);
  const problems = rows.flatMap((r) => r.problems.map((p) => `- ${md(r.account)} / ${md(r.collection)}: ${md(p)}`));
  if (problems.length) out.push('', ...problems);
  out.push('');
  return out;
}

export function groupwareHtml(rows: GroupwareReportRow[] | undefined, esc: (s: string) => string): string {
  if (!rows) return '';
  const body = rows
    .map((r) => `<tr><td>${esc(r.account)}</td><td>${kindName(r.kind)}</td><td>${esc(r.collection)}</td><td class="n">${r.copied}</td><td class="n">${r.kept}</td><td class="n">${r.failed}</td><td class="n">${r.inFlight}</td><td>${esc(verifiedText(r.verified))}</td></tr>`)
    .join('\n');
  const problems = rows.flatMap((r) => r.problems.map((p) => `<li>${esc(r.account)} / ${esc(r.collection)}: ${esc(p)}</li>`));
  return `<section id="groupware">
<h2>Contacts and calendars</h2>
<table><thead><tr><th>Account</th><th>Kind</th><th>Collection</th><th>Copied</th><th>Destination edits kept</th><th>Failed</th><th>In flight</th><th>Verified</th></tr></thead>
<tbody>${body}</tbody></table>${problems.length ? `\n<ul>${problems.join('')}</ul>` : ''}
</section>
`;
}
