import { formatImapDateTime } from '../datetime.js';
import { wireMailboxName } from '../mutf7.js';
import { parseUidSet } from '../uidset.js';
import type { Body } from './body.js';
import { BulkCommandError, type BulkConnection, type Part } from './connection.js';
import { appendUidCode, parseFetch, parseSearch, parseStatus, type FetchedMessage, type FetchKind, type Tagged } from './parse.js';

// The bulk commands, each written and read by BulkConnection: UID FETCH of listings, headers
// and bodies; APPEND (one or, with MULTIAPPEND, many messages per command), single APPENDs
// pipelined; UID SEARCH; STATUS.

export interface AppendItem {
  /** The message, in the pieces it was fetched in (written as they are). */
  raw: Body;
  flags: string[];
  internalDate?: Date;
}

export interface AppendResult {
  /** From APPENDUID (UIDPLUS); undefined when the server does not send it. */
  uidValidity?: bigint;
  /** Destination UIDs in the order of the items, when the server sent APPENDUID for all of them. */
  uids?: number[];
}

/** One message's answer in a batch of single APPENDs. */
export type EachResult = { ok: true; uidValidity?: bigint; uid?: number } | { ok: false; error: Error };

// A flag as an atom: no atom-specials (RFC 3501 ATOM-CHAR), a backslash only in front.
const FLAG = /^\\?[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/** Whether a flag or keyword can be written in an IMAP command at all. */
export const isFlagAtom = (f: string): boolean => FLAG.test(f);

/** The mailbox name as a command argument: a quoted string, or a literal when it cannot be one. */
export function mailboxArg(conn: BulkConnection, path: string): Part {
  const wire = wireMailboxName(path.toUpperCase() === 'INBOX' ? 'INBOX' : path, conn.utf8);
  if (/[\r\n\0]/.test(wire) || (!conn.utf8 && /[\u0080-\uffff]/.test(wire))) return { literal: Buffer.from(wire, 'utf8') };
  return '"' + wire.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

const UIDSET = /^[\d:,*]+$/;

/**
 * `UID FETCH <set> (UID FLAGS INTERNALDATE <items>)` in the selected folder, read-only (PEEK).
 * Only answers for UIDs in the set count: another command's FETCH answers and flag updates
 * pass by.
 */
export async function uidFetch(conn: BulkConnection, uidSet: string, kind: FetchKind): Promise<Map<number, FetchedMessage>> {
  if (!UIDSET.test(uidSet)) throw new Error(`invalid UID set: ${uidSet.slice(0, 40)}`);
  const items = kind === 'body' ? 'RFC822.SIZE BODY.PEEK[]' : kind === 'header' ? 'RFC822.SIZE BODY.PEEK[HEADER]' : 'RFC822.SIZE';
  const wanted = uidSet.includes('*') ? undefined : new Set(parseUidSet(uidSet));
  const got = new Map<number, FetchedMessage>();
  await conn.ok('UID FETCH', [`UID FETCH ${uidSet} (UID FLAGS INTERNALDATE ${items})\r\n`], (r, line) => {
    if (!/^\* \d+ FETCH /i.test(line)) return;
    const m = parseFetch(r, kind);
    if (m && (!wanted || wanted.has(m.uid))) got.set(m.uid, m);
  });
  return got;
}

/** UIDs in the selected folder matching `UID <set>`. */
export async function uidSearch(conn: BulkConnection, uidSet: string): Promise<number[]> {
  if (!UIDSET.test(uidSet)) throw new Error(`invalid UID set: ${uidSet.slice(0, 40)}`);
  const out: number[] = [];
  await conn.ok('UID SEARCH', [`UID SEARCH UID ${uidSet}\r\n`], (_r, line) => {
    const found = parseSearch(line);
    if (found) out.push(...found);
  });
  return out;
}

/** STATUS items of a folder (upper-case names: UIDNEXT, MESSAGES, UIDVALIDITY, ...). */
export async function status(conn: BulkConnection, path: string, items: string[]): Promise<Map<string, bigint>> {
  let got = new Map<string, bigint>();
  await conn.ok('STATUS', ['STATUS ', mailboxArg(conn, path), ` (${items.join(' ')})\r\n`], (r, line) => {
    if (!/^\* STATUS /i.test(line)) return;
    const s = parseStatus(r);
    if (s) got = s;
  });
  return got;
}

function appendParts(it: AppendItem): Part[] {
  const date = it.internalDate ? formatImapDateTime(it.internalDate) : undefined;
  return [` (${it.flags.filter(isFlagAtom).join(' ')})${date ? ` "${date}"` : ''} `, { literal: it.raw }];
}

/** Reads APPENDUID from a tagged OK: the set must account for every message to be paired. */
export function appendResult(t: Tagged, count: number): AppendResult {
  const c = appendUidCode(t.code);
  if (!c) return {};
  let uids: number[];
  try {
    uids = parseUidSet(c.set);
  } catch {
    return { uidValidity: BigInt(c.uidValidity) };
  }
  return uids.length === count ? { uidValidity: BigInt(c.uidValidity), uids } : { uidValidity: BigInt(c.uidValidity) };
}

/**
 * One APPEND carrying every item (RFC 3502 MULTIAPPEND when there is more than one):
 * all-or-nothing on the server, and with UIDPLUS the tagged OK names the UIDs of the whole set.
 * Flags are sent as given (the caller filters them against the folder's PERMANENTFLAGS).
 */
export async function append(conn: BulkConnection, path: string, items: AppendItem[]): Promise<AppendResult> {
  if (items.length === 0) return {};
  if (items.length > 1 && !conn.has('MULTIAPPEND')) throw new Error('the server does not support MULTIAPPEND');
  const parts: Part[] = ['APPEND ', mailboxArg(conn, path)];
  for (const it of items) parts.push(...appendParts(it));
  parts.push('\r\n');
  const t = await conn.ok('APPEND', parts);
  return appendResult(t, items.length);
}

/**
 * Without MULTIAPPEND: one single-message APPEND per item, all in flight at once (each literal
 * written as the server allows). Each succeeds or fails on its own; a connection failure rejects
 * the whole call (the caller reconciles the batch by identity).
 */
export async function appendEach(conn: BulkConnection, path: string, items: AppendItem[]): Promise<EachResult[]> {
  const box = mailboxArg(conn, path);
  const answers = await Promise.all(items.map((it) => conn.run('APPEND', ['APPEND ', box, ...appendParts(it), '\r\n'])));
  return answers.map((t) => {
    if (t.status !== 'OK') return { ok: false, error: new BulkCommandError('APPEND', t) };
    const r = appendResult(t, 1);
    return { ok: true, ...(r.uidValidity !== undefined ? { uidValidity: r.uidValidity } : {}), ...(r.uids?.[0] !== undefined ? { uid: r.uids[0] } : {}) };
  });
}
