import { InputError } from '../errors.js';

/** --since 2025-01-01 or --max-age 90d (12w, 6m, 1y) → the earliest received date copied now. */
export function sinceFromFlags(o: { since?: string; maxAge?: string }, now = new Date()): Date | undefined {
  if (o.since !== undefined && o.maxAge !== undefined) throw new InputError('--since and --max-age cannot be used together');
  if (o.since !== undefined) {
    const t = Date.parse(o.since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(o.since.trim()) || Number.isNaN(t)) throw new InputError(`--since: "${o.since}" is not a date like 2025-01-01`);
    return new Date(t);
  }
  if (o.maxAge !== undefined) {
    const m = /^\s*(\d+)\s*([dwmy])\s*$/i.exec(o.maxAge);
    if (!m || Number(m[1]) < 1) throw new InputError(`--max-age: "${o.maxAge}" is not an age like 90d, 12w, 6m or 1y`);
    const n = Number(m[1]);
    const d = new Date(now);
    const unit = m[2]!.toLowerCase();
    if (unit === 'd') d.setUTCDate(d.getUTCDate() - n);
    else if (unit === 'w') d.setUTCDate(d.getUTCDate() - 7 * n);
    else if (unit === 'm') d.setUTCMonth(d.getUTCMonth() - n);
    else d.setUTCFullYear(d.getUTCFullYear() - n);
    return d;
  }
  return undefined;
}
