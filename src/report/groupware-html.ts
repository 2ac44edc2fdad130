// The contacts and calendars table of the migration report, in the report's language
// (findings.groupware); the rows come from src/groupware/report.ts (collectGroupware).
import type { GroupwareReportRow } from '../groupware/report.js';
import type { i18n } from '../i18n/index.js';

type I18n = ReturnType<typeof i18n>;

function verifiedText(v: GroupwareReportRow['verified'], I: I18n): string {
  const G = I.cat.findings.groupware;
  if (!v) return G.notVerified;
  return v.missing || v.duplicated || v.altered ? I.t(G.differences, { missing: v.missing, duplicated: v.duplicated, altered: v.altered }) : I.t(G.allThere, { n: v.source });
}

export function groupwareHtml(rows: GroupwareReportRow[] | undefined, esc: (s: string) => string, I: I18n): string {
  if (!rows) return '';
  const G = I.cat.findings.groupware;
  const n = (x: number) => I.fmt.num(x);
  const body = rows
    .map((r) => `<tr><td>${esc(r.account)}</td><td>${esc(G[r.kind])}</td><td>${esc(r.collection)}</td><td class="n">${n(r.copied)}</td><td class="n">${n(r.kept)}</td><td class="n">${n(r.failed)}</td><td class="n">${n(r.inFlight)}</td><td>${esc(verifiedText(r.verified, I))}</td></tr>`)
    .join('\n');
  // A server's refusal is its own text (shown as it is, like the reasons of the problems table).
  const problems = rows.flatMap((r) => r.problems.map((p) => `<li>${esc(r.account)} / ${esc(r.collection)}: ${esc(p)}</li>`));
  return `<section id="groupware">
<h2>${esc(G.heading)}</h2>
<table><thead><tr><th>${esc(G.account)}</th><th>${esc(G.kind)}</th><th>${esc(G.collection)}</th><th class="n">${esc(G.copied)}</th><th class="n">${esc(G.kept)}</th><th class="n">${esc(G.failed)}</th><th class="n">${esc(G.inFlight)}</th><th>${esc(G.verified)}</th></tr></thead>
<tbody>${body}</tbody></table>${problems.length ? `\n<ul>${problems.join('')}</ul>` : ''}
</section>
`;
}

export function groupwareMarkdown(rows: GroupwareReportRow[] | undefined, md: (s: string) => string, I: I18n): string[] {
  if (!rows) return [];
  const G = I.cat.findings.groupware;
  const out = [`## ${G.heading}`, '', `| ${G.account} | ${G.kind} | ${G.collection} | ${G.copied} | ${G.kept} | ${G.failed} | ${G.inFlight} | ${G.verified} |`, '|---|---|---|--:|--:|--:|--:|---|'];
  for (const r of rows) out.push(`| ${md(r.account)} | ${G[r.kind]} | ${md(r.collection)} | ${r.copied} | ${r.kept} | ${r.failed} | ${r.inFlight} | ${verifiedText(r.verified, I)} |`);
  const problems = rows.flatMap((r) => r.problems.map((p) => `- ${md(r.account)} / ${md(r.collection)}: ${md(p)}`));
  if (problems.length) out.push('', ...problems);
  out.push('');
  return out;
}
