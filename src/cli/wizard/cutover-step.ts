import { isTimeZone, systemTimeZone } from '../../i18n/format.js';
import { askText } from '../prompts.js';
import type { WizardIO } from './index.js';

// The cutover window: the job's time zone and the planned MX switch, typed as a local time in
// that zone and written with its UTC offset (cutover.at). Empty: decided later with `cutover plan`.

export interface CutoverWindow {
  timezone: string;
  at?: string;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})$/;

/** Minutes east of UTC of `tz` at the instant `utcMs`. */
function offsetMinutes(tz: string, utcMs: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) : 0;
}

/** "2026-12-05 10:00" in `tz` as an ISO date-time with that zone's offset, or undefined when it is not a real time there. */
export function localToIso(text: string, tz: string): string | undefined {
  const m = LOCAL.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(asUtc).getUTCDate() !== d) return undefined;
  // Two passes: the offset at the guessed instant, then at the corrected one (DST edges).
  let off = offsetMinutes(tz, asUtc);
  off = offsetMinutes(tz, asUtc - off * 60_000);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export async function askCutoverWindow(io: WizardIO, now = Date.now()): Promise<CutoverWindow> {
  const timezone = (await askText('Time zone for the dates people read (IANA name)', systemTimeZone(), (v) => isTimeZone(v.trim()) || 'a time zone name like Asia/Hong_Kong')).trim();
  const at = (
    await askText(`Planned MX switch, ${timezone} time (YYYY-MM-DD HH:MM; empty: decide later with "mailshift cutover plan")`, undefined, (v) => {
      if (!v.trim()) return true;
      const iso = localToIso(v, timezone);
      if (!iso) return 'a date and time like 2026-12-05 10:00';
      return Date.parse(iso) > now || 'that time has passed; give a time in the future';
    })
  ).trim();
  if (!at) return { timezone };
  const iso = localToIso(at, timezone)!;
  io.say(`  dual-run keeps both systems in step until ${iso}; "mailshift run" then stops and says which MX records to change`);
  return { timezone, at: iso };
}
