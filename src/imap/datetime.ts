// IMAP date-time (RFC 3501 9, date-time): "dd-Mon-yyyy hh:mm:ss +zzzz", the day padded with a
// space. Used for APPEND's INTERNALDATE and read from FETCH INTERNALDATE.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX: Record<string, number> = Object.fromEntries(MONTHS.map((m, i) => [m.toUpperCase(), i]));

const two = (n: number) => String(n).padStart(2, '0');

/** The instant in UTC ("+0000"): the server keeps the instant; the zone is not the user's anyway. */
export function formatImapDateTime(d: Date): string | undefined {
  if (Number.isNaN(d.getTime())) return undefined;
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${day}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

const digits = (s: string, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
};

/**
 * The form every server sends, "dd-Mon-yyyy hh:mm:ss +zzzz" with the day space-padded (26
 * characters), read by position: one per message listed and one per message fetched, so the
 * regular expression below is only for the rest. Undefined when it is not in that form.
 */
function parseFixed(s: string): Date | undefined {
  if (s.length !== 26 || s.charCodeAt(2) !== 0x2d || s.charCodeAt(6) !== 0x2d || s.charCodeAt(11) !== 0x20 || s.charCodeAt(14) !== 0x3a || s.charCodeAt(17) !== 0x3a || s.charCodeAt(20) !== 0x20) return undefined;
  const day = s.charCodeAt(0) === 0x20 ? digits(s, 1, 1) : digits(s, 0, 2);
  const month = MONTH_INDEX[s.slice(3, 6).toUpperCase()];
  const sign = s.charCodeAt(21) === 0x2d ? -1 : s.charCodeAt(21) === 0x2b ? 1 : 0;
  const year = digits(s, 7, 4);
  const hh = digits(s, 12, 2);
  const mm = digits(s, 15, 2);
  const ss = digits(s, 18, 2);
  const oh = digits(s, 22, 2);
  const om = digits(s, 24, 2);
  if (month === undefined || !sign || Number.isNaN(day + year + hh + mm + ss + oh + om)) return undefined;
  const t = Date.UTC(year, month, day, hh, mm, ss) - sign * (oh * 60 + om) * 60_000;
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** RFC 3501 date-time (day may have a leading space or one digit); undefined when malformed. */
export function parseImapDateTime(s: string): Date | undefined {
  const fixed = parseFixed(s);
  if (fixed) return fixed;
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const month = MONTH_INDEX[m[2]!.toUpperCase()];
  if (month === undefined) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  const t = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset;
  return Number.isNaN(t) ? undefined : new Date(t);
}
