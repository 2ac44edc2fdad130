import type { Lang } from '../i18n/index.js';
import { CATALOGUES } from '../kit/catalogue/index.js';
import type { Snapshot } from './snapshot.js';

// The dashboard page: one self-contained HTML file (no external asset) in one language. The
// server embeds the texts and the first snapshot; the inline script re-renders the same view
// from each server-sent event, so the page and its updates cannot drift apart.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export function renderDashboard(o: { lang: Lang; langs: readonly Lang[]; timeZone: string; token: string; snapshot: Snapshot }): string {
  const cat = CATALOGUES[o.lang];
  const D = cat.dashboard;
  const texts = {
    d: D,
    phase: cat.words.phase,
    outcome: cat.words.outcome,
    stepState: cat.checklist.state,
    steps: cat.checklist.steps,
    confirmed: cat.checklist.confirmed,
    planned: cat.checklist.planned,
    units: cat.units,
    // English pages show the stored line; other languages say what happened by its kind, and
    // keep the stored (English, technical) line as the row's tooltip.
    events: o.lang === 'en' ? null : cat.findings.event,
    locale: cat.meta.locale,
    timeZone: o.timeZone,
  };
  const links = o.langs
    .filter((l) => l !== o.lang)
    .map((l) => `<a href="?token=${encodeURIComponent(o.token)}&amp;lang=${encodeURIComponent(l)}">${esc(CATALOGUES[l].meta.name)}</a>`)
    .join(' ');
  return `<!DOCTYPE html>
<html lang="${esc(cat.meta.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(D.pageTitle.replace('{company}', o.snapshot.job.company))}</title>
<style>
*{box-sizing:border-box}
body{font-family:${cat.meta.fontStack};margin:0 auto;max-width:1100px;padding:16px;color:#1d2329;font-size:14px}
h1{font-size:22px;margin:0}h3{font-size:15px;margin:14px 0 4px}h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #d6dbe0;padding-bottom:3px}
.top{display:flex;justify-content:space-between;align-items:baseline;flex-wrap:wrap;gap:8px}
.muted{color:#666}.small{font-size:12px}
#live{font-size:12px;padding:2px 8px;border-radius:10px;background:#e8f5ea}#live.lost{background:#fde8e8}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e6e9;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f3f5f7}td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.bar{height:8px;background:#e3e6e9;border-radius:4px;overflow:hidden;min-width:60px}.bar i{display:block;height:100%;background:#2f6fad}
.good{color:#1e7a34}.warn{color:#8a6500}.bad{color:#b3261e}
.phases{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0;margin:0}.phases li{border:1px solid #d6dbe0;border-radius:6px;padding:4px 8px}
.phases li.complete{border-color:#4a9d5b}.phases li.running{border-color:#2f6fad}.phases li.failed,.phases li.incomplete{border-color:#d9a400}
nav{font-size:12px}
</style>
</head>
<body>
<div class="top"><h1>${esc(D.title)}</h1><nav>${links}</nav></div>
<p class="muted small">${esc(o.snapshot.job.company)} · ${esc(o.snapshot.job.domain)} · <span id="live">${esc(D.live)}</span> <span id="updated"></span></p>
<p class="muted small">${esc(D.readOnly)}</p>
<div id="view"></div>
<script id="texts" type="application/json">${scriptJson(texts)}</script>
<script id="first" type="application/json">${scriptJson(o.snapshot)}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}

// Plain browser JavaScript (no build step): renders a snapshot into #view.
const CLIENT = String.raw`
(function () {
  var T = JSON.parse(document.getElementById('texts').textContent);
  var D = T.d;
  var nf = new Intl.NumberFormat(T.locale);
  var df = new Intl.DateTimeFormat(T.locale, { timeZone: T.timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  function e(s) { return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function when(s) { return s ? df.format(new Date(s)) : '—'; }
  function what(x) {
    if (!T.events) return x.message;
    var who = /^([^\s:]+@[^\s:]+): /.exec(x.message);
    var label = T.events[x.kind] || fill(T.events.other, { kind: x.kind });
    return (who ? who[1] + ': ' : '') + label;
  }
  function fill(t, v) { return t.replace(/\{(\w+)\}/g, function (m, k) { return v[k] == null ? m : v[k]; }); }
  function word(map, k) { var h = String(k).split(' ')[0]; return map[k] || map[h] || k; }
  function dur(sec) {
    if (sec == null) return T.units.notMeasured;
    if (sec === 0) return D.etaDone;
    if (sec < 60) return Math.max(1, Math.round(sec)) + ' ' + T.units.s;
    var m = Math.round(sec / 60);
    if (m < 60) return m + ' ' + T.units.min;
    return Math.floor(m / 60) + ' ' + T.units.h + ' ' + (m % 60) + ' ' + T.units.min;
  }
  /** A measured span (a lag, a delivery time): tenths below 10 s, else as dur(). */
  function span(sec) { return sec < 60 ? (sec < 10 ? nf.format(Math.round(sec * 10) / 10) : nf.format(Math.round(sec))) + ' ' + T.units.s : dur(sec); }
  function rate(r) { return r == null ? T.units.notMeasured : nf.format(Math.round(r)); }
  function tone(o) { return o === 'complete' ? 'good' : o === 'failed' ? 'bad' : o === 'running' ? '' : 'warn'; }
  function render(s) {
    var h = [];
    if (!s.hasStore) h.push('<p class="muted" id="nodata">' + e(D.noData) + '</p>');
    h.push('<h2>' + e(D.phases) + '</h2>');
    h.push(s.phases.length ? '<ol class="phases" id="phases">' + s.phases.map(function (p) {
      return '<li class="' + e(p.outcome) + '"><b>' + e(word(T.phase, p.phase)) + '</b> · <span class="' + tone(p.outcome) + '">' + e(word(T.outcome, p.outcome)) + '</span><br><span class="small muted">' + e(when(p.startedAt)) + ' – ' + e(p.finishedAt ? when(p.finishedAt) : '') + '</span></li>';
    }).join('') + '</ol>' : '<p class="muted">' + e(D.noPhases) + '</p>');
    h.push('<h2>' + e(D.accounts) + '</h2>');
    if (!s.accounts.length) h.push('<p class="muted">' + e(D.noAccounts) + '</p>');
    else {
      h.push('<table id="accounts"><thead><tr><th>' + e(D.colAccount) + '</th><th>' + e(D.colState) + '</th><th class="n">' + e(D.colCopied) + '</th><th class="n">' + e(D.colTotal) + '</th><th></th><th class="n">' + e(D.colPending) + '</th><th class="n">' + e(D.colFailed) + '</th><th class="n">' + e(D.colRate) + '</th><th class="n">' + e(D.colEta) + '</th></tr></thead><tbody>');
      s.accounts.concat([{ account: D.overall, overall: true, state: '', copied: s.totals.copied, total: s.totals.total, pending: s.totals.pending, failed: s.totals.failed, ratePerMinute: s.totals.ratePerMinute, etaSeconds: s.totals.etaSeconds }]).forEach(function (a) {
        var pct = a.total ? Math.round((a.copied / a.total) * 100) : 0;
        h.push('<tr' + (a.overall ? ' id="overall" style="font-weight:700"' : ' data-account="' + e(a.account) + '"') + '><td>' + e(a.account) + '</td><td>' + e(a.state ? word(T.outcome, a.state) : '') + '</td><td class="n copied">' + nf.format(a.copied) + '</td><td class="n total">' + nf.format(a.total) + '</td><td><div class="bar"><i style="width:' + pct + '%"></i></div></td><td class="n pending">' + nf.format(a.pending) + '</td><td class="n ' + (a.failed ? 'bad' : '') + '">' + nf.format(a.failed) + '</td><td class="n rate">' + e(rate(a.ratePerMinute)) + '</td><td class="n eta">' + e(dur(a.etaSeconds)) + '</td></tr>');
      });
      h.push('</tbody></table>');
    }
    h.push('<h2>' + e(D.dualRun) + '</h2><div id="dualrun">');
    if (!s.dualRun.state) h.push('<p class="muted">' + e(D.dualNone) + '</p>');
    else {
      h.push('<p>' + e(fill(D.dualState, { state: word(T.outcome, s.dualRun.state), at: when(s.dualRun.startedAt) })) + '</p>');
      var hl = s.dualRun.health;
      // The reason is the store's (English, technical) line: the tooltip, as for events.
      if (hl) h.push('<p id="health" data-state="' + e(hl.state) + '" class="' + (hl.state === 'healthy' ? 'good' : hl.state === 'stalled' ? 'bad' : 'warn') + '" title="' + e(hl.reason) + '">' + e(fill(D.healthLine, { state: D.health[hl.state] || hl.state, last: when(hl.lastPassAt), next: when(hl.nextPassAt), lag: hl.lagSeconds == null ? T.units.notMeasured : span(hl.lagSeconds) })) + '</p>');
      var bad = s.dualRun.events.filter(function (x) { return x.level !== 'info'; });
      h.push(bad.length ? '<ul>' + bad.map(function (x) { return '<li class="' + (x.level === 'error' ? 'bad' : 'warn') + '" title="' + e(x.message) + '">' + e(when(x.at)) + ': ' + e(what(x)) + '</li>'; }).join('') + '</ul>' : '<p class="good">' + e(D.healthy) + '</p>');
    }
    h.push('<h3>' + e(D.canaries) + '</h3>');
    if (!s.dualRun.canaries.length) h.push('<p class="muted" id="nocanaries">' + e(D.canaryNone) + '</p>');
    else {
      h.push('<table id="canaries"><thead><tr><th>' + e(D.colSent) + '</th><th>' + e(D.colMx) + '</th><th class="n">' + e(D.colDelivery) + '</th><th class="n">' + e(D.colLag) + '</th><th>' + e(D.colResult) + '</th></tr></thead><tbody>' + s.dualRun.canaries.map(function (c) {
        var ok = c.state === 'copied' || c.state === 'delivered';
        return '<tr data-state="' + e(c.state) + '"><td class="n">' + e(when(c.sentAt)) + '</td><td translate="no">' + e(c.mx) + '</td><td class="n">' + e(c.deliverySeconds == null ? '—' : span(c.deliverySeconds)) + '</td><td class="n lag">' + e(c.lagSeconds == null ? '—' : span(c.lagSeconds)) + '</td><td class="' + (ok ? 'good' : c.state === 'sent' ? '' : 'bad') + '">' + e(D.canaryState[c.state] || c.state) + '</td></tr>';
      }).join('') + '</tbody></table>');
    }
    h.push('</div><h2>' + e(D.adoption) + '</h2><div id="adoption">');
    var ad = s.adoption;
    h.push(ad ? '<p class="' + (ad.people && ad.active / ad.people >= 0.9 ? 'good' : 'warn') + '">' + e(fill(D.adoptionLine, { active: nf.format(ad.active), people: nf.format(ad.people), since: when(ad.since), share: ad.people ? Math.round((ad.active / ad.people) * 100) : 0, at: when(ad.at) })) + '</p>' : '<p class="muted">' + e(D.adoptionNone) + '</p>');
    h.push('</div><h2>' + e(D.cutover) + '</h2><div id="cutover">');
    var at = s.cutover.confirmedAt || s.cutover.plannedAt;
    if (!at) h.push('<p class="muted">' + e(D.cutoverNone) + '</p>');
    else {
      h.push('<p>' + e(fill(D.cutoverAt, { at: when(at), kind: s.cutover.confirmedAt ? T.confirmed : T.planned })) + '</p>');
      h.push('<table><tbody>' + s.cutover.steps.map(function (st) {
        return '<tr data-step="' + e(st.key) + '"><td class="n">' + st.seq + '</td><td>' + e(T.steps[st.key] || st.title) + '</td><td class="n">' + e(when(st.dueAt)) + '</td><td class="' + (st.state === 'pass' || st.state === 'done' ? 'good' : st.state === 'fail' ? 'bad' : st.state === 'warn' ? 'warn' : '') + '">' + e(T.stepState[st.state] || st.state) + '</td></tr>';
      }).join('') + '</tbody></table>');
    }
    h.push('</div><h2>' + e(D.audit) + '</h2>');
    h.push('<table id="audit"><thead><tr><th>' + e(D.colTime) + '</th><th>' + e(D.colLevel) + '</th><th>' + e(D.colWhat) + '</th></tr></thead><tbody>' + s.audit.map(function (x) {
      return '<tr><td class="n">' + e(when(x.at)) + '</td><td class="' + (x.level === 'error' ? 'bad' : x.level === 'warn' ? 'warn' : '') + '">' + e(D.level[x.level] || x.level) + '</td><td title="' + e(x.message) + '">' + e(what(x)) + '</td></tr>';
    }).join('') + '</tbody></table>');
    document.getElementById('view').innerHTML = h.join('');
    document.getElementById('updated').textContent = fill(D.updated, { at: when(s.at) });
  }
  render(JSON.parse(document.getElementById('first').textContent));
  var live = document.getElementById('live');
  var token = new URLSearchParams(location.search).get('token') || '';
  var src = new EventSource('events?token=' + encodeURIComponent(token));
  src.onmessage = function (m) { live.className = ''; live.textContent = D.live; render(JSON.parse(m.data)); };
  src.onerror = function () { live.className = 'lost'; live.textContent = D.lost; };
})();
`;
