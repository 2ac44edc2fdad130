// assessment.html: one self-contained page (no scripts, no external files) for a non-engineer,
// in one language: the verdict first, then what to fix, then the details. Charts are inline SVG.
// Risk titles, details and fixes come from the catalogue's findings.risk keys the risk carries;
// values inside them (hosts, folder names, a server's own reply) are shown as they are.
import { i18n } from '../i18n/index.js';
import { systemTimeZone } from '../i18n/format.js';
import { findPreset } from '../config/presets.js';
import { lines, pageFormat, sayWith } from '../i18n/msg.js';
import type { Assessment, Risk } from './types.js';

/** When the PDPO notes in reference/anchors-migration.md (f) were last checked for this text. */
export const RESIDENCY_CHECKED = '2026-12-01T00:00:00Z';
const SELF_HOSTED = new Set(['generic', 'dovecot', 'exchange-onprem']);

/** Per side: the provider and what mailshift can say about where it keeps mailbox data. */
export function residencyRows(a: Assessment, I: AssessI18n): { side: string; provider: string; location: string }[] {
  const R = I.cat.assess.residency;
  return (['source', 'destination'] as const).flatMap((side) => {
    const srv = a.servers.find((x) => x.side === side);
    if (!srv) return [];
    const p = findPreset(srv.preset);
    // No preset records a sourced storage location yet: say so rather than guess.
    const location = SELF_HOSTED.has(srv.preset) ? R.selfHosted : R.notDocumented;
    return [{ side: I.cat.assess.side[side], provider: `${p?.name ?? srv.preset} (${srv.host})`, location }];
  });
}

export type AssessI18n = ReturnType<typeof i18n>;

export const defaultAssessI18n = (): AssessI18n => i18n('en', systemTimeZone());

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Horizontal bars, one per label (sizes per account). */
export function barChartSvg(rows: { label: string; value: number; text: string }[], title: string): string {
  const W = 640;
  const labelW = 220;
  const rowH = 22;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const h = rows.length * rowH + 30;
  const bars = rows
    .map((r, i) => {
      const y = 24 + i * rowH;
      const w = Math.max(1, ((W - labelW - 130) * r.value) / max);
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label.length > 32 ? r.label.slice(0, 31) + '…' : r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#3b73b9"/><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}">${esc(r.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="100%" style="max-width:${W}px" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${bars}</svg>`;
}

/** Vertical bars over fixed buckets (the message-size histogram). */
export function histogramSvg(labels: string[], counts: number[], title: string, num: (n: number) => string = (n) => String(n)): string {
  const W = 640;
  const H = 220;
  const n = labels.length;
  const colW = (W - 20) / n;
  const max = Math.max(1, ...counts);
  const plotH = H - 70;
  const cols = labels
    .map((l, i) => {
      const c = counts[i] ?? 0;
      const h = (plotH * c) / max;
      const x = 10 + i * colW;
      const y = 30 + plotH - h;
      return `<rect x="${(x + 6).toFixed(1)}" y="${y.toFixed(1)}" width="${(colW - 12).toFixed(1)}" height="${h.toFixed(1)}" fill="#5a9e6f"/><text x="${(x + colW / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${num(c)}</text><text x="${(x + colW / 2).toFixed(1)}" y="${H - 22}" text-anchor="middle">${esc(l)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="100%" style="max-width:${W}px" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text><line x1="10" y1="${30 + plotH}" x2="${W - 10}" y2="${30 + plotH}" stroke="#888"/>${cols}</svg>`;
}

/** The estimate is a finding only when a read rate was measured. */
export const estimateMeasured = (a: Assessment): boolean => !!a.estimate.probe && a.estimate.probe.messages > 0 && a.summary.estimatedSeconds !== undefined;

/** The estimate's assumptions in the page's language (the English text for an older assessment). */
export function assumptionsText(a: Assessment, I: AssessI18n): string[] {
  if (!a.estimate.notes) return a.estimate.assumptions;
  const f = pageFormat(I);
  return a.estimate.notes.map((m) =>
    sayWith(I.cat.findings.estimate, m.key === 'total' ? { key: m.key, vars: { time: I.fmt.duration(Number(m.vars?.totalSeconds)) } } : m, f),
  );
}

/** The first cutover advice in the page's language. */
export function adviceText(a: Assessment, I: AssessI18n): string[] {
  const d = a.domainSnapshot;
  if (!d.adviceNotes) return d.advice;
  const f = pageFormat(I);
  return d.adviceNotes.map((m) => sayWith(I.cat.findings.dns, { key: m.key, vars: m.vars ? { ...m.vars, ...(m.vars.error ? { error: dnsError(String(m.vars.error), I) } : {}) } : undefined }, f));
}

/** A DNS answer's error as the snapshot records it (src/assess/domain.ts), in the page's language. */
export function dnsError(e: string, I: AssessI18n): string {
  const D = I.cat.findings.dns;
  if (e === CATALOGUES_EN_NX) return D.nxdomain;
  const no = /^no answer: (.*)$/s.exec(e);
  if (no) return I.t(D.noAnswer, { error: no[1]! });
  const nc = /^DNS not checked: (.*)$/s.exec(e);
  if (nc) return I.t(D.notChecked, { error: nc[1]! });
  return e;
}
const CATALOGUES_EN_NX = 'NXDOMAIN (the name does not exist)';

/** What a missing capability costs, in the page's language. */
export const capCost = (name: string, cost: string, I: AssessI18n): string => (I.cat.findings.capCost as Record<string, string>)[name] ?? cost;

/** A risk's title, detail and fix in the page's language (the English text when it has no keys). */
export function riskText(r: Risk, I: AssessI18n): { title: string; detail: string; fix: string } {
  if (!r.msg) return { title: r.title, detail: r.detail, fix: r.fix };
  const table = I.cat.findings.risk;
  const f = pageFormat(I);
  return { title: sayWith(table, r.msg.title, f), detail: lines(table, r.msg.detail, f), fix: lines(table, r.msg.fix, f, '') };
}

function riskHtml(r: Risk, i: number, I: AssessI18n): string {
  const S = I.cat.assess;
  const list = (xs: string[], what: string) =>
    xs.length ? `<p><b>${esc(what)}:</b> ${esc(xs.slice(0, 30).join(', '))}${xs.length > 30 ? ` … ${esc(I.t(S.inAll, { n: xs.length }))}` : ''}</p>` : '';
  const x = riskText(r, I);
  return `<div class="risk ${r.severity}" data-risk="${esc(r.id)}"><h3><span class="sev">${esc(S.severity[r.severity])}</span> ${i + 1}. <span>${esc(x.title)}</span></h3>
<p class="detail">${esc(x.detail).replace(/\n/g, '<br>')}</p>
<p class="fix"><b>${esc(S.whatToDo)}</b> <span>${esc(x.fix)}</span></p>${list(r.accounts, S.accountsLabel)}${list(r.folders, S.foldersLabel)}</div>`;
}

export function renderHtml(a: Assessment, I: AssessI18n = defaultAssessI18n()): string {
  const { cat, fmt, t } = I;
  const S = cat.assess;
  const s = a.summary;
  const go = a.verdict === 'go';
  const blockers = a.risks.filter((r) => r.severity === 'blocker');
  const measured = estimateMeasured(a);
  const date = (iso?: string) => fmt.date(iso);
  const summaryLines = go
    ? `<p>${esc(s.warnings ? t(S.goWarnings, { n: s.warnings }) : S.goText)}</p>`
    : `<p>${esc(t(S.noGoText, { n: s.blockers }))}</p><ol>${blockers.map((r) => `<li>${esc(riskText(r, I).title)}</li>`).join('')}</ol><p>${esc(S.noGoAfter)}</p>`;
  const accountsChart = barChartSvg(
    a.accounts.map((x) => ({ label: x.sourceUser, value: x.source.totals.bytes, text: t(S.chartValue, { size: fmt.bytes(x.source.totals.bytes), count: x.source.totals.messages }) })),
    S.chartTitle,
  );
  const hist = histogramSvg(a.histogram.labels, a.histogram.counts, S.histogramTitle, (n) => fmt.num(n));
  const C = S.cert;
  const servers = a.servers
    .map((p) => {
      const cert = p.cert
        ? `${p.cert.trusted ? esc(C.trusted) : `<b>${esc(C.notTrusted)}</b>`}${p.cert.selfSigned ? `, ${esc(C.selfSigned)}` : ''}; ${esc(t(C.validFor, { names: p.cert.names.join(', ') || '?' }))}; ${esc(t(C.issuer, { issuer: p.cert.issuer ?? '?' }))}; ${esc(t(C.expires, { date: date(p.cert.validTo) }))}`
        : p.tls === 'none' ? esc(C.noTls) : '–';
      return `<tr><td>${esc(S.side[p.side])}</td><td>${esc(p.host)}:${p.port}<br><small>${esc(p.preset)}, ${p.tls}${p.tlsProtocol ? ` ${esc(p.tlsProtocol)}` : ''}</small></td><td>${cert}</td><td class="${p.ok ? 'ok' : 'bad'}">${p.ok ? esc(S.ok) : `${esc(p.failure!.reason)}<br><b>${esc(S.fix)}</b> ${esc(p.failure!.fix)}`}</td></tr>`;
    })
    .join('');
  const caps = (['source', 'destination'] as const)
    .map((side) => {
      const c = a.capabilities[side];
      if (!c) return `<h3>${esc(S.side[side])}</h3><p>${esc(S.capsUnknown)}</p>`;
      const present = Object.entries(c.checked).filter(([, v]) => v).map(([k]) => k);
      return `<h3>${esc(S.side[side])}</h3><p>${esc(t(S.capsHas, { list: present.join(', ') || cat.units.none }))}${c.appendLimit ? ` — APPENDLIMIT ${esc(fmt.bytes(c.appendLimit))}` : ''}</p><p>${esc(t(S.namespace, { list: c.namespaces.personal.map((n) => `"${n.prefix}" / "${n.delimiter ?? ''}"`).join(', ') || '?' }))}</p>${
        c.missing.length ? `<table><tr><th>${esc(S.col2.missing)}</th><th>${esc(S.col2.cost)}</th></tr>${c.missing.map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(capCost(m.name, m.cost, I))}</td></tr>`).join('')}</table>` : ''
      }`;
    })
    .join('');
  const K = S.col;
  const accountRows = a.accounts
    .map((x) => {
      const q = x.destination.quota;
      const login = (l: typeof x.source.login) => (l.ok ? `<span class="ok">${esc(S.ok)}</span>` : `<span class="bad">${esc(l.failure?.kind ?? S.loginFailed)}</span>`);
      const est = measured && x.estimate ? fmt.duration(x.estimate.seconds) : cat.units.notMeasured;
      return `<tr><td>${esc(x.sourceUser)} → ${esc(x.destinationUser)}</td><td>${login(x.source.login)}</td><td>${login(x.destination.login)}</td><td class="n">${x.source.totals.folders}</td><td class="n">${fmt.num(x.source.totals.messages)}</td><td class="n">${esc(fmt.bytes(x.source.totals.bytes))}</td><td class="d">${esc(date(x.source.totals.oldest))}</td><td class="d">${esc(date(x.source.totals.newest))}</td><td>${q?.storageLimit ? esc(t(S.quotaOf, { used: fmt.bytes(q.storageUsed ?? 0), limit: fmt.bytes(q.storageLimit) })) : '–'}</td><td>${esc(est)}</td></tr>`;
    })
    .join('');
  const details = a.accounts
    .map((x) => {
      if (!x.source.login.ok && !x.destination.login.ok) return '';
      const rows = x.source.folders
        .map((f) => {
          const m = x.mapping.find((y) => y.sourcePath === f.path);
          const notes = [...(m?.notes ?? []), ...(f.error ? [t(S.readError, { error: f.error })] : [])];
          return `<tr${m?.action === 'exclude' ? ' class="excl"' : ''}><td>${esc(f.logicalPath)}${f.specialUse ? ` <small>${esc(f.specialUse)}</small>` : ''}</td><td class="n">${fmt.num(f.messages)}</td><td class="n">${esc(fmt.bytes(f.bytes))}</td><td class="d">${esc(date(f.oldest))}</td><td class="d">${esc(date(f.newest))}</td><td>${esc(m?.destinationLogicalPath ?? '–')}${m?.existsOnDestination ? ` <small>${esc(S.exists)}</small>` : ''}</td><td>${esc(m?.action ?? '–')}</td><td>${esc(notes.join('; '))}</td></tr>`;
        })
        .join('');
      const largest = x.source.largest.slice(0, 5).map((m) => `${m.folder} (UID ${m.uid}, ${fmt.bytes(m.size)}, ${date(m.internalDate)})`).join('; ');
      return `<details><summary>${esc(t(S.folderSummary, { account: `${x.sourceUser} → ${x.destinationUser}`, folders: x.source.totals.folders, messages: x.source.totals.messages }))}</summary>${
        x.mappingError ? `<p class="bad">${esc(t(S.mappingFailed, { error: x.mappingError }))}</p>` : ''
      }<table><tr><th>${esc(K.sourceFolder)}</th><th>${esc(K.messages)}</th><th>${esc(K.size)}</th><th>${esc(K.oldest)}</th><th>${esc(K.newest)}</th><th>→ ${esc(K.destinationFolder)}</th><th>${esc(K.action)}</th><th>${esc(K.notes)}</th></tr>${rows}</table>${largest ? `<p>${esc(t(S.largest, { list: largest }))}</p>` : ''}</details>`;
    })
    .join('');
  const d = a.domainSnapshot;
  const ttl = (v?: number) => (v === undefined ? S.ttlUnknown : t(S.ttl, { n: v }));
  const none = cat.units.none;
  const probe = a.estimate.probe;
  const F = S.figures;
  return `<!doctype html>
<html lang="${esc(cat.meta.htmlLang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t(S.pageTitle, { job: a.job }))}</title>
<style>
*{box-sizing:border-box}
body{font-family:${cat.meta.fontStack};max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
.verdict{border:3px solid;border-radius:8px;padding:1em 1.4em;margin:1em 0}
.verdict.go{border-color:#2e8b57;background:#effaf2}.verdict.no-go{border-color:#c0392b;background:#fdf0ee}
.verdict h2{border:none;margin:0 0 .3em 0;font-size:1.6em}
.figures{display:flex;flex-wrap:wrap;gap:1.5em;margin-top:.6em}.figures div{min-width:9em}.figures b{display:block;font-size:1.3em}
.risk{border-left:6px solid;padding:.4em 1em;margin:.8em 0;background:#fafafa}
.risk.blocker{border-color:#c0392b}.risk.warning{border-color:#e6a700}.risk.info{border-color:#7f8c8d}
.risk h3{margin:.2em 0;font-size:1.05em}.sev{font-size:.8em;text-transform:uppercase;padding:.1em .5em;border-radius:3px;background:#eee}
.blocker .sev{background:#c0392b;color:#fff}.warning .sev{background:#e6a700;color:#fff}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}td.d{white-space:nowrap}.ok{color:#2e8b57}.bad{color:#c0392b}tr.excl{color:#888}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}small{color:#666}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;padding:0;font-size:11px}details{display:block}.risk,tr{break-inside:avoid}}
</style></head><body>
<h1>${esc(t(S.title, { job: a.job, domain: a.domain }))}</h1>
<p><small>${esc(t(S.generated, { at: fmt.dateTime(a.generatedAt), version: a.mailshiftVersion }))} ${esc(t(cat.units.conventions, { zone: fmt.zone() }))}</small></p>
<section class="verdict ${a.verdict}" id="verdict">
<h2>${esc(go ? S.go : S.noGo)}</h2>
${summaryLines}
<div class="figures"><div>${esc(F.accounts)}<b>${s.accountsAssessed} / ${s.accounts}</b><small>${esc(F.accountsNote)}</small></div><div>${esc(F.messages)}<b>${fmt.num(s.messages)}</b></div><div>${esc(F.size)}<b>${esc(fmt.bytes(s.bytes))}</b></div><div id="estimate">${esc(F.estimate)}<b>${esc(measured ? fmt.duration(s.estimatedSeconds) : cat.units.notMeasured)}</b>${measured ? '' : `<small>${esc(F.estimateNote)}</small>`}</div><div>${esc(F.blockers)}<b>${s.blockers} / ${s.warnings}</b></div></div>
</section>
<h2>${esc(S.risksHeading)}</h2>
${a.risks.length ? a.risks.map((r, i) => riskHtml(r, i, I)).join('\n') : `<p>${esc(s.accountsAssessed === 0 ? S.notRead : S.risksNone)}</p>`}
<h2>${esc(S.accountsHeading)}</h2>
${accountsChart}
<table><tr><th>${esc(K.account)}</th><th>${esc(K.sourceLogin)}</th><th>${esc(K.destinationLogin)}</th><th>${esc(K.folders)}</th><th>${esc(K.messages)}</th><th>${esc(K.size)}</th><th>${esc(K.oldest)}</th><th>${esc(K.newest)}</th><th>${esc(K.quota)}</th><th>${esc(K.estimate)}</th></tr>${accountRows}</table>
<h2>${esc(S.sizesHeading)}</h2>
${hist}
${a.destinationLimit ? `<p>${esc(t(S.destinationLimit, { size: fmt.bytes(a.destinationLimit.bytes), from: a.destinationLimit.from }))}</p>` : ''}
<h2>${esc(S.foldersHeading)}</h2>
<p>${esc(S.foldersIntro)}</p>
${details}
<h2>${esc(S.estimateHeading)}</h2>
<p id="estimate-detail">${measured ? `${esc(t(S.estimateAbout, { time: fmt.duration(a.estimate.totalSeconds) }))} ${esc(t(S.estimateMeasured, { mps: probe!.messagesPerSecond.toFixed(1), bps: fmt.bytes(probe!.bytesPerSecond), seconds: probe!.seconds.toFixed(1) }))}` : esc(S.estimateNotMeasured)}</p>
<p>${esc(S.assumptions)}</p>
<ul>${assumptionsText(a, I).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<h2>${esc(S.serversHeading)}</h2>
<table><tr><th>${esc(S.col2.side)}</th><th>${esc(S.col2.server)}</th><th>${esc(S.col2.certificate)}</th><th>${esc(S.col2.result)}</th></tr>${servers}</table>
${caps}
<h2>${esc(t(S.dnsHeading, { domain: d.domain }))}</h2>
<table><tr><th>${esc(S.dnsRecord)}</th><th>${esc(S.dnsNow)}</th></tr>
<tr><td>MX</td><td>${d.mx.values.length ? esc(d.mx.values.map((m) => `${m.priority} ${m.exchange}`).join(', ')) + ` (${esc(ttl(d.mx.ttl))})` : esc(d.mx.error ? dnsError(d.mx.error, I) : none)}</td></tr>
<tr><td>SPF</td><td>${esc(d.spf.values.join(' / ') || (d.spf.error ? dnsError(d.spf.error, I) : none))}</td></tr>
<tr><td>DMARC</td><td>${esc(d.dmarc.values.join(' / ') || (d.dmarc.error ? dnsError(d.dmarc.error, I) : none))}</td></tr>
<tr><td>Autodiscover</td><td>${esc(d.autodiscover.values.join(', ') || (d.autodiscover.error ? dnsError(d.autodiscover.error, I) : none))}</td></tr></table>
<p><b>${esc(S.dnsAdvice)}</b></p><ul>${adviceText(a, I).map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<section id="residency">
<h2>${esc(S.residency.heading)}</h2>
<p>${esc(S.residency.intro)}</p>
<table><tr><th>${esc(S.residency.side)}</th><th>${esc(S.residency.provider)}</th><th>${esc(S.residency.location)}</th></tr>${residencyRows(a, I).map((r) => `<tr><td>${esc(r.side)}</td><td>${esc(r.provider)}</td><td>${esc(r.location)}</td></tr>`).join('')}</table>
<h3>${esc(S.residency.processorsHeading)}</h3>
<p>${esc(S.residency.processors)}</p>
<h3>${esc(S.residency.pointsHeading)}</h3>
<ul>${S.residency.points.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<p><small>${esc(t(S.residency.sources, { checked: fmt.date(RESIDENCY_CHECKED) }))}</small></p>
</section>
</body></html>
`;
}

