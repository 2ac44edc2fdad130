import { inDateWindow } from './date-window.js';
import type { ImapFlow } from 'imapflow';
import { classifyImapError } from '../imap/errors.js';
import { policyOf } from '../errors/policy.js';
import { AccountStop, ImapProtocolError } from '../errors.js';
import { ensureFolder } from '../imap/folders.js';
import { isFlagAtom } from '../imap/bulk/commands.js';
import type { AppendItem, CopyConnection, EachResult, FetchedMessage } from './conn.js';
import { toUidSet } from '../imap/uidset.js';
import type { Logger } from '../logger.js';
import type { FolderPairRow, ListedMessage, MessageRow, CopyCheckpoints } from '../store/sync-store.js';
import type { AsyncOf } from '../store/contract/async.js';
import { HEADER_LIMIT, headerBlockOfBody, identityOf, identityOfBody, matchMultiset, type Candidate } from './identity.js';
import { bodyLength, type Body } from '../imap/bulk/body.js';
import type { AdaptiveBatch, ByteBudget, ServerThrottle } from './limits.js';
import { resolveOpenBatches, scanFrom } from './reconcile.js';

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

/** Stops the whole account (not just this folder), with the reason shown to the user (src/errors.ts). */
export { AccountStop };

export interface CopyEnv {
  account: string;
  store: AsyncOf<CopyCheckpoints>;
  log: Logger;
  /** True once the user interrupted or the account was stopped: take no new batch. */
  stopped(): boolean;
  signal: AbortSignal;
  budget: ByteBudget;
  srcThrottle: ServerThrottle;
  dstThrottle: ServerThrottle;
  /** The account's current batch size: shrinks after a cut connection, grows back after success. */
  batch: AdaptiveBatch;
  /** Largest message the destination takes, from config/preset (APPENDLIMIT is read live too). */
  maxMessageBytes?: number;
  sinceInternalDate?: Date;
  /** Adopt mail already in a destination folder before its first copy (forward copies). */
  adopt?: boolean;
  /** sync.since / --since / --max-age: copy only this window now, newest first; the rest stays pending. */
  copySince?: Date;
  onCopied?: (m: CopiedMessage) => void | Promise<void>;
  /** A spare pair of connections for this account when the job has one now (undefined: none). */
  helper?: () => Promise<HelperPair | undefined>;
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
  /** The message in the pieces it was read in (never joined on the copy path). */
  raw: Body;
  bytes: number;
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
export async function syncFolder(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, dstListed?: { uidValidity: bigint }): Promise<void> {
  // The destination is only selected when something there needs looking at: batches left in
  // flight, a folder not seen before or whose UIDVALIDITY changed, or messages to copy.
  let dstState: DestinationState | undefined;
  const unchanged = dstListed !== undefined && fp.dstUidvalidity === String(dstListed.uidValidity);
  if (!unchanged || (await env.store.openBatches(fp.id)).length > 0) {
    dstState = await openDestination(env, dst, fp);
    await reconcileDestination(env, dst, fp, dstState);
  }

  const mb = await src.select(fp.sourcePath, true);
  const uv = BigInt(mb.uidValidity);
  // Batches the other direction left in flight into this folder (a rollback that crashed): they
  // are found here first, so that what they did append is taken below as a copy, not as new mail.
  const opposite = await env.store.oppositePair(fp);
  if (opposite && (await env.store.openBatches(opposite.id)).length) await reconcileDestination(env, src, opposite, { uidValidity: uv, uidNext: mb.uidNext });
  if (fp.srcUidvalidity !== null && fp.srcUidvalidity !== String(uv)) {
    await reidentifySource(env, src, dst, fp, uv, mb.exists);
  } else if (mb.uidNext !== fp.srcUidnext || fp.srcUidvalidity === null) {
    await listNew(env, src, dst, fp, uv, mb.exists, mb.uidNext, mb.highestModseq);
  }

  let pending = inDateWindow(await env.store.messages(fp.id, String(uv), ['pending']), env.copySince);
  if (!pending.length || env.stopped()) return;
  dstState ??= await openDestination(env, dst, fp);
  if (env.adopt && !(await env.store.adoptChecked(fp.id))) {
    await adoptExisting(env, src, dst, fp, dstState, pending);
    pending = await env.store.messages(fp.id, String(uv), ['pending']);
    if (!pending.length || env.stopped()) return;
  }
  await copyRows(env, src, dst, fp, dstState, pending, uv);
}

/** SELECTs (read-write, so PERMANENTFLAGS are real) the destination folder, creating it if needed. */
async function openDestination(env: CopyEnv, dst: CopyConnection, fp: FolderPairRow): Promise<DestinationState> {
  let mb;
  try {
    mb = await dst.select(fp.destinationPath, false);
  } catch (err) {
    const f = classifyImapError(err);
    if (f.kind !== 'trycreate' && !(err as { mailboxMissing?: boolean }).mailboxMissing && f.kind !== 'refused') throw err;
    await dst.ensureFolder(fp.destinationPath);
    mb = await dst.select(fp.destinationPath, false);
  }
  const state = { uidValidity: BigInt(mb.uidValidity), uidNext: mb.uidNext, permanentFlags: mb.permanentFlags };
  return state;
}

/** Creates a folder and the parents it needs: LIST first, CREATE only what is missing (ensureFolder). */
export async function createWithParents(client: ImapFlow, path: string): Promise<void> {
  await ensureFolder(client, path);
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
async function scanDestination(dst: CopyConnection, fromUid: number, exists: number): Promise<DstMessage[]> {
  if (exists === 0) return [];
  const out: DstMessage[] = [];
  for (const m of (await dst.fetch(`${Math.max(1, fromUid)}:*`, 'header')).values()) {
    if (m.uid < fromUid) continue; // "N:*" also returns the last message when N is past the end
    const id = identityOf(m.headers ?? Buffer.alloc(0));
    out.push({ uid: m.uid, ...id, internalDate: m.internalDate, size: m.size });
  }
  return out.sort((a, b) => a.uid - b.uid);
}

const rowCand = (r: MessageRow): Candidate<MessageRow> => ({ messageId: r.messageId, internalDate: r.internalDate, headerHash: r.headerHash, size: r.size, item: r });
const dstCand = (d: DstMessage): Candidate<DstMessage> => ({ messageId: d.messageId ?? null, internalDate: d.internalDate, headerHash: d.headerHash, size: d.size, item: d });

/**
 * Before anything is retried: every batch sent but never confirmed is looked for on the
 * destination (UIDs at or above the UIDNEXT recorded with the intent, matched by identity as a
 * multiset). Found -> copied; not found -> pending. A destination folder whose UIDVALIDITY
 * changed (deleted and re-created) has its copied rows re-identified the same way.
 */
async function reconcileDestination(env: CopyEnv, dst: CopyConnection, fp: FolderPairRow, state: DestinationState): Promise<void> {
  const open = await env.store.openBatches(fp.id);
  const uvChanged = fp.dstUidvalidity !== null && fp.dstUidvalidity !== String(state.uidValidity);
  const exists = dst.selected?.exists ?? 1;
  if (uvChanged) {
    const all = await scanDestination(dst, 1, exists);
    const copied = (await env.store.messages(fp.id, fp.srcUidvalidity ?? '', ['copied'])).filter((r) => r.dstUidvalidity !== String(state.uidValidity));
    const { pairs, unmatched } = matchMultiset(copied.map(rowCand), all.map(dstCand));
    await env.store.rebindDestination(pairs.map(([r, d]) => ({ id: r.id, dstUid: d.uid })), state.uidValidity);
    await env.store.setMessageState(unmatched.map((r) => r.id), 'pending', null);
    env.event('warn', 'dst-uidvalidity-changed', `${fp.destinationPath}: destination UIDVALIDITY changed; ${pairs.length} copied messages re-found, ${unmatched.length} to copy again`);
  }
  if (open.length) {
    const scanned = await scanDestination(dst, scanFrom(open, state.uidValidity), exists);
    for (const r of await resolveOpenBatches(env.store, fp.id, open, state.uidValidity, scanned)) {
      env.log.info({ folder: fp.destinationPath, batch: r.batch, found: r.found, missing: r.missing }, 'reconciled a batch left in flight');
    }
  }
  await env.store.setDestinationState(fp.id, state.uidValidity, state.uidNext);
}

// ---- adoption ---------------------------------------------------------------------------------

/**
 * Before the first copy into a destination folder that already holds mail (another tool, a lost
 * store, the provider's own migration): index it by identity and adopt the source messages it
 * already has - recorded as copied, with their destination UIDs - instead of appending them
 * again. Matching is a multiset, so two identical source messages need two identical ones there;
 * UIDs other rows already claim are not offered. Works without UIDPLUS (UIDs come from FETCH).
 */
async function adoptExisting(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, state: DestinationState, pending: MessageRow[]): Promise<void> {
  const exists = dst.selected?.exists ?? 0;
  if (exists === 0) {
    await env.store.adopt(fp.id, state.uidValidity, []);
    return;
  }
  const claimed = await env.store.claimedDestinationUids(fp.id, String(state.uidValidity), 1);
  const found = (await scanDestination(dst, 1, exists)).filter((d) => !claimed.has(d.uid));
  const ids = new Map<number, { messageId?: string; headerHash: string }>();
  if (found.length) {
    for (const m of (await src.fetch(toUidSet(pending.map((r) => r.srcUid)), 'header')).values()) ids.set(m.uid, identityOf(m.headers ?? Buffer.alloc(0)));
  }
  const wanted = pending.filter((r) => ids.has(r.srcUid)).map((r) => ({ ...rowCand(r), messageId: ids.get(r.srcUid)!.messageId ?? null, headerHash: ids.get(r.srcUid)!.headerHash }));
  // matchMultiset also pairs by Message-ID + INTERNALDATE what a server rendered anew.
  const { pairs: all } = matchMultiset(wanted, found.map(dstCand));
  await env.store.adopt(
    fp.id,
    state.uidValidity,
    all.map(([r, d]) => ({ id: r.id, dstUid: d.uid, headerHash: ids.get(r.srcUid)!.headerHash, ...(ids.get(r.srcUid)!.messageId ? { messageId: ids.get(r.srcUid)!.messageId } : {}) })),
  );
  if (all.length) env.event('info', 'adopted', `${fp.destinationPath}: ${all.length} message(s) already in the destination adopted, not copied again`);
  env.log.info({ folder: fp.destinationPath, adopted: all.length, destination: exists, pending: pending.length }, 'destination already held mail: adopted what matches');
}

// ---- listing ----------------------------------------------------------------------------------

function sizeLimit(env: CopyEnv, dst: CopyConnection): number | undefined {
  const limits = [dst.appendLimit(), env.maxMessageBytes].filter((x): x is number => typeof x === 'number');
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
async function listNew(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, uv: bigint, exists: number, uidNext: number, modseq?: bigint): Promise<void> {
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
  const copies = rows.length ? await env.store.oppositeCopies(fp, uv, from) : new Map<number, { uid: number; uidValidity: string }>();
  for (const r of rows) {
    const origin = copies.get(r.uid);
    if (origin) Object.assign(r, { state: 'copied', lastError: undefined, dstUid: origin.uid, dstUidvalidity: origin.uidValidity });
  }
  await env.store.insertListed(fp.id, uv, rows);
  await env.store.setSourceWatermark(fp.id, { uidValidity: uv, uidNext, highestModseq: modseq, listedUid: maxUid });
  env.onListed(rows.filter((r) => (r.state ?? 'pending') === 'pending').length);
}

/**
 * The source folder's UIDVALIDITY changed (re-created, restored, migrated): its UIDs mean nothing
 * any more. Every current source message is identified by its headers and paired, as a multiset,
 * with the rows already copied; only what has no copied counterpart is copied. Nothing is deleted.
 */
async function reidentifySource(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, uv: bigint, exists: number): Promise<void> {
  const current: (ListedMessage & { internalDate?: Date })[] = [];
  const limit = sizeLimit(env, dst);
  if (exists > 0) {
    const all = [...(await src.fetch('1:*', 'header')).values()].sort((a, b) => a.uid - b.uid);
    for (const m of all) {
      const id = identityOf(m.headers ?? Buffer.alloc(0));
      current.push({ uid: m.uid, internalDate: m.internalDate, size: m.size ?? 0, flags: m.flags, headerHash: id.headerHash, ...(id.messageId ? { messageId: id.messageId } : {}) });
    }
  }
  const old = (await env.store.messagesNotOf(fp.id, String(uv))).filter((r) => r.state === 'copied');
  const wanted: Candidate<ListedMessage>[] = current.map((c) => ({ messageId: c.messageId ?? null, internalDate: c.internalDate, headerHash: c.headerHash, size: c.size, item: c }));
  const { pairs, unmatched } = matchMultiset(wanted, old.map(rowCand));
  await env.store.rebindSource(pairs.map(([c, r]) => ({ id: r.id, uid: c.uid })), uv);
  await env.store.forgetUncopied(fp.id, String(uv));
  const fresh = unmatched.map((m) => classifyListed(env, limit, m)).filter((m): m is ListedMessage => m !== undefined);
  await env.store.insertListed(fp.id, uv, fresh);
  const maxUid = current.reduce((a, c) => Math.max(a, c.uid), 0);
  const mb = src.selected;
  if (!mb) throw new ImapProtocolError(`${fp.sourcePath}: the source folder is no longer selected`, { side: 'source', account: env.account, folder: fp.sourcePath });
  await env.store.setSourceWatermark(fp.id, { uidValidity: uv, uidNext: mb.uidNext, highestModseq: mb.highestModseq, listedUid: maxUid });
  env.event('warn', 'src-uidvalidity-changed', `${fp.sourcePath}: source UIDVALIDITY changed; ${pairs.length} messages re-identified as already copied, ${fresh.length} new`);
  env.onListed(fresh.filter((r) => (r.state ?? 'pending') === 'pending').length);
}

// ---- copying ----------------------------------------------------------------------------------

/** Batches of up to batchMessages / batchBytes: one MULTIAPPEND each, or (without MULTIAPPEND)
 *  as many pipelined single APPENDs under one intent. */
function chunk(env: CopyEnv, rows: MessageRow[]): MessageRow[][] {
  const out: MessageRow[][] = [];
  let cur: MessageRow[] = [];
  let bytes = 0;
  const max = env.batch.messages;
  for (const r of rows) {
    if (cur.length && (cur.length >= max || bytes + r.size > env.batch.bytes)) {
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

/** The folder's PERMANENTFLAGS lower-cased, made once per SELECT answer (not once per message). */
const lowered = new WeakMap<Set<string>, { size: number; set: Set<string> }>();
function lowerSet(permanent: Set<string>): Set<string> {
  const l = lowered.get(permanent);
  // Made again if the set changed size (updated in place).
  if (l && l.size === permanent.size) return l.set;
  const set = new Set([...permanent].map((f) => f.toLowerCase()));
  lowered.set(permanent, { size: permanent.size, set });
  return set;
}

/** Flags the folder takes. With `knownOnly` (its keyword table is full) a keyword must already be
 *  one of its PERMANENTFLAGS, whatever \* says. */
function allowedFlags(flags: string[], permanent: Set<string> | undefined, knownOnly = false): { keep: string[]; dropped: string[] } {
  // A keyword that is not an atom cannot be written in any IMAP command: recorded, never sent.
  const unwritable = flags.filter((f) => !isFlagAtom(f));
  if (unwritable.length) {
    const r = allowedFlags(flags.filter(isFlagAtom), permanent, knownOnly);
    return { keep: r.keep, dropped: [...r.dropped, ...unwritable] };
  }
  if (!permanent || permanent.size === 0) return knownOnly ? { keep: flags.filter((f) => f.startsWith('\\')), dropped: flags.filter((f) => !f.startsWith('\\')) } : { keep: flags, dropped: [] };
  const perm = lowerSet(permanent);
  const keep: string[] = [];
  const dropped: string[] = [];
  for (const f of flags) {
    const l = f.toLowerCase();
    const ok = perm.has(l) || (!knownOnly && !f.startsWith('\\') && perm.has('\\*'));
    (ok ? keep : dropped).push(f);
  }
  return { keep, dropped };
}

/** A message body exists about three times while it is copied on the imapflow path (the
 *  parser's chunks and the joined buffer, then the command being written), so the budget is
 *  charged three times the size. On the bulk path it exists once: its pieces are the socket's
 *  reads, and writing them queues references, not copies; twice the size leaves room for the
 *  reads that hold it and the next batch's. A huge message takes the whole budget and travels
 *  alone. */
const HUGE = 8 * 1024 * 1024;
export function memoryCost(bytes: number, capacity: number, path: 'bulk' | 'imapflow' = 'imapflow'): number {
  return bytes >= HUGE ? capacity : Math.min(capacity, bytes * (path === 'bulk' ? 2 : 3));
}

/**
 * UID, flags, date and size of every message from `from` on, in UID order. On the bulk path the
 * server's UID SEARCH is the check (unless a whole-folder listing already has all `exists`
 * messages): a message the listing did not bring is asked for once more, and one the server
 * has but whose answer still cannot be read stops the folder with that reason instead of going
 * unlisted (and so never copied).
 */
async function fetchListing(src: CopyConnection, from: number, exists: number): Promise<FetchedMessage[]> {
  const got = await src.fetch(`${from}:*`, 'size');
  if (src.kind === 'bulk' && (from !== 1 || got.size !== exists)) {
    const missed = (await src.search(`${from}:*`)).filter((u) => u >= from && !got.has(u));
    if (missed.length) for (const m of (await src.fetch(toUidSet(missed), 'size')).values()) got.set(m.uid, m);
    const still = missed.filter((u) => !got.has(u));
    if (still.length) throw new ImapProtocolError(`the source server's FETCH answer for UID ${toUidSet(still).slice(0, 60)} could not be read`, { side: 'source' });
  }
  return [...got.values()].sort((a, b) => a.uid - b.uid);
}

/**
 * Bodies, flags and dates of some UIDs. What the first FETCH did not bring is asked for again;
 * only a message the server no longer has (UID SEARCH) is taken as deleted on the source.
 */
async function fetchBodies(src: CopyConnection, uids: number[]): Promise<Map<number, FetchedMessage>> {
  const got = await src.fetch(toUidSet(uids), 'body');
  const todo = uids.filter((u) => !got.get(u)?.source);
  if (todo.length) for (const m of (await src.fetch(toUidSet(todo), 'body')).values()) got.set(m.uid, m);
  const absent = uids.filter((u) => !got.has(u));
  if (absent.length && src.kind === 'bulk') {
    const there = await src.search(toUidSet(absent));
    if (there.length) throw new ImapProtocolError(`the source server's FETCH answer for UID ${toUidSet(there).slice(0, 60)} could not be read`, { side: 'source' });
  }
  return got;
}

/**
 * How many batches may be in flight on the destination connection at once. Two where the next
 * batch's intent and fsync can overlap the APPENDs of the one before (the server is never left
 * waiting for our store): the bulk path, with APPENDUID (each batch's UIDs come with its own OK,
 * and a crash leaves open batches that reconciliation resolves together, never taking a UID
 * twice), and no messages-per-hour pace (which leaves room for one command in flight only).
 */
export function writeDepth(dst: Pick<CopyConnection, 'kind' | 'has'>, dstThrottle: Pick<ServerThrottle, 'messages'>): number {
  return dst.kind === 'bulk' && dst.has('UIDPLUS') && !dstThrottle.messages ? 2 : 1;
}

/** Another pair of connections that may help copy this folder's batches (a spare pair of the pools). */
export interface HelperPair {
  src: CopyConnection;
  dst: CopyConnection;
  /** Gives the pair back (broken: its connections failed, or a batch of it is unresolved). */
  release(broken: boolean): void;
}

/** What the workers of one folder share: the batches left, and the first failure. */
interface Feed {
  batches: MessageRow[][];
  next: number;
  failure?: { err: unknown };
}

/** Batches left before another pair is worth its login: a few per worker. */
const HELPER_MIN_BATCHES = 4;

/**
 * Copies the rows on `src`/`dst` and, while the job has session pairs to spare (the queue is
 * empty: the end of the copy), on helper pairs too: every worker takes the next batch from the
 * one list, so a big folder does not run alone at the end. Only where batches can be written
 * side by side (writeDepth 2: APPENDUID names each batch's UIDs, no pace), and the retry after
 * any worker's failure starts only once every worker has stopped, so reconciliation never meets
 * a batch still in flight.
 */
async function copyRows(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, state: DestinationState, rows: MessageRow[], srcUv: bigint): Promise<void> {
  const feed: Feed = { batches: chunk(env, rows), next: 0 };
  const helpers: Promise<void>[] = [];
  const canShare = env.helper !== undefined && writeDepth(dst, env.dstThrottle) === 2;
  let asking: Promise<void> | undefined;
  const recruit = (): void => {
    if (!canShare || asking || feed.failure || env.stopped()) return;
    if (feed.batches.length - feed.next < HELPER_MIN_BATCHES * (helpers.length + 2)) return;
    asking = env.helper!().then(
      (pair) => {
        asking = undefined;
        if (pair) helpers.push(helpFolder(env, pair, fp, srcUv, state, feed));
      },
      () => void (asking = undefined),
    );
  };
  try {
    await pump(env, src, dst, fp, state, feed, recruit);
  } catch (err) {
    feed.failure ??= { err };
  }
  // Nothing returns (or throws) while a helper still writes: the retry reconciles from the store.
  await asking;
  for (let i = 0; i < helpers.length; i++) await helpers[i];
  if (feed.failure) throw feed.failure.err;
}

/** A helper pair: the same folders selected, then batches from the shared list until none is left. */
async function helpFolder(env: CopyEnv, pair: HelperPair, fp: FolderPairRow, srcUv: bigint, main: DestinationState, feed: Feed): Promise<void> {
  let broken = false;
  try {
    const mb = await pair.src.select(fp.sourcePath, true);
    const state = await openDestination(env, pair.dst, fp);
    // Either folder changed under us: the main worker will find out; this pair does not help.
    if (BigInt(mb.uidValidity) !== srcUv || state.uidValidity !== main.uidValidity || writeDepth(pair.dst, env.dstThrottle) !== 2) return;
    env.log.debug({ folder: fp.sourcePath, left: feed.batches.length - feed.next }, 'a spare session pair helps copy this folder');
    await pump(env, pair.src, pair.dst, fp, state, feed);
  } catch (err) {
    broken = true;
    // Before a batch was taken a failure costs nothing; after, the folder's retry reconciles it.
    feed.failure ??= { err };
  } finally {
    pair.release(broken);
  }
}

/**
 * One worker: FETCH of the next batch overlaps the APPEND of the ones before (two connections,
 * two servers), and up to writeDepth() batches are appended at once. Each batch's intent is
 * durable before its own APPEND is sent, as with one batch at a time.
 */
async function pump(env: CopyEnv, src: CopyConnection, dst: CopyConnection, fp: FolderPairRow, state: DestinationState, feed: Feed, onBatch?: () => void): Promise<void> {
  const take = (): MessageRow[] | undefined => (feed.failure || env.stopped() || feed.next >= feed.batches.length ? undefined : feed.batches[feed.next++]);
  const fetchBatch = async (b: MessageRow[]): Promise<{ held: number; items: Fetched[] }> => {
    const bytes = b.reduce((a, r) => a + r.size, 0);
    await env.srcThrottle.take(bytes, b.length, env.signal);
    const held = await env.budget.acquire(memoryCost(bytes, env.budget.capacity, src.kind));
    try {
      const got = await fetchBodies(src, b.map((r) => r.srcUid));
      const gone = b.filter((r) => !got.has(r.srcUid));
      if (gone.length) await env.store.setMessageState(gone.map((r) => r.id), 'gone', 'deleted on the source before it was copied');
      // Listed, still there, but the server answers NIL for its content (a damaged message).
      const unreadable = b.filter((r) => got.has(r.srcUid) && !got.get(r.srcUid)!.source);
      if (unreadable.length) await env.store.setMessageState(unreadable.map((r) => r.id), 'failed', 'the source server could not produce this message (FETCH BODY[] answered NIL)');
      const items = b.flatMap((row) => {
        const m = got.get(row.srcUid);
        return m?.source ? [{ row, raw: m.source, bytes: bodyLength(m.source), flags: m.flags, internalDate: m.internalDate ?? (row.internalDate ? new Date(row.internalDate) : undefined) }] : [];
      });
      return { held, items };
    } catch (err) {
      env.budget.release(held);
      throw err;
    }
  };

  const depth = writeDepth(dst, env.dstThrottle);
  const writing = new Set<Promise<void>>();
  // This worker's own failure (its connections are then broken), and the folder's first one.
  let failed: { err: unknown } | undefined;
  const write = (cur: { held: number; items: Fetched[] }): void => {
    const p: Promise<void> = (cur.items.length ? writeBatch(env, dst, fp, state, cur.items) : Promise.resolve())
      .catch((err: unknown) => {
        failed ??= { err };
        feed.failure ??= { err };
      })
      .finally(() => {
        env.budget.release(cur.held);
        writing.delete(p);
      });
    writing.add(p);
  };

  const first = take();
  let next: Promise<{ held: number; items: Fetched[] }> | undefined = first ? fetchBatch(first) : undefined;
  try {
    while (next && !feed.failure) {
      let cur: { held: number; items: Fetched[] };
      try {
        cur = await next;
      } catch (err) {
        next = undefined;
        throw err;
      }
      next = undefined;
      // The batch goes out first: its bytes are held, and the next fetch may need the budget.
      write(cur);
      const b = take();
      if (b) {
        next = fetchBatch(b);
        next.catch(() => undefined); // surfaced when awaited
      }
      onBatch?.();
      while (writing.size >= depth && !feed.failure) await Promise.race(writing);
    }
  } finally {
    // Nothing returns (or throws) while a batch is still being written: the caller may retry,
    // and the retry reconciles from the store. The failed batch's bytes are back by then.
    while (writing.size) await Promise.race(writing);
    if (next) await next.then((n) => env.budget.release(n.held), () => undefined);
  }
  if (failed) throw failed.err;
}

/** A NO that says the folder has no room for more keywords (Cyrus: "Too many user flags in mailbox"). */
export function saysTooManyFlags(err: unknown): boolean {
  const e = err as { responseText?: string; message?: string };
  return /too many (user )?(flags|keywords)|user ?flags? limit|keyword limit/i.test(`${e?.responseText ?? ''} ${e?.message ?? ''}`);
}

function droppedReason(dropped: string[], limitHit: boolean): string {
  const list = dropped.slice(0, 10).join(' ') + (dropped.length > 10 ? ` … (${dropped.length} in all)` : '');
  return limitHit
    ? `copied without ${dropped.length} keyword(s) the destination folder has no room for (its limit of keywords per folder is reached): ${list}`
    : `copied without ${dropped.length} flag(s)/keyword(s) the destination folder does not accept (not in its PERMANENTFLAGS): ${list}`;
}

async function writeBatch(env: CopyEnv, dst: CopyConnection, fp: FolderPairRow, state: DestinationState, items: Fetched[], createdOnce = false, keywordLimit = false): Promise<void> {
  const prepared = items.map((it) => {
    const id = identityOfBody(it.raw);
    const { keep, dropped } = allowedFlags(it.flags, state.permanentFlags, keywordLimit);
    return { it, id, keep, dropped, limitHit: keywordLimit };
  });
  if (!dst.has('UIDPLUS')) {
    // Without APPENDUID the intent needs an exact UIDNEXT to find this batch after a crash.
    const next = await dst.uidNext(fp.destinationPath);
    if (next) state.uidNext = next;
  }
  // The intent is committed (awaited, then durable) before the APPEND below is sent.
  const batchId = await env.store.beginBatch(
    fp.id,
    { uidValidity: state.uidValidity, uidNext: state.uidNext },
    prepared.map((p) => ({ id: p.it.row.id, messageId: p.id.messageId, headerHash: p.id.headerHash, flags: p.it.flags })),
  );
  const bytes = items.reduce((a, it) => a + it.bytes, 0);
  let res;
  let each: EachResult[] | undefined;
  try {
    await env.store.durable();
    await env.dstThrottle.take(bytes, items.length, env.signal);
    const appendItems: AppendItem[] = prepared.map((p) => ({ raw: p.it.raw, flags: p.keep, internalDate: p.it.internalDate }));
    // Without MULTIAPPEND: the same batch as single APPENDs, pipelined, under the one intent
    // and the one fsync above (not one per message).
    if (items.length > 1 && !dst.multiappend) each = await dst.appendEach(fp.destinationPath, appendItems);
    else res = await dst.append(fp.destinationPath, appendItems);
  } catch (err) {
    const f = classifyImapError(err);
    const answered = (err as { responseStatus?: string }).responseStatus === 'NO' || (err as { responseStatus?: string }).responseStatus === 'BAD';
    // No tagged answer: the server may or may not have stored the batch. Leave it open; the
    // retry reconnects and reconciles it first, with smaller batches.
    if (!answered) {
      if (f.kind === 'connection' || f.kind === 'unknown') env.batch.shrink();
      throw err;
    }
    // A tagged NO/BAD: MULTIAPPEND is all-or-nothing, nothing of this batch was stored.
    await env.store.failBatch(batchId, f.message);
    if (f.transient) throw err; // retried by the caller after a back-off
    if (f.kind === 'quota') throw new AccountStop(`destination mailbox is full (${fp.destinationPath}): ${f.message}`, 'incomplete', { side: 'destination', account: env.account, folder: fp.destinationPath, cause: err });
    if (f.kind === 'daily-limit') throw new AccountStop(`destination ${f.message}`, 'incomplete', { side: 'destination', account: env.account, folder: fp.destinationPath, cause: err });
    if (f.kind === 'trycreate' && !createdOnce) {
      await dst.ensureFolder(fp.destinationPath);
      return writeBatch(env, dst, fp, state, items, true);
    }
    if (!keywordLimit && saysTooManyFlags(err)) {
      // The folder's keyword table is full: the message goes in with the keywords the folder
      // already knows (its PERMANENTFLAGS, re-read now), the others are recorded as its reason.
      const mb = await dst.select(fp.destinationPath, false);
      state.permanentFlags = mb.permanentFlags;
      env.log.warn({ folder: fp.destinationPath, reason: f.message, messages: items.length }, 'keyword limit of the destination folder reached; copying with the keywords that fit');
      if (items.length > 1) {
        for (const it of items) await writeBatch(env, dst, fp, state, [it], createdOnce, false);
        return;
      }
      return writeBatch(env, dst, fp, state, items, createdOnce, true);
    }
    if (items.length > 1) {
      // One bad message refuses the whole command: send them one by one to find it.
      env.log.warn({ folder: fp.destinationPath, reason: f.message, messages: items.length }, 'batch refused; retrying its messages one by one');
      for (const it of items) await writeBatch(env, dst, fp, state, [it], createdOnce);
      return;
    }
    const reason = f.kind === 'too-large' ? f.message : `refused by the destination: ${f.message}`;
    await env.store.setMessageState([items[0]!.row.id], f.kind === 'too-large' ? 'skipped' : 'failed', reason);
    env.log.warn({ folder: fp.destinationPath, srcUid: items[0]!.row.srcUid, reason }, 'message not copied');
    return;
  }
  env.batch.grow();
  if (each) {
    const failed = prepared.filter((_p, i) => !each![i]!.ok);
    const ok = prepared.filter((_p, i) => each![i]!.ok);
    const okRes = each.filter((r): r is Extract<EachResult, { ok: true }> => r.ok);
    let okUids: (number | undefined)[] = okRes.map((r) => r.uid);
    if (ok.length && okUids.some((u) => u === undefined)) okUids = await uidsByIdentity(dst, fp.destinationPath, state.uidNext, ok);
    const uv = okRes.find((r) => r.uidValidity !== undefined)?.uidValidity ?? state.uidValidity;
    // Refused ones are free again and go one by one (their reason is recorded there).
    if (failed.length) await env.store.setMessageState(failed.map((p) => p.it.row.id), 'pending', null);
    // A throttling answer among them holds every session to this server first (failure policy).
    const throttled = each.flatMap((r) => (r.ok ? [] : [classifyImapError(r.error)])).find((f) => policyOf(f).retry === 'server');
    if (throttled) env.dstThrottle.throttled(throttled);
    await env.store.finishBatch(batchId, uv, ok.map((p, i) => ({ id: p.it.row.id, dstUid: okUids[i], droppedFlags: p.dropped, ...(p.dropped.length ? { reason: droppedReason(p.dropped, p.limitHit) } : {}) })));
    const known = okUids.filter((u): u is number => u !== undefined);
    if (known.length) state.uidNext = Math.max(state.uidNext, Math.max(...known) + 1);
    env.onProgress(ok.length, ok.reduce((a, p) => a + p.it.bytes, 0));
    await notifyCopied(env, fp, ok, okUids);
    for (const p of failed) await writeBatch(env, dst, fp, state, [p.it], createdOnce);
    return;
  }
  let uids = res!.uids;
  // Without UIDPLUS the destination UIDs are found by identity among UIDs >= the recorded UIDNEXT,
  // so dual-run can later apply flag changes to the copies.
  if (!uids && !res!.uidValidity) uids = (await uidsByIdentity(dst, fp.destinationPath, state.uidNext, prepared)).map((u) => u) as number[];
  res = res!;
  await env.store.finishBatch(
    batchId,
    res.uidValidity ?? state.uidValidity,
    prepared.map((p, i) => ({ id: p.it.row.id, dstUid: uids?.[i], droppedFlags: p.dropped, ...(p.dropped.length ? { reason: droppedReason(p.dropped, p.limitHit) } : {}) })),
  );
  const knownUids = (uids ?? []).filter((u): u is number => u !== undefined);
  if (knownUids.length) state.uidNext = Math.max(state.uidNext, Math.max(...knownUids) + 1);
  env.onProgress(items.length, bytes);
  await notifyCopied(env, fp, prepared, uids ?? []);
}

type Prepared = { it: Fetched; id: { messageId?: string; headerHash: string }; keep: string[]; dropped: string[]; limitHit: boolean };

async function notifyCopied(env: CopyEnv, fp: FolderPairRow, prepared: Prepared[], uids: (number | undefined)[]): Promise<void> {
  if (!env.onCopied) return;
  for (const [i, p] of prepared.entries()) {
    await env.onCopied({
      account: env.account,
      sourcePath: fp.sourcePath,
      destinationPath: fp.destinationPath,
      srcUid: p.it.row.srcUid,
      ...(uids[i] !== undefined ? { dstUid: uids[i] } : {}),
      ...(p.id.messageId ? { messageId: p.id.messageId } : {}),
      header: headerBlockOfBody(p.it.raw, HEADER_LIMIT).toString('utf8'),
    });
  }
}

/**
 * Destination UIDs of messages just appended to a server without UIDPLUS: the folder's messages
 * with UID >= the UIDNEXT recorded before the batch, matched by identity as a multiset (in the
 * items' order; undefined where none matched). The folder must be the selected one.
 */
async function uidsByIdentity(dst: CopyConnection, path: string, fromUid: number, prepared: Prepared[]): Promise<(number | undefined)[]> {
  const selected = dst.selected?.path;
  if (!fromUid || selected !== path) return prepared.map(() => undefined);
  const found = await scanDestination(dst, fromUid, 1);
  const wanted = prepared.map((p, i) => ({ messageId: p.id.messageId ?? null, internalDate: p.it.internalDate ?? p.it.row.internalDate, headerHash: p.id.headerHash, size: p.it.bytes, item: i }));
  const { pairs } = matchMultiset(wanted, found.map(dstCand));
  const out: (number | undefined)[] = prepared.map(() => undefined);
  for (const [i, d] of pairs) out[i] = d.uid;
  return out;
}
