// assessment.md: the same content as the HTML, for a ticket or an e-mail.
import { fmtBytes, fmtCount, fmtDate, fmtDuration } from './format.js';
import type { Assessment } from './types.js';

const cell = (s: string | number | undefined) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, '<br>');
const SEV = { blocker: 'BLOCKER', warning: 'warning', info: 'note' } as const;

export function renderMarkdown(a: Assessment): string {
  const L: string[] = [];
  const s = a.summary;
  L.push(`# Migration assessment: ${a.job} (${a.domain})`, '');
  L.push(`Generated ${a.generatedAt} by mailshift ${a.mailshiftVersion}. Nothing was written to either server.`, '');
  L.push(`## Verdict: ${a.verdict === 'go' ? 'GO' : 'NO-GO'}`, '');
  L.push(
    a.verdict === 'go'
      ? `No blocking problem found${s.warnings ? ` (${s.warnings} warning${s.warnings === 1 ? '' : 's'} below)` : ''}. The sync can start.`
      : `${s.blockers} blocking problem${s.blockers === 1 ? '' : 's'} must be fixed before the sync: see "Risks" below, then run assess again.`,
    '',
  );
  L.push(`- Accounts: ${s.accountsAssessed} of ${s.accounts} assessed on both sides`);
  L.push(`- Source mail: ${fmtCount(s.messages)} messages, ${fmtBytes(s.bytes)} in ${fmtCount(s.folders)} folders`);
  L.push(`- Estimated sync duration: ${fmtDuration(s.estimatedSeconds)}`, '');

  L.push('## Risks', '');
  if (!a.risks.length) L.push('None found.', '');
  a.risks.forEach((r, i) => {
    L.push(`### ${i + 1}. [${SEV[r.severity]}] ${r.title}`, '');
    L.push(r.detail.split('\n').map((l) => `> ${l}`).join('\n'), '');
    L.push(`**What to do:** ${r.fix}`, '');
    if (r.accounts.length) L.push(`Accounts: ${r.accounts.slice(0, 20).join(', ')}${r.accounts.length > 20 ? ` … (${r.accounts.length})` : ''}`, '');
    if (r.folders.length) L.push(`Folders: ${r.folders.slice(0, 20).join('; ')}${r.folders.length > 20 ? ` … (${r.folders.length})` : ''}`, '');
  });

  L.push('## Servers', '', '| Side | Server | TLS | Certificate | Result |', '|---|---|---|---|---|');
  for (const p of a.servers) {
    const cert = p.cert ? `${p.cert.trusted ? 'trusted' : 'not trusted'}${p.cert.selfSigned ? ', self-signed' : ''}; for ${p.cert.names.join(', ') || '?'}; issuer ${p.cert.issuer ?? '?'}; expires ${fmtDate(p.cert.validTo)}` : '–';
    L.push(`| ${p.side} | ${cell(`${p.host}:${p.port}`)} (${p.preset}) | ${p.tls}${p.tlsProtocol ? ` ${p.tlsProtocol}` : ''} | ${cell(cert)} | ${cell(p.ok ? 'OK' : `${p.failure!.reason} — fix: ${p.failure!.fix}`)} |`);
  }
  L.push('');
  for (const side of ['source', 'destination'] as const) {
    const c = a.capabilities[side];
    if (!c) continue;
    L.push(`### ${side} capabilities`, '');
    L.push(`Present: ${Object.entries(c.checked).filter(([, v]) => v).map(([k]) => k).join(', ') || 'none'}${c.appendLimit ? ` (APPENDLIMIT ${fmtBytes(c.appendLimit)})` : ''}`, '');
    L.push(`Namespace: ${c.namespaces.personal.map((n) => `"${n.prefix}" separator "${n.delimiter ?? ''}"`).join(', ') || '?'}`, '');
    if (c.missing.length) {
      L.push('| Missing | What it costs |', '|---|---|');
      for (const m of c.missing) L.push(`| ${m.name} | ${cell(m.cost)} |`);
      L.push('');
    }
  }
  if (a.destinationLimit) L.push(`Largest message the destination accepts: ${fmtBytes(a.destinationLimit.bytes)} (${a.destinationLimit.from}).`, '');

  L.push('## Accounts', '', '| Account | Source login | Destination login | Folders | Messages | Size | Oldest | Newest | Quota (dest.) | Estimate |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const acc of a.accounts) {
    const q = acc.destination.quota;
    const quota = q?.storageLimit ? `${fmtBytes(q.storageUsed ?? 0)} of ${fmtBytes(q.storageLimit)}` : '–';
    L.push(
      `| ${cell(acc.sourceUser)} → ${cell(acc.destinationUser)} | ${acc.source.login.ok ? 'OK' : cell(acc.source.login.failure?.kind ?? 'failed')} | ${acc.destination.login.ok ? 'OK' : cell(acc.destination.login.failure?.kind ?? 'failed')} | ${acc.source.totals.folders} | ${fmtCount(acc.source.totals.messages)} | ${fmtBytes(acc.source.totals.bytes)} | ${fmtDate(acc.source.totals.oldest)} | ${fmtDate(acc.source.totals.newest)} | ${quota} | ${acc.estimate ? `${fmtDuration(acc.estimate.seconds)} (${acc.estimate.boundBy})` : '–'} |`,
    );
  }
  L.push('');
  for (const acc of a.accounts) {
    if (!acc.source.login.ok) continue;
    L.push(`### ${acc.sourceUser} → ${acc.destinationUser}`, '');
    L.push('| Source folder | Messages | Size | Oldest | Newest | → Destination folder | Action | Notes |', '|---|---|---|---|---|---|---|---|');
    for (const f of acc.source.folders) {
      const m = acc.mapping.find((x) => x.sourcePath === f.path);
      L.push(
        `| ${cell(f.logicalPath)}${f.specialUse ? ` (${f.specialUse})` : ''} | ${fmtCount(f.messages)} | ${fmtBytes(f.bytes)} | ${fmtDate(f.oldest)} | ${fmtDate(f.newest)} | ${cell(m?.destinationLogicalPath ?? '–')}${m?.existsOnDestination ? ' (exists)' : ''} | ${m?.action ?? (acc.mappingError ? 'error' : '–')} | ${cell([...(m?.notes ?? []), ...(f.error ? [`read error: ${f.error}`] : [])].join('; '))} |`,
      );
    }
    L.push('');
    if (acc.source.largest.length) L.push(`Largest messages: ${acc.source.largest.slice(0, 5).map((m) => `${m.folder} UID ${m.uid} ${fmtBytes(m.size)}`).join(', ')}`, '');
  }

  L.push('## Message sizes (all source accounts)', '', '| Size | Messages |', '|---|---|');
  a.histogram.labels.forEach((l, i) => L.push(`| ${l} | ${fmtCount(a.histogram.counts[i] ?? 0)} |`));
  L.push('');

  L.push('## Estimate', '', `Total: **${fmtDuration(a.estimate.totalSeconds)}**`, '', 'Assumptions:', '');
  for (const x of a.estimate.assumptions) L.push(`- ${x}`);
  L.push('');

  const d = a.domainSnapshot;
  L.push(`## Domain DNS (${d.domain})`, '');
  L.push(`Asked: ${d.resolvers.join(', ') || '–'}`, '');
  const ttl = (t?: number) => (t === undefined ? 'TTL unknown' : `TTL ${t} s`);
  L.push(`- MX: ${d.mx.values.length ? d.mx.values.map((m) => `${m.priority} ${m.exchange}`).join(', ') + ` (${ttl(d.mx.ttl)})` : d.mx.error ?? 'none'}`);
  L.push(`- SPF: ${d.spf.values.join(' / ') || d.spf.error || 'none'}`);
  L.push(`- DMARC: ${d.dmarc.values.join(' / ') || d.dmarc.error || 'none'}`);
  L.push(`- Autodiscover: ${d.autodiscover.values.join(', ') || d.autodiscover.error || 'none'}`, '');
  L.push('Cutover advice:', '');
  for (const x of d.advice) L.push(`- ${x}`);
  L.push('');
  return L.join('\n');
}
