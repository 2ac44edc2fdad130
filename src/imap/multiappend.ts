import type { ImapFlow } from 'imapflow';
import { encodePath, enhanceCommandError, formatDateTime, normalizePath } from 'imapflow/lib/tools.js';
import { rawAvailable, rawCommand, RawCommandError, rawPipeline } from './raw.js';
import { parseUidSet } from './uidset.js';

export interface AppendItem {
  raw: Buffer;
  flags: string[];
  internalDate?: Date;
}

export interface AppendResult {
  /** From APPENDUID (UIDPLUS); undefined when the server does not send it. */
  uidValidity?: bigint;
  /** Destination UIDs in the order of the items, when the server sent APPENDUID. */
  uids?: number[];
}

interface ExecResponse {
  response: { attributes?: { section?: { value?: unknown }[] }[] };
  next(): void;
}
type Exec = (command: string, attributes: unknown[], options?: unknown) => Promise<ExecResponse>;

export function supportsMultiappend(client: ImapFlow): boolean {
  return client.capabilities.has('MULTIAPPEND');
}

/** The server's APPENDLIMIT (RFC 7889) when it announces one for every folder. */
export function appendLimit(client: ImapFlow): number | undefined {
  const v = client.capabilities.get('APPENDLIMIT');
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/**
 * One APPEND command carrying every item (RFC 3502 MULTIAPPEND when there is more than one):
 * all-or-nothing on the server, and with UIDPLUS the tagged OK names the UIDs of the whole set.
 * Written by the bulk path (raw.ts) where it can be; otherwise through imapflow's command layer,
 * which also writes several literals in one command (non-synchronizing where LITERAL+/- allows,
 * else waiting for each continuation) but copies the whole command into one buffer. Flags are
 * sent as given: the caller filters them against the folder's PERMANENTFLAGS (imapflow's own
 * append() would filter them against whatever folder happens to be selected).
 */
export async function appendMessages(client: ImapFlow, path: string, items: AppendItem[]): Promise<AppendResult> {
  if (items.length === 0) return {};
  if (items.length > 1 && !supportsMultiappend(client)) throw new Error('the server does not support MULTIAPPEND');
  const wirePath = encodePath(client, normalizePath(client, path));
  if (rawAppendable(client, wirePath, items)) return rawAppend(client, wirePath, items);
  const conn = client as unknown as { exec: Exec };
  const attributes: unknown[] = [{ type: 'ATOM', value: wirePath }];
  const binary = client.capabilities.has('BINARY') && !(client as unknown as { disableBinary?: boolean }).disableBinary;
  for (const item of items) {
    attributes.push(item.flags.map((f) => ({ type: 'ATOM', value: f })));
    const date = item.internalDate ? formatDateTime(item.internalDate) : undefined;
    if (date) attributes.push({ type: 'STRING', value: date });
    attributes.push({ type: 'LITERAL', value: item.raw, isLiteral8: binary && item.raw.indexOf(0) >= 0 });
  }
  let response: ExecResponse;
  try {
    response = await conn.exec('APPEND', attributes, { untagged: false });
  } catch (err) {
    await enhanceCommandError(err as never).catch(() => undefined);
    throw err;
  }
  try {
    return parseAppendUid(response.response.attributes?.[0]?.section, items.length);
  } finally {
    response.next();
  }
}

/** Reads `[APPENDUID <uidvalidity> <uid-set>]` from the tagged OK's response code. */
export function parseAppendUid(section: { value?: unknown }[] | undefined, count: number): AppendResult {
  if (!section?.length) return {};
  const code = String(section[0]?.value ?? '').toUpperCase();
  if (code !== 'APPENDUID') return {};
  const uvRaw = String(section[1]?.value ?? '');
  const setRaw = String(section[2]?.value ?? '');
  if (!/^\d{1,20}$/.test(uvRaw)) return {};
  let uids: number[];
  try {
    uids = parseUidSet(setRaw);
  } catch {
    return { uidValidity: BigInt(uvRaw) };
  }
  // A set that does not account for every message cannot be paired with them safely.
  return uids.length === count ? { uidValidity: BigInt(uvRaw), uids } : { uidValidity: BigInt(uvRaw) };
}

// A flag as an atom: no atom-specials (RFC 3501 ATOM-CHAR), a backslash only in front.
const FLAG = /^\\?[^\x00-\x20\x7f-\uffff(){%*"\\\]]+$/;

/**
 * The bulk path can carry this command: the session is idle and uncompressed, literals can be
 * non-synchronizing (LITERAL+), and nothing needs a form it does not write (a literal8 for a
 * message with NUL bytes, a flag that is not an atom, a folder name a quoted string cannot hold).
 */
function rawAppendable(client: ImapFlow, wirePath: string, items: AppendItem[]): boolean {
  return (
    client.capabilities.has('LITERAL+') &&
    rawAvailable(client) &&
    !/[\r\n\0]/.test(wirePath) &&
    items.every((it) => it.flags.every((f) => FLAG.test(f)) && it.raw.indexOf(0) < 0)
  );
}

const quoted = (s: string) => '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';

/** The same APPEND, written piece by piece: each message's bytes go to the socket as they are. */
async function rawAppend(client: ImapFlow, wirePath: string, items: AppendItem[]): Promise<AppendResult> {
  const t = await rawCommand(
    client,
    (tag, out) => {
      out(`${tag} APPEND ${quoted(wirePath)}`);
      for (const it of items) {
        const date = it.internalDate ? formatDateTime(it.internalDate) : undefined;
        out(` (${it.flags.join(' ')})${date ? ` "${date}"` : ''} {${it.raw.length}+}\r\n`);
        out(it.raw);
      }
      out('\r\n');
    },
    () => undefined,
  );
  if (t.status !== 'OK') throw new RawCommandError('APPEND', t);
  const m = /^APPENDUID (\S+) (\S+)$/i.exec(t.code ?? '');
  return parseAppendUid(m ? [{ value: 'APPENDUID' }, { value: m[1] }, { value: m[2] }] : undefined, items.length);
}

/** One message's answer in a pipelined batch of single APPENDs. */
export type EachResult = { ok: true; uidValidity?: bigint; uid?: number } | { ok: false; error: Error };

/**
 * Without MULTIAPPEND: one single-message APPEND per item, all written at once (pipelined) on the
 * bulk path when LITERAL+ lets every literal go without waiting; otherwise one after another
 * through imapflow (synchronizing literals, or LITERAL- up to 4,096 bytes, as imapflow decides).
 * Each APPEND succeeds or fails on its own; a connection failure rejects the whole call (the
 * caller reconciles the batch by identity).
 */
export async function appendEach(client: ImapFlow, path: string, items: AppendItem[]): Promise<EachResult[]> {
  const wirePath = encodePath(client, normalizePath(client, path));
  if (items.length > 1 && rawAppendable(client, wirePath, items)) {
    const tagged = await rawPipeline(
      client,
      items.length,
      (tags, out) => {
        for (const [i, it] of items.entries()) {
          const date = it.internalDate ? formatDateTime(it.internalDate) : undefined;
          out(`${tags[i]} APPEND ${quoted(wirePath)} (${it.flags.join(' ')})${date ? ` "${date}"` : ''} {${it.raw.length}+}\r\n`);
          out(it.raw);
          out('\r\n');
        }
      },
      () => undefined,
    );
    return tagged.map((t) => {
      if (t.status !== 'OK') return { ok: false, error: new RawCommandError('APPEND', t) };
      const m = /^APPENDUID (\S+) (\S+)$/i.exec(t.code ?? '');
      const r = parseAppendUid(m ? [{ value: 'APPENDUID' }, { value: m[1] }, { value: m[2] }] : undefined, 1);
      return { ok: true, ...(r.uidValidity !== undefined ? { uidValidity: r.uidValidity } : {}), ...(r.uids?.[0] !== undefined ? { uid: r.uids[0] } : {}) };
    });
  }
  const out: EachResult[] = [];
  for (const it of items) {
    try {
      const r = await appendMessages(client, path, [it]);
      out.push({ ok: true, ...(r.uidValidity !== undefined ? { uidValidity: r.uidValidity } : {}), ...(r.uids?.[0] !== undefined ? { uid: r.uids[0] } : {}) });
    } catch (err) {
      if ((err as { responseStatus?: string }).responseStatus !== 'NO' && (err as { responseStatus?: string }).responseStatus !== 'BAD') throw err;
      out.push({ ok: false, error: err as Error });
    }
  }
  return out;
}
