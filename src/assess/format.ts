import { formatBytes } from '../i18n/format.js';
// Number and time formatting shared by the terminal, Markdown and HTML output.

/** Decimal units (1 MB = 10^6 bytes), as everywhere in mailshift (src/i18n/format.ts). */
export function fmtBytes(n: number | undefined): string {
  return formatBytes(n, 'en-GB');
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) {
    const h = Math.floor(seconds / 3600);
    const m = Math.round((seconds % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  return `${(seconds / 86400).toFixed(1)} days`;
}

export function fmtDate(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '–';
}
