import { InputError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "72h", "90m", "2d", "45s" or plain seconds ("300") -> milliseconds; anything else is invalid input. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  const value = m ? Number(m[1]) * UNITS[(m[2] || 's').toLowerCase()]! : NaN;
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`${flag}: "${text}" is not a duration (use e.g. 72h, 90m, 2d or seconds)`);
  return Math.round(value * 1000);
}
