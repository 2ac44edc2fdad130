import { parseImapDateTime } from '../datetime.js';
import { bodyBuffer, type Body } from './body.js';
import type { RawResponse } from './framer.js';

// Reading the responses BulkConnection frames: tagged results, the untagged data a SELECT,
// SEARCH, STATUS or a concurrent change sends, and the FETCH answers the copier asks for.

export interface Tagged {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code in brackets, e.g. "APPENDUID 1 5:7", without the brackets. */
  code?: string;
  text: string;
}

export interface FetchedMessage {
  uid: number;
  flags: string[];
  internalDate?: Date;
  size?: number;
  /** BODY[], in the pieces it was read in: undefined when the server answered NIL (it cannot produce the message). */
  source?: Body;
  /** BODY[HEADER]. */
  headers?: Buffer;
}

/** What a FETCH asked for; an answer without it (an unsolicited flag update) is not an answer. */
export type FetchKind = 'body' | 'size' | 'header';

/** A quoted string is a Buffer; a literal stays in its pieces ('lit'). */
type Token = { t: 'atom'; v: string } | { t: 'str'; v: Buffer } | { t: 'lit'; v: Body } | { t: 'open' } | { t: 'close' } | { t: 'nil' };

const OPEN: Token = { t: 'open' };
const CLOSE: Token = { t: 'close' };
const NIL: Token = { t: 'nil' };

/** A string or literal token's bytes as one buffer (a literal over several reads is joined). */
const bytesOf = (tk: Token): Buffer => (tk.t === 'str' ? tk.v : tk.t === 'lit' ? bodyBuffer(tk.v) : Buffer.alloc(0));

/** The first line without its line end, as text. */
export function firstLine(r: RawResponse): string {
  const seg = r.segments[0]!;
  let end = seg.length;
  if (end > 0 && seg[end - 1] === 0x0a) end--;
  if (end > 0 && seg[end - 1] === 0x0d) end--;
  return seg.toString('utf8', 0, end);
}

/** `<tag> OK|NO|BAD [code] text`, or undefined when the line is not a tagged status. */
export function parseTagged(line: string): { tag: string; result: Tagged } | undefined {
  const t = /^(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])? ?(.*)$/i.exec(line);
  if (!t || t[1] === '*' || t[1] === '+') return undefined;
  return { tag: t[1]!, result: { status: t[2]!.toUpperCase() as Tagged['status'], ...(t[3] ? { code: t[3] } : {}), text: t[4] ?? '' } };
}

/** Capabilities from "CAPABILITY a b c" (a response code or an untagged response). */
export function parseCapabilityList(text: string): Map<string, boolean | number> {
  const caps = new Map<string, boolean | number>();
  for (const word of text.trim().split(/\s+/).slice(1)) {
    const up = word.toUpperCase();
    const lim = /^(APPENDLIMIT)=(\d+)$/.exec(up);
    if (lim) caps.set(lim[1]!, Number(lim[2]));
    else caps.set(up === 'IMAP4REV1' ? 'IMAP4rev1' : up === 'IMAP4REV2' ? 'IMAP4rev2' : up, true);
  }
  return caps;
}

/**
 * Tokens of one response: atoms (with any [section] kept whole), strings, literals, parens.
 * Each segment is read as text once (latin1: one byte, one character) and atoms are slices of
 * it: a FETCH answer has a dozen atoms, and a conversion per atom was a cost per message.
 */
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
    const text = seg.toString('latin1', 0, Math.max(0, end));
    end = text.length;
    let i = 0;
    while (i < end) {
      const ch = text.charCodeAt(i);
      if (ch === 0x20) {
        i++;
      } else if (ch === 0x28 /* ( */) {
        out.push(OPEN);
        i++;
      } else if (ch === 0x29 /* ) */) {
        out.push(CLOSE);
        i++;
      } else if (ch === 0x22 /* " */) {
        const close = text.indexOf('"', i + 1);
        const esc = text.indexOf('\\', i + 1);
        if (close >= 0 && (esc < 0 || esc > close)) {
          // No escapes (an INTERNALDATE, nearly every string): the bytes as they are.
          out.push({ t: 'str', v: seg.subarray(i + 1, close) });
          i = close + 1;
          continue;
        }
        const bytes: number[] = [];
        i++;
        while (i < end && text.charCodeAt(i) !== 0x22) {
          if (text.charCodeAt(i) === 0x5c /* \ */ && i + 1 < end) i++;
          bytes.push(text.charCodeAt(i));
          i++;
        }
        i++; // closing quote
        out.push({ t: 'str', v: Buffer.from(bytes) });
      } else {
        const start = i;
        let depth = 0;
        while (i < end) {
          const c = text.charCodeAt(i);
          if (c === 0x5b /* [ */) depth++;
          else if (c === 0x5d /* ] */) depth--;
          else if (depth === 0 && (c === 0x20 || c === 0x28 || c === 0x29)) break;
          i++;
        }
        const v = text.slice(start, i);
        out.push(v.length === 3 && v.toUpperCase() === 'NIL' ? NIL : { t: 'atom', v });
      }
    }
    if (hasLiteral) out.push({ t: 'lit', v: r.literals[s]! });
  }
  return out;
}

/** The message of one `* n FETCH (...)` response, or undefined for any other response. */
export function parseFetch(r: RawResponse, kind: FetchKind = 'body'): FetchedMessage | undefined {
  const first = r.segments[0]!;
  if (first[0] !== 0x2a /* * */) return undefined;
  const tk = tokenize(r);
  // * <seq> FETCH ( ... )
  if (tk.length < 4 || tk[0]?.t !== 'atom' || tk[0].v !== '*' || tk[2]?.t !== 'atom' || tk[2].v.toUpperCase() !== 'FETCH' || tk[3]?.t !== 'open') return undefined;
  const m: Partial<FetchedMessage> & { flags: string[] } = { flags: [] };
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
    } else if (name === 'INTERNALDATE' && (val?.t === 'str' || val?.t === 'lit')) {
      const d = parseImapDateTime(bytesOf(val).toString('latin1'));
      if (d) m.internalDate = d;
      i++;
    } else if (name === 'RFC822.SIZE' && val?.t === 'atom') {
      m.size = Number(val.v);
      i++;
    } else if ((name === 'BODY[]' || name === 'RFC822' || name === 'BINARY[]') && (val?.t === 'str' || val?.t === 'lit' || val?.t === 'nil')) {
      hasBody = true;
      if (val.t === 'lit') m.source = val.v;
      else if (val.t === 'str') m.source = [val.v];
      i++;
    } else if (name === 'BODY[HEADER]' && (val?.t === 'str' || val?.t === 'lit' || val?.t === 'nil')) {
      m.headers = bytesOf(val);
      i++;
    } else {
      skipValue();
    }
  }
  if (m.uid === undefined || !Number.isSafeInteger(m.uid)) return undefined;
  // A flags-only update (another session changed flags meanwhile) is not an answer to this FETCH.
  if (kind === 'body' && !hasBody) return undefined;
  // Each answer carries exactly what its command asked for: with several FETCHes in flight, a
  // listing must not take a body FETCH's answer (it has RFC822.SIZE too), nor the other way round.
  if (kind === 'size' && (m.size === undefined || !Number.isSafeInteger(m.size) || hasBody || m.headers !== undefined)) return undefined;
  if (kind === 'header' && (m.headers === undefined || hasBody)) return undefined;
  m.flags.sort();
  return m as FetchedMessage;
}

/** What SELECT/EXAMINE reports about the folder (RFC 3501 6.3.1, RFC 7162 3.1.2.1). */
export interface SelectedState {
  path: string;
  readOnly: boolean;
  exists: number;
  uidValidity: bigint;
  uidNext: number;
  flags: Set<string>;
  permanentFlags: Set<string>;
  highestModseq?: bigint;
}

const flagSet = (inner: string) => new Set(inner.trim().split(/\s+/).filter(Boolean));

/** Applies one untagged SELECT-time response to the state being built; true when it was one. */
export function applySelectData(line: string, st: Partial<SelectedState>): boolean {
  let m = /^\* OK \[(UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ) (\d+)\]/i.exec(line);
  if (m) {
    const key = m[1]!.toUpperCase();
    if (key === 'UIDVALIDITY') st.uidValidity = BigInt(m[2]!);
    else if (key === 'UIDNEXT') st.uidNext = Number(m[2]);
    else st.highestModseq = BigInt(m[2]!);
    return true;
  }
  m = /^\* OK \[PERMANENTFLAGS \(([^)]*)\)\]/i.exec(line);
  if (m) {
    st.permanentFlags = flagSet(m[1]!);
    return true;
  }
  m = /^\* FLAGS \(([^)]*)\)/i.exec(line);
  if (m) {
    st.flags = flagSet(m[1]!);
    return true;
  }
  return false;
}

/** `* SEARCH 1 2 3` numbers, or undefined for another response. */
export function parseSearch(line: string): number[] | undefined {
  const m = /^\* SEARCH(?: (.*))?$/i.exec(line);
  if (!m) return undefined;
  return (m[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => /^\d+$/.test(w))
    .map(Number);
}

/** `* STATUS <name> (UIDNEXT n MESSAGES m ...)` items, or undefined. */
export function parseStatus(r: RawResponse): Map<string, bigint> | undefined {
  const tk = tokenize(r);
  if (tk[0]?.t !== 'atom' || tk[0].v !== '*' || tk[1]?.t !== 'atom' || tk[1].v.toUpperCase() !== 'STATUS') return undefined;
  const open = tk.findIndex((t, i) => i > 2 && t.t === 'open');
  if (open < 0) return undefined;
  const out = new Map<string, bigint>();
  for (let i = open + 1; i + 1 < tk.length && tk[i]!.t === 'atom'; i += 2) {
    const k = tk[i] as { v: string };
    const v = tk[i + 1]!;
    if (v.t === 'atom' && /^\d+$/.test(v.v)) out.set(k.v.toUpperCase(), BigInt(v.v));
  }
  return out;
}

/** `[APPENDUID <uidvalidity> <uid-set>]` from a tagged OK's response code. */
export function appendUidCode(code: string | undefined): { uidValidity: string; set: string } | undefined {
  const m = /^APPENDUID (\d{1,20}) (\S+)$/i.exec(code ?? '');
  return m ? { uidValidity: m[1]!, set: m[2]! } : undefined;
}
