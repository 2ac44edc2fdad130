import type { Catalogue } from '../kit/catalogue/index.js';

// One way to write numbers, sizes, dates and durations in everything people read.
// Sizes are decimal (1 MB = 1,000,000 bytes, 1 GB = 10^9 bytes): the way providers state quotas
// and attachment limits, so a figure here compares directly with the provider's own page.
// Dates and times are written in the job's time zone (config `timezone:`), through Intl.

export const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(n: number | null | undefined, locale = 'en-GB'): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < SIZE_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v)} ${SIZE_UNITS[u]}`;
}

/** The time zone the host runs in (what `timezone:` defaults to). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Formatter bound to one language and one time zone. */
export class Fmt {
  readonly locale: string;
  private readonly dt: Intl.DateTimeFormat;
  private readonly d: Intl.DateTimeFormat;
  private readonly hm: Intl.DateTimeFormat;
  private readonly n: Intl.NumberFormat;
  private readonly zoneName: string;

  constructor(
    readonly cat: Catalogue,
    readonly timeZone: string,
  ) {
    this.locale = cat.meta.locale;
    this.dt = new Intl.DateTimeFormat(this.locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.d = new Intl.DateTimeFormat(this.locale, { timeZone, year: 'numeric', month: 'short', day: 'numeric' });
    this.hm = new Intl.DateTimeFormat(this.locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.n = new Intl.NumberFormat(this.locale);
    this.zoneName = timeZone;
  }

  /** "1 Dec 2026, 16:03" in the job's zone; a dash for nothing. */
  dateTime(iso: string | Date | null | undefined): string {
    const t = toDate(iso);
    return t ? this.dt.format(t) : '—';
  }

  date(iso: string | Date | null | undefined): string {
    const t = toDate(iso);
    return t ? this.d.format(t) : '—';
  }

  time(iso: string | Date | null | undefined): string {
    const t = toDate(iso);
    return t ? this.hm.format(t) : '—';
  }

  /** The zone as people read it: "Asia/Hong_Kong (UTC+08:00)". */
  zone(at = new Date()): string {
    const off = new Intl.DateTimeFormat('en', { timeZone: this.zoneName, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
    return `${this.zoneName} (${off.replace('GMT', 'UTC') || 'UTC'})`;
  }

  num(n: number): string {
    return this.n.format(n);
  }

  bytes(n: number | null | undefined): string {
    return formatBytes(n, this.locale);
  }

  /** Seconds as "3 h 20 min" in the language's units; null means "not measured". */
  duration(seconds: number | null | undefined): string {
    const u = this.cat.units;
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return u.notMeasured;
    if (seconds < 60) return `${Math.max(0, Math.round(seconds))} ${u.s}`;
    const m = Math.round(seconds / 60);
    if (m < 60) return `${m} ${u.min}`;
    const h = Math.floor(m / 60);
    if (h < 48) return m % 60 ? `${h} ${u.h} ${m % 60} ${u.min}` : `${h} ${u.h}`;
    return `${(seconds / 86400).toFixed(1)} ${u.days}`;
  }
}

function toDate(v: string | Date | null | undefined): Date | undefined {
  if (!v) return undefined;
  const t = v instanceof Date ? v : new Date(v);
  return Number.isNaN(t.getTime()) ? undefined : t;
}
