import * as crypto from 'node:crypto';
import { bodyPrefix, type Body } from '../imap/bulk/body.js';

// Identity of a message without changing it: Message-ID + INTERNALDATE + a hash of the headers
// that no server rewrites on APPEND (anchors-sync (d) 2-3). Size is only a tie-breaker.
// Some servers do rewrite 8-bit header bytes: Cyrus (munge8bit, its default) stores each as 'X'.
// So every 8-bit header byte is read as 'x' before hashing: the source's "caf\xc3\xa9" and
// Cyrus's "cafXX" are one identity, and a batch left in flight is found there after a crash
// instead of being appended again. Messages whose headers are 7-bit hash as they always did.

const HASHED_HEADERS = ['message-id', 'date', 'from', 'to', 'cc', 'subject', 'in-reply-to'];
export const HEADER_LIMIT = 16 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');
const LF2 = Buffer.from('\n\n');

/** The raw header block (up to and including the blank line), at most `limit` bytes. */
export function headerBlock(raw: Buffer, limit = HEADER_LIMIT): Buffer {
  // Only the first `limit` bytes can be returned, so only they are searched (a CRLF message has
  // no "\n\n" and would otherwise be scanned to its end).
  const head = raw.subarray(0, limit + 4);
  let end = head.indexOf(CRLF2);
  let sep = 4;
  // Only a "\n\n" before the first CRLF CRLF matters: the rest of the block is not searched.
  const lf = (end < 0 ? head : head.subarray(0, end)).indexOf(LF2);
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    sep = 2;
  }
  const stop = end < 0 ? raw.length : end + sep;
  return raw.subarray(0, Math.min(stop, limit));
}

/** Header fields, unfolded, names lower-cased; repeated fields keep every value in order. */
export function parseHeaders(block: Buffer): Map<string, string[]> {
  const text = block.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const list = out.get(name) ?? [];
    list.push(line.slice(i + 1).trim());
    out.set(name, list);
  }
  return out;
}

export function normalizeMessageId(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /<([^>]+)>/.exec(v);
  const id = (m ? m[1]! : v).trim().replace(/\s+/g, '');
  return id ? id.toLowerCase() : undefined;
}

export interface Identity {
  messageId?: string;
  headerHash: string;
}

const HASHED = new Set(HASHED_HEADERS);

/**
 * parseHeaders restricted to the hashed fields, exactly as it reads them (same unfolding, same
 * trimming), without unfolding the block by regex and collecting every field: it runs once per
 * message copied.
 */
const EIGHT_BIT = /[\x80-\xff]/g;

function hashedFields(block: Buffer, exact = false): Map<string, string[]> {
  const latin1 = block.toString('latin1');
  const text = exact ? latin1 : latin1.replace(EIGHT_BIT, 'x');
  const out = new Map<string, string[]>();
  const take = (line: string) => {
    const i = line.indexOf(':');
    if (i <= 0) return;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!HASHED.has(name)) return;
    const list = out.get(name);
    if (list) list.push(line.slice(i + 1).trim());
    else out.set(name, [line.slice(i + 1).trim()]);
  };
  let cur: string | undefined;
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    const line = nl < 0 ? text.slice(pos) : text.slice(pos, nl > pos && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl);
    const c = line.charCodeAt(0);
    if (cur !== undefined && (c === 0x20 || c === 0x09)) {
      // A folded line: "\r?\n[ \t]+" becomes one space.
      let k = 1;
      while (k < line.length && (line.charCodeAt(k) === 0x20 || line.charCodeAt(k) === 0x09)) k++;
      cur += ' ' + line.slice(k);
    } else {
      if (cur !== undefined) take(cur);
      cur = line;
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  if (cur !== undefined) take(cur);
  return out;
}

// crypto.hash (Node 20.12+) hashes in one call; older Node 20 releases take the Hash object.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
const sha256Hex = (s: string): string => (oneShot ? oneShot('sha256', s, 'hex') : crypto.createHash('sha256').update(s).digest('hex'));

function hashOf(h: Map<string, string[]>): string {
  // One string hashed at once: the same bytes as one update per field (UTF-8 of a
  // concatenation is the concatenation), without a Hash object and a call per field.
  let text = '';
  for (const name of HASHED_HEADERS) {
    for (const v of h.get(name) ?? []) text += `${name}:${v.replace(/\s+/g, ' ').trim().toLowerCase()}\n`;
  }
  return sha256Hex(text).slice(0, 32);
}

/** Identity from a header block (or a whole message). */
export function identityOf(raw: Buffer): Identity {
  const h = hashedFields(headerBlock(raw));
  const messageId = normalizeMessageId(h.get('message-id')?.[0]);
  return { ...(messageId ? { messageId } : {}), headerHash: hashOf(h) };
}

/**
 * The same hash with 8-bit bytes as they are: equal to headerHash unless the headers hold 8-bit
 * bytes. Verify compares it to tell a copy whose 8-bit bytes the destination rewrote (the same
 * message, altered) from an exact one.
 */
export function exactHeaderHash(raw: Buffer): string {
  return hashOf(hashedFields(headerBlock(raw), true));
}

/**
 * identityOf of a message held in pieces: only the first HEADER_LIMIT + 4 bytes are ever read
 * (headerBlock searches no further), so only they are joined, and only when the first piece is
 * shorter.
 */
export function identityOfBody(b: Body): Identity {
  return identityOf(bodyPrefix(b, HEADER_LIMIT + 4));
}

/** headerBlock of a message held in pieces (same bytes as of the joined message). */
export function headerBlockOfBody(b: Body, limit = HEADER_LIMIT): Buffer {
  return headerBlock(bodyPrefix(b, limit + 4), limit);
}

/** INTERNALDATE has second precision on the wire; compare at that precision. */
export function dateKey(d: Date | string | undefined | null): string {
  if (!d) return '';
  const t = typeof d === 'string' ? Date.parse(d) : d.getTime();
  return Number.isFinite(t) ? String(Math.floor(t / 1000)) : '';
}

export interface Candidate<T> {
  messageId?: string | null;
  internalDate?: Date | string | null;
  headerHash?: string | null;
  size?: number | null;
  item: T;
}

const keyOf = (c: Candidate<unknown>) => `${c.messageId ?? ''}|${dateKey(c.internalDate)}|${c.headerHash ?? ''}`;
const looseKeyOf = (c: Candidate<unknown>) => `${c.messageId}|${dateKey(c.internalDate)}`;

/**
 * Pairs wanted messages with found ones as multisets: each found message is used at most once,
 * so two identical messages in need two identical messages out. Equal size is preferred among
 * equal identities. Returns pairs and the wanted items left unmatched.
 *
 * First by the whole identity; then what is left of both sides that has a Message-ID by
 * Message-ID + INTERNALDATE alone: a server that renders the headers anew on FETCH (Exchange
 * stores a message in its own form; others re-encode header words) changes the header hash but
 * keeps those two, and a message it already holds must not be appended again. Verify pairs such
 * a copy the same way and reports it as altered.
 */
export function matchMultiset<W, F>(wanted: Candidate<W>[], found: Candidate<F>[]): { pairs: [W, F][]; unmatched: W[] } {
  const pairs: [W, F][] = [];
  const exact = pairBy(wanted, found, keyOf, pairs);
  if (!exact.unmatched.length || !exact.left.length) return { pairs, unmatched: exact.unmatched.map((w) => w.item) };
  const hasId = (c: Candidate<unknown>) => !!c.messageId && dateKey(c.internalDate) !== '';
  const loose = pairBy(exact.unmatched.filter(hasId), exact.left.filter(hasId), looseKeyOf, pairs);
  const pairedLoose = new Set(loose.paired);
  return { pairs, unmatched: exact.unmatched.filter((w) => !pairedLoose.has(w)).map((w) => w.item) };
}

/** One matching pass by `key`: pairs pushed to `pairs`; what is left of each side returned. */
function pairBy<W, F>(wanted: Candidate<W>[], found: Candidate<F>[], key: (c: Candidate<unknown>) => string, pairs: [W, F][]): { unmatched: Candidate<W>[]; left: Candidate<F>[]; paired: Candidate<W>[] } {
  const pool = new Map<string, Candidate<F>[]>();
  for (const f of found) {
    const k = key(f);
    const l = pool.get(k);
    if (l) l.push(f);
    else pool.set(k, [f]);
  }
  const unmatched: Candidate<W>[] = [];
  const paired: Candidate<W>[] = [];
  const used = new Set<Candidate<F>>();
  for (const w of wanted) {
    const l = pool.get(key(w));
    if (!l?.length) {
      unmatched.push(w);
      continue;
    }
    let i = l.findIndex((f) => w.size != null && f.size === w.size);
    if (i < 0) i = 0;
    const f = l.splice(i, 1)[0]!;
    used.add(f);
    paired.push(w);
    pairs.push([w.item, f.item]);
  }
  return { unmatched, paired, left: used.size ? found.filter((f) => !used.has(f)) : found };
}
