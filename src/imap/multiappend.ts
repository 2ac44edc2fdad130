import type { ImapFlow } from 'imapflow';
import { encodePath, enhanceCommandError, formatDateTime, normalizePath } from 'imapflow/lib/tools.js';
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
 * Goes through imapflow's command layer, which already writes several literals in one command
 * (non-synchronizing where LITERAL+/- allows, else waiting for each continuation). Flags are
 * sent as given: the caller filters them against the folder's PERMANENTFLAGS (imapflow's own
 * append() would filter them against whatever folder happens to be selected).
 */
export async function appendMessages(client: ImapFlow, path: string, items: AppendItem[]): Promise<AppendResult> {
  if (items.length === 0) return {};
  if (items.length > 1 && !supportsMultiappend(client)) throw new Error('the server does not support MULTIAPPEND');
  const conn = client as unknown as { exec: Exec };
  const attributes: unknown[] = [{ type: 'ATOM', value: encodePath(client, normalizePath(client, path)) }];
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
