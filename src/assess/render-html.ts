// assessment.html: one self-contained page (no scripts, no external files) for a non-engineer:
// the verdict first, then what to fix, then the details. Charts are inline SVG.
import { fmtBytes, fmtCount, fmtDate, fmtDuration } from './format.js';
import type { Assessment, Risk } from './types.js';

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
      const w = Math.max(1, ((W - labelW - 110) * r.value) / max);
      return `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end">${esc(r.label.length > 32 ? r.label.slice(0, 31) + '…' : r.label)}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#3b73b9"/><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 14}">${esc(r.text)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text>${bars}</svg>`;
}

/** Vertical bars over fixed buckets (the message-size histogram). */
export function histogramSvg(labels: string[], counts: number[], title: string): string {
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
      return `<rect x="${(x + 6).toFixed(1)}" y="${y.toFixed(1)}" width="${(colW - 12).toFixed(1)}" height="${h.toFixed(1)}" fill="#5a9e6f"/><text x="${(x + colW / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${fmtCount(c)}</text><text x="${(x + colW / 2).toFixed(1)}" y="${H - 22}" text-anchor="middle">${esc(l)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><text x="0" y="14" font-weight="bold">${esc(title)}</text><line x1="10" y1="${30 + plotH}" x2="${W - 10}" y2="${30 + plotH}" stroke="#888"/>${cols}</svg>`;
}

const SEV_LABEL = { blocker: 'Must fix', warning: 'Check', info: 'Note' } as const;

function riskHtml(r: Risk, i: number): string {
  const list = (xs: string[], what: string) =>
    xs.length ? `<p><b>${what}:</b> ${esc(xs.slice(0, 30).join(', '))}${xs.length > 30 ? ` … (${xs.length} in all)` : ''}</p>` : '';
  return `<div class="risk ${r.severity}"><h3><span class="sev">${SEV_LABEL[r.severity]}</span> ${i + 1}. ${esc(r.title)}</h3>
<p class="detail">${esc(r.detail).replace(/\n/g, '<br>')}</p>
<p class="fix"><b>What to do:</b> ${esc(r.fix)}</p>${list(r.accounts, 'Accounts')}${list(r.folders, 'Folders')}</div>`;
}

export function renderHtml(a: Assessment): string {
  const s = a.summary;
  const go = a.verdict === 'go';
  const blockers = a.risks.filter((r) => r.severity === 'blocker');
  const summaryLines = go
    ? `<p>No blocking problem was found. The copy can start${s.warnings ? `; read the ${s.warnings} warning${s.warnings === 1 ? '' : 's'} below first` : ''}.</p>`
    : `<p>${s.blockers} problem${s.blockers === 1 ? '' : 's'} must be fixed before the copy starts, or mail would be lost:</p><ol>${blockers.map((r) => `<li>${esc(r.title)}</li>`).join('')}</ol><p>Fix them, then run <code>mailshift assess</code> again.</p>`;
  const accountsChart = barChartSvg(
    a.accounts.map((x) => ({ label: x.sourceUser, value: x.source.totals.bytes, text: `${fmtBytes(x.source.totals.bytes)}, ${fmtCount(x.source.totals.messages)} msgs` })),
    'Mail to copy per account',
  );
  const hist = histogramSvg(a.histogram.labels, a.histogram.counts, 'Messages by size');
  const servers = a.servers
    .map((p) => {
      const cert = p.cert
        ? `${p.cert.trusted ? 'trusted' : '<b>not trusted</b>'}${p.cert.selfSigned ? ', self-signed' : ''}; valid for ${esc(p.cert.names.join(', ') || '?')}; issued by ${esc(p.cert.issuer ?? '?')}; expires ${fmtDate(p.cert.validTo)}`
        : p.tls === 'none' ? 'no encryption' : '–';
      return `<tr><td>${p.side}</td><td>${esc(p.host)}:${p.port}<br><small>${esc(p.preset)}, ${p.tls}${p.tlsProtocol ? ` ${esc(p.tlsProtocol)}` : ''}</small></td><td>${cert}</td><td class="${p.ok ? 'ok' : 'bad'}">${p.ok ? 'OK' : `${esc(p.failure!.reason)}<br><b>Fix:</b> ${esc(p.failure!.fix)}`}</td></tr>`;
    })
    .join('');
  const caps = (['source', 'destination'] as const)
    .map((side) => {
      const c = a.capabilities[side];
      if (!c) return `<h3>${side}</h3><p>Not known (no successful login).</p>`;
      const present = Object.entries(c.checked).filter(([, v]) => v).map(([k]) => k);
      return `<h3>${side}</h3><p>Has: ${esc(present.join(', ') || 'none')}${c.appendLimit ? ` — APPENDLIMIT ${fmtBytes(c.appendLimit)}` : ''}</p><p>Folder prefix and separator: ${esc(c.namespaces.personal.map((n) => `"${n.prefix}" / "${n.delimiter ?? ''}"`).join(', ') || '?')}</p>${
        c.missing.length ? `<table><tr><th>Missing</th><th>What it costs</th></tr>${c.missing.map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.cost)}</td></tr>`).join('')}</table>` : ''
      }`;
    })
    .join('');
  const accountRows = a.accounts
    .map((x) => {
      const q = x.destination.quota;
      const login = (l: typeof x.source.login) => (l.ok ? '<span class="ok">OK</span>' : `<span class="bad">${esc(l.failure?.kind ?? 'failed')}</span>`);
      return `<tr><td>${esc(x.sourceUser)} → ${esc(x.destinationUser)}</td><td>${login(x.source.login)}</td><td>${login(x.destination.login)}</td><td class="n">${x.source.totals.folders}</td><td class="n">${fmtCount(x.source.totals.messages)}</td><td class="n">${fmtBytes(x.source.totals.bytes)}</td><td class="d">${fmtDate(x.source.totals.oldest)}</td><td class="d">${fmtDate(x.source.totals.newest)}</td><td>${q?.storageLimit ? `${fmtBytes(q.storageUsed ?? 0)} of ${fmtBytes(q.storageLimit)}` : '–'}</td><td>${x.estimate ? esc(fmtDuration(x.estimate.seconds)) : '–'}</td></tr>`;
    })
    .join('');
  const details = a.accounts
    .map((x) => {
      if (!x.source.login.ok && !x.destination.login.ok) return '';
      const rows = x.source.folders
        .map((f) => {
          const m = x.mapping.find((y) => y.sourcePath === f.path);
          const notes = [...(m?.notes ?? []), ...(f.error ? [`read error: ${f.error}`] : [])];
          return `<tr${m?.action === 'exclude' ? ' class="excl"' : ''}><td>${esc(f.logicalPath)}${f.specialUse ? ` <small>${esc(f.specialUse)}</small>` : ''}</td><td class="n">${fmtCount(f.messages)}</td><td class="n">${fmtBytes(f.bytes)}</td><td class="d">${fmtDate(f.oldest)}</td><td class="d">${fmtDate(f.newest)}</td><td>${esc(m?.destinationLogicalPath ?? '–')}${m?.existsOnDestination ? ' <small>(exists)</small>' : ''}</td><td>${esc(m?.action ?? '–')}</td><td>${esc(notes.join('; '))}</td></tr>`;
        })
        .join('');
      const largest = x.source.largest.slice(0, 5).map((m) => `${esc(m.folder)} (UID ${m.uid}, ${fmtBytes(m.size)}, ${fmtDate(m.internalDate)})`).join('; ');
      return `<details><summary>${esc(x.sourceUser)} → ${esc(x.destinationUser)}: ${x.source.totals.folders} folders, ${fmtCount(x.source.totals.messages)} messages</summary>${
        x.mappingError ? `<p class="bad">Folder mapping failed: ${esc(x.mappingError)}</p>` : ''
      }<table><tr><th>Source folder</th><th>Messages</th><th>Size</th><th>Oldest</th><th>Newest</th><th>→ Destination folder</th><th>Action</th><th>Notes</th></tr>${rows}</table>${largest ? `<p>Largest messages: ${largest}</p>` : ''}</details>`;
    })
    .join('');
  const d = a.domainSnapshot;
  const ttl = (t?: number) => (t === undefined ? 'TTL unknown' : `TTL ${t} s`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail migration assessment: ${esc(a.job)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Microsoft YaHei",sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
.verdict{border:3px solid;border-radius:8px;padding:1em 1.4em;margin:1em 0}
.verdict.go{border-color:#2e8b57;background:#effaf2}.verdict.no-go{border-color:#c0392b;background:#fdf0ee}
.verdict h2{border:none;margin:0 0 .3em 0;font-size:1.6em}
.figures{display:flex;flex-wrap:wrap;gap:1.5em;margin-top:.6em}.figures div{min-width:9em}.figures b{display:block;font-size:1.3em}
.risk{border-left:6px solid;padding:.4em 1em;margin:.8em 0;background:#fafafa}
.risk.blocker{border-color:#c0392b}.risk.warning{border-color:#e6a700}.risk.info{border-color:#7f8c8d}
.risk h3{margin:.2em 0;font-size:1.05em}.sev{font-size:.8em;text-transform:uppercase;padding:.1em .5em;border-radius:3px;background:#eee}
.blocker .sev{background:#c0392b;color:#fff}.warning .sev{background:#e6a700;color:#fff}
table{border-collapse:collapse;width:100%;margin:.5em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;white-space:nowrap}td.d{white-space:nowrap}.ok{color:#2e8b57}.bad{color:#c0392b}tr.excl{color:#888}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}small{color:#666}
</style></head><body>
<h1>Mail migration assessment — ${esc(a.job)} (${esc(a.domain)})</h1>
<p><small>Generated ${esc(a.generatedAt)} by mailshift ${esc(a.mailshiftVersion)}. This check only read from the servers; nothing was changed.</small></p>
<section class="verdict ${a.verdict}" id="verdict">
<h2>${go ? 'GO — ready to start the copy' : 'NO-GO — fix the problems first'}</h2>
${summaryLines}
<div class="figures"><div>Accounts<b>${s.accountsAssessed} / ${s.accounts}</b><small>checked on both sides</small></div><div>Messages<b>${fmtCount(s.messages)}</b></div><div>Size<b>${fmtBytes(s.bytes)}</b></div><div>Estimated copy time<b>${esc(fmtDuration(s.estimatedSeconds))}</b></div><div>Blocking / warnings<b>${s.blockers} / ${s.warnings}</b></div></div>
</section>
<h2>What could lose mail, and what to do</h2>
${a.risks.length ? a.risks.map(riskHtml).join('\n') : '<p>Nothing found.</p>'}
<h2>Accounts</h2>
${accountsChart}
<table><tr><th>Account</th><th>Source login</th><th>Destination login</th><th>Folders</th><th>Messages</th><th>Size</th><th>Oldest</th><th>Newest</th><th>Destination quota</th><th>Estimate</th></tr>${accountRows}</table>
<h2>Message sizes</h2>
${hist}
${a.destinationLimit ? `<p>The destination accepts messages up to ${fmtBytes(a.destinationLimit.bytes)} (${esc(a.destinationLimit.from)}).</p>` : ''}
<h2>Folders and where they go</h2>
<p>This is exactly the folder plan the copy will use.</p>
${details}
<h2>Time estimate</h2>
<p>About <b>${esc(fmtDuration(a.estimate.totalSeconds))}</b> for everything.${a.estimate.probe ? ` Measured: ${a.estimate.probe.messagesPerSecond.toFixed(1)} messages/s, ${fmtBytes(a.estimate.probe.bytesPerSecond)}/s over ${a.estimate.probe.seconds.toFixed(1)} s.` : ''}</p>
<ul>${a.estimate.assumptions.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<h2>Servers</h2>
<table><tr><th>Side</th><th>Server</th><th>Certificate</th><th>Result</th></tr>${servers}</table>
${caps}
<h2>Domain DNS (${esc(d.domain)})</h2>
<table><tr><th>Record</th><th>Now</th></tr>
<tr><td>MX</td><td>${d.mx.values.length ? esc(d.mx.values.map((m) => `${m.priority} ${m.exchange}`).join(', ')) + ` (${ttl(d.mx.ttl)})` : esc(d.mx.error ?? 'none')}</td></tr>
<tr><td>SPF</td><td>${esc(d.spf.values.join(' / ') || d.spf.error || 'none')}</td></tr>
<tr><td>DMARC</td><td>${esc(d.dmarc.values.join(' / ') || d.dmarc.error || 'none')}</td></tr>
<tr><td>Autodiscover</td><td>${esc(d.autodiscover.values.join(', ') || d.autodiscover.error || 'none')}</td></tr></table>
<p><b>First cutover advice:</b></p><ul>${d.advice.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
</body></html>
`;
}
