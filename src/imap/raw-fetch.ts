import type { ImapFlow } from 'imapflow';
import { rawCommand, RawCommandError, type RawResponse } from './raw.js';

// The copier's two FETCHes on the bulk path, each answer parsed into just what it needs: the
// listing, `UID FETCH <set> (UID FLAGS INTERNALDATE RFC822.SIZE)`, and the bodies,
// `UID FETCH <set> (UID FLAGS INTERNALDATE BODY.PEEK[])`. BODY.PEEK never sets \Seen.

export interface FetchedBody {
  uid: number;
  flags: string[];
  internalDate?: Date;
  /** Listing only. */
  size?: number;
  /** Bodies only. Undefined when the server answered NIL (it cannot produce the message). */
  source?: Buffer;
}

/** What a FETCH asked for; an answer without it (an unsolicited flag update) is not an answer. */
export type FetchKind = 'body' | 'size';

type Token = { t: 'atom'; v: string } | { t: 'str'; v: Buffer } | { t: 'open' } | { t: 'close' } | { t: 'nil' };

/** Tokens of one response: atoms (with any [section] kept whole), strings, literals, parens. */
export function tokenize(r: RawResponse): Token[] {
  const out: Token[] = [];
  for (let s = 0; s < r.segments.length; s++) {
    const seg = r.segments[s]!;
    let end = seg.length;
    // Drop the line end, and the literal marker that the literal itself stands for.
    while (end > 0 && (seg[end - 1] === 0x0a || seg[end - 1] === 0x0d)) end--;
    const hasLiteral = s < r.literals.length;
    if (hasLiteral) {
      const open = seg.lastIndexOf(0x7b /* { */, end);
      end = open > 0 && seg[open - 1] === 0x7e /* ~ */ ? open - 1 : open;
    }
    let i = 0;
    while (i < end) {
      const ch = seg[i]!;
      if (ch === 0x20) {
        i++;
      } else if (ch === 0x28 /* ( */) {
        out.push({ t: 'open' });
        i++;
      } else if (ch === 0x29 /* ) */) {
        out.push({ t: 'close' });
        i++;
      } else if (ch === 0x22 /* " */) {
        const bytes: number[] = [];
        i++;
        while (i < end && seg[i] !== 0x22) {
          if (seg[i] === 0x5c /* \ */ && i + 1 < end) i++;
          bytes.push(seg[i]!);
          i++;
        }
        i++; // closing quote
        out.push({ t: 'str', v: Buffer.from(bytes) });
      } else {
        const start = i;
        let depth = 0;
        while (i < end) {
          const c = seg[i]!;
          if (c === 0x5b /* [ */) depth++;
          else if (c === 0x5d /* ] */) depth--;
          else if (depth === 0 && (c === 0x20 || c === 0x28 || c === 0x29)) break;
          i++;
        }
        const v = seg.toString('latin1', start, i);
        out.push(v.toUpperCase() === 'NIL' ? { t: 'nil' } : { t: 'atom', v });
      }
    }
    if (hasLiteral) out.push({ t: 'str', v: r.literals[s]! });
  }
  return out;
}

/** The message of one `* n FETCH (...)` response, or undefined for any other response. */
export function parseFetch(r: RawResponse, kind: FetchKind = 'body'): FetchedBody | undefined {
  const tk = tokenize(r);
  // * <seq> FETCH ( ... )
  if (tk.length < 4 || tk[0]?.t !== 'atom' || tk[0].v !== '*' || tk[2]?.t !== 'atom' || tk[2].v.toUpperCase() !== 'FETCH' || tk[3]?.t !== 'open') return undefined;
  const m: Partial<FetchedBody> & { flags: string[] } = { flags: [] };
  let hasBody = false;
  let i = 4;
  const skipValue = () => {
    if (tk[i]?.t !== 'open') return void i++;
    let depth = 0;
    do {
      if (tk[i]?.t === 'open') depth++;
      else if (tk[i]?.t === 'close') depth--;
      i++;
    } while (depth > 0 && i < tk.length);
  };
  while (i < tk.length && tk[i]!.t !== 'close') {
    const key = tk[i]!;
    i++;
    if (key.t !== 'atom') continue;
    const name = key.v.toUpperCase();
    const val = tk[i];
    if (name === 'UID' && val?.t === 'atom') {
      m.uid = Number(val.v);
      i++;
    } else if (name === 'FLAGS' && val?.t === 'open') {
      i++;
      while (i < tk.length && tk[i]!.t !== 'close') {
        const f = tk[i]!;
        if (f.t === 'atom' && f.v.toLowerCase() !== '\\recent') m.flags.push(f.v);
        i++;
      }
      i++;
    } else if (name === 'INTERNALDATE' && val?.t === 'str') {
      const d = parseInternalDate(val.v.toString('latin1'));
      if (d) m.internalDate = d;
      i++;
    } else if (name === 'RFC822.SIZE' && val?.t === 'atom') {
      m.size = Number(val.v);
      i++;
    } else if ((name === 'BODY[]' || name === 'RFC822' || name === 'BINARY[]') && (val?.t === 'str' || val?.t === 'nil')) {
      hasBody = true;
      if (val.t === 'str') m.source = val.v;
      i++;
    } else {
      skipValue();
    }
  }
  if (m.uid === undefined || !Number.isSafeInteger(m.uid)) return undefined;
  // A flags-only update (another session changed flags meanwhile) is not an answer to this FETCH.
  if (kind === 'body' ? !hasBody : m.size === undefined || !Number.isSafeInteger(m.size)) return undefined;
  m.flags.sort();
  return m as FetchedBody;
}

const MONTHS: Record<string, number> = { JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11 };

/** RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may have a leading space). */
export function parseInternalDate(s: string): Date | undefined {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s.trim());
  if (!m) return undefined;
  const month = MONTHS[m[2]!.toUpperCase()];
  if (month === undefined) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  const t = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset;
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Bodies of the given UIDs in the selected folder (read-only: BODY.PEEK). */
export function rawFetchBodies(client: ImapFlow, uidSet: string): Promise<Map<number, FetchedBody>> {
  return rawFetch(client, uidSet, 'body');
}

/** UID, flags, INTERNALDATE and size of the given UIDs (no bodies). */
export function rawFetchListing(client: ImapFlow, uidSet: string): Promise<Map<number, FetchedBody>> {
  return rawFetch(client, uidSet, 'size');
}

async function rawFetch(client: ImapFlow, uidSet: string, kind: FetchKind): Promise<Map<number, FetchedBody>> {
  if (!/^[\d:,*]+$/.test(uidSet)) throw new Error(`invalid UID set: ${uidSet.slice(0, 40)}`);
  const got = new Map<number, FetchedBody>();
  const items = kind === 'body' ? 'BODY.PEEK[]' : 'RFC822.SIZE';
  const t = await rawCommand(
    client,
    (tag, out) => out(`${tag} UID FETCH ${uidSet} (UID FLAGS INTERNALDATE ${items})\r\n`),
    (r) => {
      const m = parseFetch(r, kind);
      if (m) got.set(m.uid, m);
    },
  );
  if (t.status !== 'OK') throw new RawCommandError('UID FETCH', t);
  return got;
}
