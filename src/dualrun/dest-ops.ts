import type { ImapFlow } from 'imapflow';
import { createWithParents } from '../copier/folder.js';
import { dateKey, identityOf } from '../copier/identity.js';
import { faultPoint } from './fault.js';
import { ImapCommandError, ImapConnectionError } from '../errors.js';

// Destination-side moves and deletions of the dual-run, through imapflow's public API and only
// with the extensions the server advertises: UID MOVE (RFC 6851); else UID COPY and, with UIDPLUS
// (RFC 4315), \Deleted + UID EXPUNGE of exactly that UID; else UID COPY and \Deleted (no EXPUNGE:
// a plain EXPUNGE would also remove other messages the user marked).

export type MoveMethod = 'move' | 'copy-expunge' | 'copy-mark';

const has = (c: ImapFlow, cap: string) => c.capabilities.has(cap);

export function moveMethod(c: ImapFlow): MoveMethod {
  if (has(c, 'MOVE')) return 'move';
  return has(c, 'UIDPLUS') ? 'copy-expunge' : 'copy-mark';
}

/** Opens a destination folder read-write, creating it (and its parents) when it does not exist. */
export async function openOrCreate(c: ImapFlow, path: string): Promise<{ uidValidity: string; uidNext: number; exists: number }> {
  let mb;
  try {
    mb = await c.mailboxOpen(path);
  } catch {
    await createWithParents(c, path);
    mb = await c.mailboxOpen(path);
  }
  return { uidValidity: String(mb.uidValidity), uidNext: mb.uidNext, exists: mb.exists };
}

/** Flags of some UIDs of the selected folder (absent UIDs are missing from the map). */
export async function flagsOf(c: ImapFlow, uids: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (!uids.length) return out;
  for await (const m of c.fetch(uids.join(','), { uid: true, flags: true }, { uid: true })) out.set(m.uid, [...(m.flags ?? [])]);
  return out;
}

/**
 * imapflow answers a command cut off by a lost connection with the same `false` as a refusal.
 * A cut is not a refusal: the command may have reached the server, so the caller must not record
 * it as refused; thrown as a lost connection, the failure policy retries it on a fresh session,
 * whose first step settles the action left open.
 */
export function refusedOrLost<T>(c: ImapFlow, r: T | false, what: string): T | false {
  if (r === false && !c.usable) throw new ImapConnectionError(`connection lost during ${what}`, { side: 'destination' });
  return r;
}

/**
 * Moves one UID of the selected folder to `to`. Returns the UID it got there when the server
 * said (COPYUID), undefined when it did not, false when the server refused.
 */
export async function moveOne(c: ImapFlow, uid: number, to: string, method: MoveMethod): Promise<number | undefined | false> {
  const range = String(uid);
  if (method === 'move') {
    const r = refusedOrLost(c, await c.messageMove(range, to, { uid: true }), 'UID MOVE');
    return r ? r.uidMap?.get(uid) : false;
  }
  const r = refusedOrLost(c, await c.messageCopy(range, to, { uid: true }), 'UID COPY');
  if (!r) return false;
  // The copy is there and the old one not yet removed: the state a reconcile must finish.
  faultPoint('dualrun-after-copy');
  await removeOne(c, uid, method === 'copy-expunge');
  return r.uidMap?.get(uid);
}

/** Removes one UID of the selected folder: UID EXPUNGE with UIDPLUS, else only \Deleted. */
export async function removeOne(c: ImapFlow, uid: number, expunge = has(c, 'UIDPLUS')): Promise<'expunge' | 'mark'> {
  if (expunge && has(c, 'UIDPLUS')) {
    if (refusedOrLost(c, await c.messageDelete(String(uid), { uid: true }), 'UID EXPUNGE')) return 'expunge';
    throw new ImapCommandError(`the destination refused to expunge UID ${uid}`, { side: 'destination', uid });
  }
  if (!refusedOrLost(c, await c.messageFlagsAdd(String(uid), ['\\Deleted'], { uid: true }), 'UID STORE')) throw new ImapCommandError(`the destination refused to mark UID ${uid} \\Deleted`, { side: 'destination', uid });
  return 'mark';
}

export interface IdentityKey {
  messageId: string | null;
  internalDate: string | null;
  headerHash: string | null;
}

/** The first UID at or above `fromUid` of the selected folder with this identity (headers only). */
export async function findByIdentity(c: ImapFlow, fromUid: number, want: IdentityKey, skip: Set<number> = new Set()): Promise<number | undefined> {
  const mb = c.mailbox;
  if (!mb || mb.exists === 0) return undefined;
  for await (const m of c.fetch(`${Math.max(1, fromUid)}:*`, { uid: true, internalDate: true, headers: true }, { uid: true })) {
    if (m.uid < fromUid || skip.has(m.uid)) continue;
    const id = identityOf(m.headers ?? Buffer.alloc(0));
    if ((id.messageId ?? null) === (want.messageId ?? null) && id.headerHash === want.headerHash && dateKey(m.internalDate as Date | undefined) === dateKey(want.internalDate)) return m.uid;
  }
  return undefined;
}
