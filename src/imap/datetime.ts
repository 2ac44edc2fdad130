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

/** RFC 3501 date-time (day may have a leading space or one digit); undefined when malformed. */
export function parseImapDateTime(s: string): Date | undefined {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const month = MONTH_INDEX[m[2]!.toUpperCase()];
  if (month === undefined) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  const t = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset;
  return Number.isNaN(t) ? undefined : new Date(t);
}
