import { esc } from './format.js';

// The dual-run's lag chart: each canary round as a point in time, with two series - how long
// the MX took to deliver it (delivery) and how long until mailshift had it on the destination
// (end-to-end lag) - and lost canaries marked on the time axis. Inline SVG, no script, so it
// renders offline and in print like the throughput chart.

export interface LagPoint {
  sentAt: string;
  state: string;
  deliverySeconds: number | null;
  lagSeconds: number | null;
}

export interface LagChartText {
  none: string;
  /** The chart's accessible name, e.g. "12 canaries, 1 lost, at most 95 s end to end". */
  label: (canaries: number, lost: number, peak: number) => string;
  axisTime: string;
  axisSeconds: string;
  delivery: string;
  endToEnd: string;
  lost: string;
  /** "16:03" in the job's time zone. */
  time: (at: Date) => string;
  seconds: (s: number) => string;
}

const lostState = (s: string) => s === 'lost' || s === 'failed';

export function lagSvg(points: readonly LagPoint[], text: LagChartText, width = 760, height = 240): string {
  if (points.length === 0) return `<p class="muted">${esc(text.none)}</p>`;
  const ts = points.map((p) => Date.parse(p.sentAt));
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const span = Math.max(1, t1 - t0);
  const peak = Math.max(1, ...points.flatMap((p) => [p.deliverySeconds ?? 0, p.lagSeconds ?? 0]));
  const left = 56;
  const right = 12;
  const top = 28;
  const bottom = 34;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  // One point alone sits in the middle; otherwise the first and last at the edges.
  const x = (t: number) => (points.length === 1 ? left + plotW / 2 : left + ((t - t0) / span) * plotW);
  const y = (s: number) => top + plotH - (s / peak) * plotH;
  const series = (key: 'deliverySeconds' | 'lagSeconds', cls: string, name: string) => {
    const pts = points.map((p, i) => ({ p, t: ts[i]! })).filter(({ p }) => p[key] !== null);
    const line = pts.length > 1 ? `<polyline class="${cls}" fill="none" points="${pts.map(({ p, t }) => `${x(t).toFixed(1)},${y(p[key]!).toFixed(1)}`).join(' ')}"/>` : '';
    const dots = pts
      .map(({ p, t }) => `<circle class="pt ${cls}" cx="${x(t).toFixed(1)}" cy="${y(p[key]!).toFixed(1)}" r="3.5"><title>${esc(text.time(new Date(t)))}: ${esc(name)} ${esc(text.seconds(p[key]!))}</title></circle>`)
      .join('');
    return line + dots;
  };
  const lost = points
    .map((p, i) => ({ p, t: ts[i]! }))
    .filter(({ p }) => lostState(p.state))
    .map(({ t }) => {
      const cx = x(t);
      const cy = top + plotH;
      return `<path class="pt lost" d="M${(cx - 4).toFixed(1)},${(cy - 4).toFixed(1)}L${(cx + 4).toFixed(1)},${(cy + 4).toFixed(1)}M${(cx - 4).toFixed(1)},${(cy + 4).toFixed(1)}L${(cx + 4).toFixed(1)},${(cy - 4).toFixed(1)}"><title>${esc(text.time(new Date(t)))}: ${esc(text.lost)}</title></path>`;
    })
    .join('');
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const yy = top + plotH - f * plotH;
      return `<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" class="grid"/><text x="${left - 6}" y="${yy + 4}" text-anchor="end">${esc(text.seconds(Math.round(peak * f)))}</text>`;
    })
    .join('');
  const timeLabel = (t: number, anchor: string) => `<text x="${x(t).toFixed(1)}" y="${height - bottom + 16}" text-anchor="${anchor}">${esc(text.time(new Date(t)))}</text>`;
  const legend = [
    ['delivery', text.delivery],
    ['lag', text.endToEnd],
    ['lost', text.lost],
  ]
    .map(([cls, name], i) => `<g class="legend" transform="translate(${left + i * 200} 8)"><rect class="key ${cls}" width="10" height="10"/><text x="16" y="9">${esc(name!)}</text></g>`)
    .join('');
  const nLost = points.filter((p) => lostState(p.state)).length;
  const maxLag = Math.max(0, ...points.map((p) => p.lagSeconds ?? 0));
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="100%" class="chart lag-chart" aria-label="${esc(text.label(points.length, nLost, Math.round(maxLag)))}">
<style>.delivery{stroke:#2f6fad;fill:#2f6fad}.lag{stroke:#d08a1f;fill:#d08a1f}polyline{stroke-width:1.5;fill:none}.lost{stroke:#c0392b;stroke-width:2;fill:#c0392b}.grid{stroke:#ddd;stroke-width:1}text{font:11px sans-serif;fill:#444}</style>
${legend}${ticks}${series('deliverySeconds', 'delivery', text.delivery)}${series('lagSeconds', 'lag', text.endToEnd)}${lost}${timeLabel(t0, points.length === 1 ? 'middle' : 'start')}${points.length > 1 ? timeLabel(t1, 'end') : ''}
<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">${esc(text.axisTime)}</text>
<text x="12" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">${esc(text.axisSeconds)}</text>
</svg>`;
}
