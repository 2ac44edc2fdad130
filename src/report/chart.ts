import { esc } from './format.js';

export interface ChartText {
  none: string;
  label: (total: number, minutes: number, peak: number) => string;
  axisMinute: string;
  axisMessages: string;
  /** "16:03" in the job's time zone. */
  time: (at: Date) => string;
  messagesWord: string;
}

/**
 * An inline SVG bar chart of messages copied per minute (no script, no external asset, so it
 * renders offline and in print). Gaps between minutes are drawn as empty slots.
 */
export function throughputSvg(points: readonly { minute: string; messages: number; bytes: number }[], text: ChartText, width = 760, height = 220): string {
  if (points.length === 0) return `<p class="muted">${esc(text.none)}</p>`;
  const start = Date.parse(points[0]!.minute + ':00Z');
  const end = Date.parse(points.at(-1)!.minute + ':00Z');
  const slots = Math.min(Math.max(1, Math.round((end - start) / 60_000) + 1), 600);
  const perSlot = new Array<number>(slots).fill(0);
  for (const p of points) {
    const i = Math.min(slots - 1, Math.max(0, Math.round((Date.parse(p.minute + ':00Z') - start) / 60_000)));
    perSlot[i]! += p.messages;
  }
  const max = Math.max(...perSlot, 1);
  const left = 56;
  const bottom = 34;
  const top = 12;
  const plotW = width - left - 12;
  const plotH = height - top - bottom;
  const bw = plotW / slots;
  const at = (i: number) => text.time(new Date(start + i * 60_000));
  const bars = perSlot
    .map((v, i) => {
      const h = (v / max) * plotH;
      return `<rect x="${(left + i * bw + bw * 0.1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, bw * 0.8).toFixed(1)}" height="${h.toFixed(1)}" class="bar"><title>${esc(at(i))}: ${v} ${esc(text.messagesWord)}</title></rect>`;
    })
    .join('');
  const ticks = [0, 0.5, 1]
    .map((f) => {
      const y = top + plotH - f * plotH;
      return `<line x1="${left}" x2="${width - 12}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${Math.round(max * f)}</text>`;
    })
    .join('');
  const label = (i: number, anchor: string) => `<text x="${(left + i * bw + bw / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="${anchor}">${esc(at(i))}</text>`;
  const total = points.reduce((s, p) => s + p.messages, 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 ${width} ${height}" width="100%" class="chart" aria-label="${esc(text.label(total, slots, max))}">
<style>.bar{fill:#2f6fad}.grid{stroke:#ddd;stroke-width:1}text{font:11px sans-serif;fill:#444}</style>
${ticks}${bars}${label(0, 'start')}${slots > 1 ? label(slots - 1, 'end') : ''}
<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">${esc(text.axisMinute)}</text>
<text x="12" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">${esc(text.axisMessages)}</text>
</svg>`;
}
