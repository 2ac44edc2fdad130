import { describe, expect, it } from 'vitest';
import { decodeMailboxName, encodeMailboxName, wireMailboxName } from '../../src/imap/mutf7.js';
import { formatImapDateTime, parseImapDateTime } from '../../src/imap/datetime.js';

// mailshift's own modified UTF-7 (RFC 3501 5.1.3) and IMAP date-time, instead of imapflow's
// internals.

describe('modified UTF-7 mailbox names', () => {
  it('encodes the RFC examples and CJK names', () => {
    // RFC 3501 5.1.3: "~peter/mail/台北/日本語"
    expect(encodeMailboxName('~peter/mail/台北/日本語')).toBe('~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    expect(encodeMailboxName('客戶')).toBe('&W6JiNg-');
    expect(encodeMailboxName('INBOX.客戶.2024')).toBe('INBOX.&W6JiNg-.2024');
    expect(encodeMailboxName('Tom & Jerry')).toBe('Tom &- Jerry');
    expect(encodeMailboxName('Entwürfe')).toBe('Entw&APw-rfe');
    expect(decodeMailboxName('&U,BTFw-')).toBe('台北');
  });

  it('round-trips every kind of name', () => {
    const names = ['客戶', '客戶/報價 2024', '已傳送郵件', '草稿箱', 'Sent Items', 'a&b', '&&', 'Ünïcödé', 'emoji 📧 box', '\u0001ctl', 'x-y_z.[1]', '营销&推广'];
    for (const n of names) {
      const w = encodeMailboxName(n);
      expect(/^[\x20-\x7e]*$/.test(w), w).toBe(true);
      expect(decodeMailboxName(w)).toBe(n);
    }
  });

  it('refuses malformed names, and leaves names as they are where UTF-8 is accepted', () => {
    expect(() => decodeMailboxName('&U,BTFw')).toThrow(/malformed/);
    expect(() => decodeMailboxName('&*-')).toThrow(/malformed/);
    expect(wireMailboxName('客戶', true)).toBe('客戶');
    expect(wireMailboxName('客戶', false)).toBe('&W6JiNg-');
    expect(wireMailboxName('INBOX', false)).toBe('INBOX');
  });
});

describe('IMAP date-time', () => {
  it('formats in UTC with a space-padded day, and parses back to the same instant', () => {
    expect(formatImapDateTime(new Date('2024-03-05T07:08:09Z'))).toBe(' 5-Mar-2024 07:08:09 +0000');
    expect(formatImapDateTime(new Date('1999-12-31T23:59:59.900Z'))).toBe('31-Dec-1999 23:59:59 +0000');
    expect(formatImapDateTime(new Date('nope'))).toBeUndefined();
    for (let i = 0; i < 200; i++) {
      const d = new Date(Date.UTC(1990 + (i % 40), i % 12, 1 + (i % 28), i % 24, (i * 7) % 60, (i * 13) % 60));
      expect(parseImapDateTime(formatImapDateTime(d)!)?.getTime()).toBe(d.getTime());
    }
  });
  it('reads zones and rejects malformed dates', () => {
    expect(parseImapDateTime('17-Jul-1996 02:44:25 -0700')?.toISOString()).toBe('1996-07-17T09:44:25.000Z');
    expect(parseImapDateTime(' 1-Jan-2026 08:00:00 +0800')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseImapDateTime('1-Foo-2026 00:00:00 +0000')).toBeUndefined();
  });
  it('reads the fixed-width form by position exactly as the general pattern reads it', () => {
    // The general reading (the regular expression), applied to every string the fast path sees.
    const MON = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
    const general = (s: string) => {
      const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s.trim());
      const month = m ? MON.indexOf(m[2]!.toUpperCase()) : -1;
      if (!m || month < 0) return undefined;
      return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
    };
    const pieces = ['0', '1', '9', ' ', '-', ':', '+', 'x', 'Jan', 'jAN', 'Feb', 'Dec', 'Foo'];
    let seed = 11;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const cases = [' 2-Mar-2025 09:05:01 +0800', '28-Feb-2024 23:59:59 -0130', '31-dec-1999 00:00:00 +1400', '00-Jan-2024 99:99:99 +9999', ' 1-Jan-2026 00:00:00 0000', '1 -Jan-2026 00:00:00 +0000'];
    for (let i = 0; i < 4000; i++) {
      // Valid-looking dates with one position disturbed, so the fast path's checks are exercised.
      const d = new Date(Date.UTC(1970 + rnd(80), rnd(12), 1 + rnd(31), rnd(24), rnd(60), rnd(60)));
      const s = formatImapDateTime(d)!.replace('+0000', `${rnd(2) ? '+' : '-'}${String(rnd(15)).padStart(2, '0')}${String(rnd(60)).padStart(2, '0')}`);
      const at = rnd(s.length + 5);
      cases.push(at < s.length ? s.slice(0, at) + pieces[rnd(pieces.length)] + s.slice(at + 1) : s);
    }
    for (const c of cases) expect(parseImapDateTime(c)?.getTime(), JSON.stringify(c)).toBe(general(c));
  });
});
