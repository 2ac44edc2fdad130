import { inDateWindow } from './date-window.js';
import type { ImapFlow } from 'imapflow';
import { classifyImapError } from '../imap/errors.js';
import { rawAvailable } from '../imap/raw.js';
import { rawFetchBodies, rawFetchListing, type FetchedBody } from '../imap/raw-fetch.js';
import { appendLimit, appendMessages, supportsMultiappend, type AppendItem } from '../imap/multiappend.js';
import { toUidSet } from '../imap/uidset.js';
import type { Logger } from '../logger.js';
import type { FolderPairRow, ListedMessage, MessageRow, SyncStore } from '../store/sync-store.js';
import { HEADER_LIMIT, headerBlock, identityOf, matchMultiset, type Candidate } from './identity.js';
import type { ByteBudget, ServerThrottle } from './limits.js';

/** What cutover's delta loop hears about every message copied. */
export interface CopiedMessage {
  account: string;
  sourcePath: string;
  destinationPath: string;
  srcUid: number;
  dstUid?: number;
  messageId?: string;
  /** Raw header block, up to 16 KiB. */
  header: string;
}

/** Stops the whole account (not just this folder), with the reason shown to the user. */
export class AccountStop extends Error {
  constructor(
    message: string,
    readonly state: 'incomplete' | 'failed',
  ) {
    super(message);
    this.name = 'AccountStop';
  }
}

export interface CopyEnv {
  account: string;
  store: SyncStore;
  log: Logger;
  /** True once the user interrupted or the account was stopped: take no new batch. */
  stopped(): boolean;
  signal: AbortSignal;
  budget: ByteBudget;
  srcThrottle: ServerThrottle;
  dstThrottle: ServerThrottle;
  batchMessages: number;
  batchBytes: number;
  /** Largest message the destination takes, from config/preset (APPENDLIMIT is read live too). */
  maxMessageBytes?: number;
  sinceInternalDate?: Date;
  /** sync.since / --since / --max-age: copy only this window now, newest first; the rest stays pending. */
  copySince?: Date;
  onCopied?: (m: CopiedMessage) => void;
  onProgress(messages: number, bytes: number): void;
  onListed(pending: number): void;
  event(level: 'info' | 'warn' | 'error', kind: string, message: string): void;
}

interface DestinationState {
  uidValidity: bigint;
  uidNext: number;
  permanentFlags?: Set<string>;
}

interface Fetched {
  row: MessageRow;
  raw: Buffer;
  flags: string[];
  internalDate?: Date;
}

const toDate = (d: Date | string | undefined): Date | undefined => (d === undefined ? undefined : d instanceof Date ? d : new Date(d));
const flagList = (s: Set<string> | undefined) => [...(s ?? [])].filter((f) => f.toLowerCase() !== '\\recent').sort();

/**
 * Copies what is left of one folder pair: reconciles batches left in flight, lists what is new
 * on the source (EXAMINE, never a write), and streams FETCH -> MULTIAPPEND batches. Safe to call
 * again after any failure: every step starts from the store.
 */
export async function syncFolder(env: CopyEnv, src: ImapFlow, dst: ImapFlow, fp: FolderPairRow, dstListed?: { uidValidity: bigint }): Promise<void> {
  // The destination is only selected when something there needs looking at: batches left in
  // flight, a folder not seen before or whose UIDVALIDITY changed, or messages to copy.
  let dstState: DestinationState | undefined;
  const unchanged = dstListed !== undefined && fp.dstUidvalidity === String(dstListed.uidValidity);
  if (!unchanged || env.store.openBatches(fp.id).length > 0) {
    dstState = await openDestination(env, dst, fp);
    await reconcileDestination(env, dst, fp, dstState);
  }

  const mb = await src.mailboxOpen(fp.sourcePath, { readOnly: true });
  const uv = BigInt(mb.uidValidity);
  // Batches the other direction left in flight into this folder (a rollback that crashed): they
  // are found here first, so that what they did append is taken below as a copy, not as new mail.
  const opposite = env.store.oppositePair(fp);
  if (opposite && env.store.openBatches(opposite.id).length) await reconcileDestination(env, src, opposite, { uidValidity: uv, uidNext: mb.uidNext });
  if (fp.srcUidvalidity !== null && fp.srcUidvalidity !== String(uv)) {
    await reidentifySource(env, src, dst, fp, uv, mb.exists);
  } else if (mb.uidNext !== fp.srcUidnext || fp.srcUidvalidity === null) {
    await listNew(env, src, dst, fp, uv, mb.exists, mb.uidNext, mb.highestModseq);
  }

  const pending = inDateWindow(env.store.messages(fp.id, String(uv), ['pending']), env.copySince);
  if (!pending.length || env.stopped()) return;
  dstState ??= await openDestination(env, dst, fp);
  await copyRows(env, src, dst, fp, dstState, pending);
}

/** SELECTs (read-write, so PERMANENTFLAGS are real) the destination folder, creating it if needed. */
async function openDestination(env: CopyEnv, dst: ImapFlow, fp: FolderPairRow): Promise<DestinationState> {
  let mb;
  try {
    mb = await dst.mailboxOpen(fp.destinationPath);
  } catch (err) {
    const f = classifyImapError(err);
    if (f.kind !== 'trycreate' && !(err as { mailboxMissing?: boolean }).mailboxMissing && f.kind !== 'refused') throw err;
    await createWithParents(dst, fp.destinationPath);
    mb = await dst.mailboxOpen(fp.destinationPath);
  }
  const state = { uidValidity: BigInt(mb.uidValidity), uidNext: mb.uidNext, permanentFlags: mb.permanentFlags };
  return state;
}

/** Creates a folder and the parents it needs (CREATE of an existing folder is fine). */
export async function createWithParents(client: ImapFlow, path: string): Promise<void> {
  const delim = client.namespace?.delimiter ?? '/';
  const prefix = client.namespace?.prefix ?? '';
  const rest = prefix && path.startsWith(prefix) ? path.slice(prefix.length) : path;
  const parts = delim ? rest.split(delim) : [rest];
  for (let i = 1; i <= parts.length; i++) {
    const p = (rest === path ? '' : prefix) + parts.slice(0, i).join(delim);
    if (p.toUpperCase() === 'INBOX') continue;
    await client.mailboxCreate(p);
  }
}

// ---- reconciliation ---------------------------------------------------------------------------

interface DstMessage {
  uid: number;
  messageId?: string;
  headerHash: string;
  internalDate?: Date;
  size?: number;
}

/** Identities of the destination folder's messages with UID >= fromUid (headers only, no bodies). */
async function scanDestination(dst: ImapFlow, fromUid: number, exists: number): Promise<DstMessage[]> {
  if (exists === 0) return [];
  const out: DstMessage[] = [];
  for await (const m of dst.fetch(`${Math.max(1, fromUid)}:*`, { uid: true, internalDate: true, size: true, headers: true }, { uid: true })) {
    if (m.uid < fromUid) continue; // "N:*" also returns the last message when N is past the end
    const id = identityOf(m.headers ?? Buffer.alloc(0));
    out.push({ uid: m.uid, ...id, internalDate: toDate(m.internalDate), size: m.size });
  }
  return out;
}

const rowCand = (r: MessageRow): Candidate<MessageRow> => ({ messageId: r.messageId, internalDate: r.internalDate, headerHash: r.headerHash, size: r.size, item: r });
const dstCand = (d: DstMessage): Candidate<DstMessage> => ({ messageId: d.messageId ?? null, internalDate: d.internalDate, headerHash: d.headerHash, size: d.size, item: d });

/**
 * Before anything is retried: every batch sent but never confirmed is looked for on the
 * destination (UIDs at or above the UIDNEXT recorded with the intent, matched by identity as a
 * multiset). Found -> copied; not found -> pending. A destination folder whose UIDVALIDITY
 * changed (deleted and re-created) has its copied rows re-identified the same way.
 */
async function reconcileDestination(env: CopyEnv, dst: ImapFlow, fp: FolderPairRow, state: DestinationState): Promise<void> {
  const open = env.store.openBatches(fp.id);
  const uvChanged = fp.dstUidvalidity !== null && fp.dstUidvalidity !== String(state.uidValidity);
  const exists = dst.mailbox ? (dst.mailbox as { exists: number }).exists : 1;
  if (uvChanged) {
    const all = await scanDestination(dst, 1, exists);
    const copied = env.store.messages(fp.id, fp.srcUidvalidity ?? '', ['copied']).filter((r) => r.dstUidvalidity !== String(state.uidValidity));
    const { pairs, unmatched } = matchMultiset(copied.map(rowCand), all.map(dstCand));
    env.store.rebindDestination(pairs.map(([r, d]) => ({ id: r.id, dstUid: d.uid })), state.uidValidity);
    env.store.setMessageState(unmatched.map((r) => r.id), 'pending', null);
    env.event('warn', 'dst-uidvalidity-changed', `${fp.destinationPath}: destination UIDVALIDITY changed; ${pairs.length} copied messages re-found, ${unmatched.length} to copy again`);
  }
  if (open.length) {
    const from = Math.min(...open.map((b) => (b.dstUidvalidity === String(state.uidValidity) && b.dstUidnextBefore ? b.dstUidnextBefore : 1)));
    const claimed = env.store.claimedDestinationUids(fp.id, String(state.uidValidity), from);
    let pool = (await scanDestination(dst, from, exists)).filter((d) => !claimed.has(d.uid));
    for (const b of open) {
      const lo = b.dstUidvalidity === String(state.uidValidity) && b.dstUidnextBefore ? b.dstUidnextBefore : 1;
      const { pairs, unmatched } = matchMultiset(b.messages.map(rowCand), pool.filter((d) => d.uid >= lo).map(dstCand));
      const used = new Set(pairs.map(([, d]) => d.uid));
      pool = pool.filter((d) => !used.has(d.uid));
      env.store.resolveBatch(b.id, state.uidValidity, pairs.map(([r, d]) => ({ id: r.id, dstUid: d.uid })), unmatched.map((r) => r.id));
      env.log.info({ folder: fp.destinationPath, batch: b.id, found: pairs.length, missing: unmatched.length }, 'reconciled a batch left in flight');
    }
  }
  env.store.setDestinationState(fp.id, state.uidValidity, state.uidNext);
}

// ---- listing ----------------------------------------------------------------------------------

function sizeLimit(env: CopyEnv, dst: ImapFlow): number | undefined {
  const limits = [appendLimit(dst), env.maxMessageBytes].filter((x): x is number => typeof x === 'number');
  return limits.length ? Math.min(...limits) : undefined;
}

function classifyListed(env: CopyEnv, limit: number | undefined, m: ListedMessage): ListedMessage | undefined {
  if (env.sinceInternalDate && m.internalDate && m.internalDate < env.sinceInternalDate) return undefined;
  if (limit !== undefined && m.size > limit) {
    return { ...m, state: 'skipped', lastError: `too large for the destination: ${m.size} bytes, it accepts at most ${limit}` };
  }
  return m;
}

/** Records source messages above the listing watermark (UID, flags, date, size: no bodies). */
async function listNew(env: CopyEnv, src: ImapFlow, dst: ImapFlow, fp: FolderPairRow, uv: bigint, exists: number, uidNext: number, modseq?: bigint): Promise<void> {
  const from = fp.srcUidvalidity === null ? 1 : fp.srcListedUid + 1;
  const rows: ListedMessage[] = [];
  let maxUid = fp.srcUidvalidity === null ? 0 : fp.srcListedUid;
  const limit = sizeLimit(env, dst);
  if (exists > 0 && from < uidNext) {
    for (const m of await fetchListing(src, from, exists)) {
      if (m.uid < from) continue; // "N:*" also returns the last message when N is past the end
      maxUid = Math.max(maxUid, m.uid);
      const r = classifyListed(env, limit, { uid: m.uid, internalDate: m.internalDate, size: m.size ?? 0, flags: m.flags });
      if (r) rows.push(r);
    }
  }
  // A message the other direction copied here is already on the far side: it is its origin.
  // Copying it back would duplicate it (a rollback's mail in a later forward run, or late mail
  // a cutover delta copied forward in a rollback).
  const copies = rows.length ? env.store.oppositeCopies(fp, uv, from) : new Map<number, { uid: number; uidValidity: string }>();
  for (const r of rows) {
    const origin = copies.get(r.uid);
    if (origin) Object.assign(r, { state: 'copied', lastError: undefined, dstUid: origin.uid, dstUidvalidity: origin.uidValidity });
  }
  env.store.insertListed(fp.id, uv, rows);
  env.store.setSourceWatermark(fp.id, { uidValidity: uv, uidNext, highestModseq: modseq, listedUid: maxUid });
  env.onListed(rows.filter((r) => (r.state ?? 'pending') === 'pending').length);
}

/**
 * The source folder's UIDVALIDITY changed (re-created, restored, migrated): its UIDs mean nothing
 * any more. Every current source message is identified by its headers and paired, as a multiset,
 * with the rows already copied; only what has no copied counterpart is copied. Nothing is deleted.
 */
async function reidentifySource(env: CopyEnv, src: ImapFlow, dst: ImapFlow, fp: FolderPairRow, uv: bigint, exists: number): Promise<void> {
  const current: (ListedMessage & { internalDate?: Date })[] = [];
  const limit = sizeLimit(env, dst);
  if (exists > 0) {
    for await (const m of src.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true, headers: true }, { uid: true })) {
      const id = identityOf(m.headers ?? Buffer.alloc(0));
      current.push({ uid: m.uid, internalDate: toDate(m.internalDate), size: m.size ?? 0, flags: flagList(m.flags), headerHash: id.headerHash, ...(id.messageId ? { messageId: id.messageId } : {}) });
    }
  }
  const old = env.store.messagesNotOf(fp.id, String(uv)).filter((r) => r.state === 'copied');
  const wanted: Candidate<ListedMessage>[] = current.map((c) => ({ messageId: c.messageId ?? null, internalDate: c.internalDate, headerHash: c.headerHash, size: c.size, item: c }));
  const { pairs, unmatched } = matchMultiset(wanted, old.map(rowCand));
  env.store.rebindSource(pairs.map(([c, r]) => ({ id: r.id, uid: c.uid })), uv);
  env.store.forgetUncopied(fp.id, String(uv));
  const fresh = unmatched.map((m) => classifyListed(env, limit, m)).filter((m): m is ListedMessage => m !== undefined);
  env.store.insertListed(fp.id, uv, fresh);
  const maxUid = current.reduce((a, c) => Math.max(a, c.uid), 0);
  const mb = src.mailbox as { uidNext: number; highestModseq?: bigint };
  env.store.setSourceWatermark(fp.id, { uidValidity: uv, uidNext: mb.uidNext, highestModseq: mb.highestModseq, listedUid: maxUid });
  env.event('warn', 'src-uidvalidity-changed', `${fp.sourcePath}: source UIDVALIDITY changed; ${pairs.length} messages re-identified as already copied, ${fresh.length} new`);
  env.onListed(fresh.filter((r) => (r.state ?? 'pending') === 'pending').length);
}

// ---- copying ----------------------------------------------------------------------------------

function chunk(env: CopyEnv, rows: MessageRow[], multi: boolean): MessageRow[][] {
  const out: MessageRow[][] = [];
  let cur: MessageRow[] = [];
  let bytes = 0;
  const max = multi ? env.batchMessages : 1;
  for (const r of rows) {
    if (cur.length && (cur.length >= max || bytes + r.size > env.batchBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += r.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

function allowedFlags(flags: string[], permanent: Set<string> | undefined): { keep: string[]; dropped: string[] } {
  if (!permanent || permanent.size === 0) return { keep: flags, dropped: [] };
  const perm = new Set([...permanent].map((f) => f.toLowerCase()));
  const keep: string[] = [];
  const dropped: string[] = [];
  for (const f of flags) {
    const l = f.toLowerCase();
    const ok = perm.has(l) || (!f.startsWith('\\') && perm.has('\\*'));
    (ok ? keep : dropped).push(f);
  }
  return { keep, dropped };
}

/** A message body exists about three times while it is copied (the parser's chunks and the
 *  joined buffer, then the command being written), so the budget is charged three times the
 *  size; a huge message takes the whole budget and travels alone. */
const HUGE = 8 * 1024 * 1024;
export function memoryCost(bytes: number, capacity: number): number {
  return bytes >= HUGE ? capacity : Math.min(capacity, bytes * 3);
}

/**
 * UID, flags, date and size of every message from `from` on, in UID order. On the bulk path the
 * server's UID SEARCH is the check (unless a whole-folder listing already has all `exists`
 * messages): a message the bulk parser did not return is listed through imapflow, so a response
 * it cannot read never leaves a message unlisted (and so never copied).
 */
async function fetchListing(src: ImapFlow, from: number, exists: number): Promise<FetchedBody[]> {
  if (!rawAvailable(src)) return imapflowListing(src, `${from}:*`);
  const got = await rawFetchListing(src, `${from}:*`);
  if (from !== 1 || got.size !== exists) {
    const missed = ((await src.search({ uid: `${from}:*` }, { uid: true })) || []).filter((u) => u >= from && !got.has(u));
    if (missed.length) for (const m of await imapflowListing(src, toUidSet(missed))) got.set(m.uid, m);
  }
  return [...got.values()].sort((a, b) => a.uid - b.uid);
}

async function imapflowListing(src: ImapFlow, uidSet: string): Promise<FetchedBody[]> {
  const out: FetchedBody[] = [];
  for await (const m of src.fetch(uidSet, { uid: true, flags: true, internalDate: true, size: true }, { uid: true })) {
    out.push({ uid: m.uid, flags: flagList(m.flags), internalDate: toDate(m.internalDate), size: m.size ?? 0 });
  }
  return out;
}

/**
 * Bodies, flags and dates of some UIDs. What the bulk path did not bring is asked for again
 * through imapflow: only a message neither returns is taken as deleted on the source.
 */
async function fetchBodies(src: ImapFlow, uids: number[]): Promise<Map<number, FetchedBody>> {
  const got = rawAvailable(src) ? await rawFetchBodies(src, toUidSet(uids)) : new Map<number, FetchedBody>();
  const todo = uids.filter((u) => !got.get(u)?.source);
  if (todo.length) {
    for await (const m of src.fetch(toUidSet(todo), { uid: true, flags: true, internalDate: true, source: true }, { uid: true })) {
      got.set(m.uid, { uid: m.uid, flags: flagList(m.flags), internalDate: toDate(m.internalDate), ...(m.source ? { source: m.source } : {}) });
    }
  }
  return got;
}

/** FETCH of batch n+1 overlaps the APPEND of batch n (two connections, two servers). */
async function copyRows(env: CopyEnv, src: ImapFlow, dst: ImapFlow, fp: FolderPairRow, state: DestinationState, rows: MessageRow[]): Promise<void> {
  const batches = chunk(env, rows, supportsMultiappend(dst));
  const fetchBatch = async (b: MessageRow[]): Promise<{ held: number; items: Fetched[] }> => {
    const bytes = b.reduce((a, r) => a + r.size, 0);
    await env.srcThrottle.take(bytes, b.length, env.signal);
    const held = await env.budget.acquire(memoryCost(bytes, env.budget.capacity));
    try {
      const got = await fetchBodies(src, b.map((r) => r.srcUid));
      const gone = b.filter((r) => !got.has(r.srcUid));
      if (gone.length) env.store.setMessageState(gone.map((r) => r.id), 'gone', 'deleted on the source before it was copied');
      // Listed, still there, but the server answers NIL for its content (a damaged message).
      const unreadable = b.filter((r) => got.has(r.srcUid) && !got.get(r.srcUid)!.source);
      if (unreadable.length) env.store.setMessageState(unreadable.map((r) => r.id), 'failed', 'the source server could not produce this message (FETCH BODY[] answered NIL)');
      const items = b.flatMap((row) => {
        const m = got.get(row.srcUid);
        return m?.source ? [{ row, raw: m.source, flags: m.flags, internalDate: m.internalDate ?? (row.internalDate ? new Date(row.internalDate) : undefined) }] : [];
      });
      return { held, items };
    } catch (err) {
      env.budget.release(held);
      throw err;
    }
  };

  let next: Promise<{ held: number; items: Fetched[] }> | undefined = batches.length ? fetchBatch(batches[0]!) : undefined;
  for (let i = 0; next; i++) {
    const cur = await next;
    next = undefined;
    let held = cur.held;
    try {
      if (i + 1 < batches.length && !env.stopped()) {
        next = fetchBatch(batches[i + 1]!);
        next.catch(() => undefined); // surfaced when awaited
      }
      if (cur.items.length) await writeBatch(env, dst, fp, state, cur.items);
    } catch (err) {
      // The failed batch's bytes go back first: the next batch may be waiting for exactly those
      // bytes in the budget, and waiting on it while holding them would never end.
      env.budget.release(held);
      held = 0;
      if (next) await next.then((n) => env.budget.release(n.held), () => undefined);
      throw err;
    } finally {
      if (held) env.budget.release(held);
    }
  }
}

async function writeBatch(env: CopyEnv, dst: ImapFlow, fp: FolderPairRow, state: DestinationState, items: Fetched[], createdOnce = false): Promise<void> {
  const prepared = items.map((it) => {
    const id = identityOf(it.raw);
    const { keep, dropped } = allowedFlags(it.flags, state.permanentFlags);
    return { it, id, keep, dropped };
  });
  if (!dst.capabilities.has('UIDPLUS')) {
    // Without APPENDUID the intent needs an exact UIDNEXT to find this batch after a crash.
    const st = await dst.status(fp.destinationPath, { uidNext: true });
    if (st && st.uidNext) state.uidNext = st.uidNext;
  }
  const batchId = env.store.beginBatch(
    fp.id,
    { uidValidity: state.uidValidity, uidNext: state.uidNext },
    prepared.map((p) => ({ id: p.it.row.id, messageId: p.id.messageId, headerHash: p.id.headerHash, flags: p.it.flags })),
  );
  const bytes = items.reduce((a, it) => a + it.raw.length, 0);
  let res;
  try {
    await env.store.durable();
    await env.dstThrottle.take(bytes, items.length, env.signal);
    const appendItems: AppendItem[] = prepared.map((p) => ({ raw: p.it.raw, flags: p.keep, internalDate: p.it.internalDate }));
    res = await appendMessages(dst, fp.destinationPath, appendItems);
  } catch (err) {
    const f = classifyImapError(err);
    const answered = (err as { responseStatus?: string }).responseStatus === 'NO' || (err as { responseStatus?: string }).responseStatus === 'BAD';
    // No tagged answer: the server may or may not have stored the batch. Leave it open; the
    // retry reconnects and reconciles it first.
    if (!answered) throw err;
    // A tagged NO/BAD: MULTIAPPEND is all-or-nothing, nothing of this batch was stored.
    env.store.failBatch(batchId, f.message);
    if (f.transient) throw err; // retried by the caller after a back-off
    if (f.kind === 'quota') throw new AccountStop(`destination mailbox is full (${fp.destinationPath}): ${f.message}`, 'incomplete');
    if (f.kind === 'trycreate' && !createdOnce) {
      await createWithParents(dst, fp.destinationPath);
      return writeBatch(env, dst, fp, state, items, true);
    }
    if (items.length > 1) {
      // One bad message refuses the whole command: send them one by one to find it.
      env.log.warn({ folder: fp.destinationPath, reason: f.message, messages: items.length }, 'batch refused; retrying its messages one by one');
      for (const it of items) await writeBatch(env, dst, fp, state, [it], createdOnce);
      return;
    }
    const reason = f.kind === 'too-large' ? f.message : `refused by the destination: ${f.message}`;
    env.store.setMessageState([items[0]!.row.id], f.kind === 'too-large' ? 'skipped' : 'failed', reason);
    env.log.warn({ folder: fp.destinationPath, srcUid: items[0]!.row.srcUid, reason }, 'message not copied');
    return;
  }
  const uids = res.uids;
  env.store.finishBatch(
    batchId,
    res.uidValidity ?? state.uidValidity,
    prepared.map((p, i) => ({ id: p.it.row.id, dstUid: uids?.[i], droppedFlags: p.dropped })),
  );
  if (uids?.length) state.uidNext = Math.max(state.uidNext, Math.max(...uids) + 1);
  env.onProgress(items.length, bytes);
  if (env.onCopied) {
    for (const [i, p] of prepared.entries()) {
      env.onCopied({
        account: env.account,
        sourcePath: fp.sourcePath,
        destinationPath: fp.destinationPath,
        srcUid: p.it.row.srcUid,
        ...(uids?.[i] !== undefined ? { dstUid: uids[i] } : {}),
        ...(p.id.messageId ? { messageId: p.id.messageId } : {}),
        header: headerBlock(p.it.raw, HEADER_LIMIT).toString('utf8'),
      });
    }
  }
}
