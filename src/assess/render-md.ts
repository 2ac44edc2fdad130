// assessment.md: the same content as the HTML, for a ticket or an e-mail, in the same language.
import { adviceText, assumptionsText, capCost, defaultAssessI18n, dnsError, estimateMeasured, RESIDENCY_CHECKED, residencyRows, riskText, type AssessI18n } from './render-html.js';
import type { Assessment } from './types.js';

const cell = (s: string | number | undefined) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, '<br>');

export function renderMarkdown(a: Assessment, I: AssessI18n = defaultAssessI18n()): string {
  const { cat, fmt, t } = I;
  const S = cat.assess;
  const K = S.col;
  const L: string[] = [];
  const s = a.summary;
  const measured = estimateMeasured(a);
  const date = (iso?: string) => fmt.date(iso);
  L.push(`# ${t(S.title, { job: a.job, domain: a.domain })}`, '');
  L.push(`${t(S.generated, { at: fmt.dateTime(a.generatedAt), version: a.mailshiftVersion })} ${t(cat.units.conventions, { zone: fmt.zone() })}`, '');
  L.push(`## ${a.verdict === 'go' ? S.go : S.noGo}`, '');
  L.push(a.verdict === 'go' ? (s.warnings ? t(S.goWarnings, { n: s.warnings }) : S.goText) : `${t(S.noGoText, { n: s.blockers })} ${S.noGoAfter}`, '');
  L.push(`- ${S.figures.accounts}: ${s.accountsAssessed} / ${s.accounts} (${S.figures.accountsNote})`);
  L.push(`- ${S.figures.messages}: ${fmt.num(s.messages)}; ${S.figures.size}: ${fmt.bytes(s.bytes)}`);
  L.push(`- ${S.figures.estimate}: ${measured ? fmt.duration(s.estimatedSeconds) : cat.units.notMeasured}`, '');

  L.push(`## ${S.risksHeading}`, '');
  if (!a.risks.length) L.push(s.accountsAssessed === 0 ? S.notRead : S.risksNone, '');
  a.risks.forEach((r, i) => {
    const x = riskText(r, I);
    L.push(`### ${i + 1}. [${S.severity[r.severity]}] ${x.title}`, '');
    L.push(x.detail.split('\n').map((l) => `> ${l}`).join('\n'), '');
    L.push(`**${S.whatToDo}** ${x.fix}`, '');
    if (r.accounts.length) L.push(`${S.accountsLabel}: ${r.accounts.slice(0, 20).join(', ')}${r.accounts.length > 20 ? ` … ${t(S.inAll, { n: r.accounts.length })}` : ''}`, '');
    if (r.folders.length) L.push(`${S.foldersLabel}: ${r.folders.slice(0, 20).join('; ')}${r.folders.length > 20 ? ` … ${t(S.inAll, { n: r.folders.length })}` : ''}`, '');
  });

  const C = S.cert;
  L.push(`## ${S.serversHeading}`, '', `| ${S.col2.side} | ${S.col2.server} | TLS | ${S.col2.certificate} | ${S.col2.result} |`, '|---|---|---|---|---|');
  for (const p of a.servers) {
    const cert = p.cert ? `${p.cert.trusted ? C.trusted : C.notTrusted}${p.cert.selfSigned ? `, ${C.selfSigned}` : ''}; ${t(C.validFor, { names: p.cert.names.join(', ') || '?' })}; ${t(C.expires, { date: date(p.cert.validTo) })}` : '–';
    L.push(`| ${S.side[p.side]} | ${cell(`${p.host}:${p.port}`)} (${p.preset}) | ${p.tls}${p.tlsProtocol ? ` ${p.tlsProtocol}` : ''} | ${cell(cert)} | ${cell(p.ok ? S.ok : `${p.failure!.reason} — ${S.fix} ${p.failure!.fix}`)} |`);
  }
  L.push('');
  for (const side of ['source', 'destination'] as const) {
    const c = a.capabilities[side];
    if (!c) continue;
    L.push(`### ${S.side[side]}`, '');
    L.push(t(S.capsHas, { list: Object.entries(c.checked).filter(([, v]) => v).map(([k]) => k).join(', ') || cat.units.none }) + (c.appendLimit ? ` (APPENDLIMIT ${fmt.bytes(c.appendLimit)})` : ''), '');
    if (c.missing.length) {
      L.push(`| ${S.col2.missing} | ${S.col2.cost} |`, '|---|---|');
      for (const m of c.missing) L.push(`| ${m.name} | ${cell(capCost(m.name, m.cost, I))} |`);
      L.push('');
    }
  }
  if (a.destinationLimit) L.push(t(S.destinationLimit, { size: fmt.bytes(a.destinationLimit.bytes), from: a.destinationLimit.from }), '');

  L.push(`## ${S.accountsHeading}`, '', `| ${K.account} | ${K.sourceLogin} | ${K.destinationLogin} | ${K.folders} | ${K.messages} | ${K.size} | ${K.oldest} | ${K.newest} | ${K.quota} | ${K.estimate} |`, '|---|---|---|---|---|---|---|---|---|---|');
  for (const acc of a.accounts) {
    const q = acc.destination.quota;
    const quota = q?.storageLimit ? t(S.quotaOf, { used: fmt.bytes(q.storageUsed ?? 0), limit: fmt.bytes(q.storageLimit) }) : '–';
    const est = measured && acc.estimate ? `${fmt.duration(acc.estimate.seconds)} (${acc.estimate.boundBy})` : cat.units.notMeasured;
    L.push(
      `| ${cell(acc.sourceUser)} → ${cell(acc.destinationUser)} | ${acc.source.login.ok ? S.ok : cell(acc.source.login.failure?.kind ?? S.loginFailed)} | ${acc.destination.login.ok ? S.ok : cell(acc.destination.login.failure?.kind ?? S.loginFailed)} | ${acc.source.totals.folders} | ${fmt.num(acc.source.totals.messages)} | ${fmt.bytes(acc.source.totals.bytes)} | ${date(acc.source.totals.oldest)} | ${date(acc.source.totals.newest)} | ${quota} | ${est} |`,
    );
  }
  L.push('');
  for (const acc of a.accounts) {
    if (!acc.source.login.ok) continue;
    L.push(`### ${acc.sourceUser} → ${acc.destinationUser}`, '');
    L.push(`| ${K.sourceFolder} | ${K.messages} | ${K.size} | ${K.oldest} | ${K.newest} | → ${K.destinationFolder} | ${K.action} | ${K.notes} |`, '|---|---|---|---|---|---|---|---|');
    for (const f of acc.source.folders) {
      const m = acc.mapping.find((x) => x.sourcePath === f.path);
      L.push(
        `| ${cell(f.logicalPath)}${f.specialUse ? ` (${f.specialUse})` : ''} | ${fmt.num(f.messages)} | ${fmt.bytes(f.bytes)} | ${date(f.oldest)} | ${date(f.newest)} | ${cell(m?.destinationLogicalPath ?? '–')}${m?.existsOnDestination ? ` ${S.exists}` : ''} | ${m?.action ?? '–'} | ${cell([...(m?.notes ?? []), ...(f.error ? [t(S.readError, { error: f.error })] : [])].join('; '))} |`,
      );
    }
    L.push('');
  }

  L.push(`## ${S.sizesHeading}`, '', `| ${K.size} | ${K.messages} |`, '|---|---|');
  a.histogram.labels.forEach((l, i) => L.push(`| ${l} | ${fmt.num(a.histogram.counts[i] ?? 0)} |`));
  L.push('');

  L.push(`## ${S.estimateHeading}`, '', measured ? t(S.estimateAbout, { time: fmt.duration(a.estimate.totalSeconds) }) : S.estimateNotMeasured, '', S.assumptions, '');
  for (const x of assumptionsText(a, I)) L.push(`- ${x}`);
  L.push('');

  const d = a.domainSnapshot;
  const ttl = (v?: number) => (v === undefined ? S.ttlUnknown : t(S.ttl, { n: v }));
  const none = cat.units.none;
  L.push(`## ${t(S.dnsHeading, { domain: d.domain })}`, '');
  L.push(`- MX: ${d.mx.values.length ? d.mx.values.map((m) => `${m.priority} ${m.exchange}`).join(', ') + ` (${ttl(d.mx.ttl)})` : (d.mx.error ? dnsError(d.mx.error, I) : none)}`);
  L.push(`- SPF: ${d.spf.values.join(' / ') || (d.spf.error ? dnsError(d.spf.error, I) : none)}`);
  L.push(`- DMARC: ${d.dmarc.values.join(' / ') || (d.dmarc.error ? dnsError(d.dmarc.error, I) : none)}`);
  L.push(`- Autodiscover: ${d.autodiscover.values.join(', ') || (d.autodiscover.error ? dnsError(d.autodiscover.error, I) : none)}`, '');
  L.push(S.dnsAdvice, '');
  for (const x of adviceText(a, I)) L.push(`- ${x}`);
  L.push('');
  const R = S.residency;
  L.push(`## ${R.heading}`, '', R.intro, '', `| ${R.side} | ${R.provider} | ${R.location} |`, '|---|---|---|');
  for (const r of residencyRows(a, I)) L.push(`| ${cell(r.side)} | ${cell(r.provider)} | ${cell(r.location)} |`);
  L.push('', `### ${R.processorsHeading}`, '', R.processors, '', `### ${R.pointsHeading}`, '');
  for (const x of R.points) L.push(`- ${x}`);
  L.push('', t(R.sources, { checked: fmt.date(RESIDENCY_CHECKED) }), '');
  return L.join('\n');
}
