import type { Account, FolderRules, ServerConfig } from '../config/types.js';
import { classifyImapError } from '../imap/errors.js';
import { ensureFolder, listExistingFolders, listFolders, type ListedFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import { planFolderMapping, type FolderMapping } from '../mapping/plan.js';
import type { AsyncOf, AsyncJobStore } from '../store/contract/async.js';
import type { Direction, FolderPairRow, CopyCheckpoints } from '../store/sync-store.js';
import { policyOf, type RetryBound } from '../errors/policy.js';
import { AccountStop, syncFolder, type CopiedMessage, type CopyEnv, type HelperPair } from './folder.js';
import { AdaptiveBatch, type ByteBudget, type ServerThrottle } from './limits.js';
import { withRetry } from './retry.js';
import { trySparePair, withPair, withSession, type SidePools } from './session-pools.js';
import type { JobQueue } from './job-queue.js';
import { keyOf } from './pool.js';

/** Job-wide things every account shares. */
export interface JobEnv {
  store: AsyncJobStore;
  sync: AsyncOf<CopyCheckpoints>;
  log: Logger;
  signal: AbortSignal;
  direction: Direction;
  rules: FolderRules;
  /** The server copied from and the one copied to (swapped for 'reverse'). */
  from: ServerConfig;
  to: ServerConfig;
  budget: ByteBudget;
  fromThrottle: ServerThrottle;
  toThrottle: ServerThrottle;
  /** The sessions of the job on each side, shared by every account (capacity = maxConnections). */
  pools: SidePools;
  /** The pools are the caller's (a dual-run pass): an account's idle sessions stay for its next step. */
  keepIdle?: boolean;
  batchMessages: number;
  batchBytes: number;
  /** True while the job's queue has tasks waiting or listings still to come: spare pairs go to them. */
  tasksWaiting: () => boolean;
  /** Called once per account when its folder tasks are in the queue (or it has none). */
  listingDone?: () => void;
  /** How many tries and how long a transient failure gets before the account stops for this run. */
  retry: RetryBound;
  sinceInternalDate?: Date;
  copySince?: Date;
  onCopied?: (m: CopiedMessage) => void | Promise<void>;
  onProgress(account: string, messages: number, bytes: number): void;
  onListed(account: string, pending: number): void;
}

export interface AccountOutcome {
  user: string;
  state: 'complete' | 'incomplete' | 'failed';
  error?: string;
  copied: number;
  skipped: number;
  failed: number;
  pending: number;
  bytes: number;
}

export interface PlannedFolder {
  mapping: FolderMapping;
  /** Store counts when the pair is already known. */
  copied: number;
  pending: number;
}

/** The mapping of this run. Reverse copies go back to the folder each one came from. */
async function plan(env: JobEnv, accountId: number | undefined, from: ListedFolders, to: ListedFolders): Promise<FolderMapping[]> {
  if (env.direction === 'forward') return planFolderMapping(from, to, env.rules, { destinationPreset: env.to.preset });
  const mappings = planFolderMapping(from, to, { exclude: [], rename: [] }, { destinationPreset: env.to.preset });
  const forward = accountId === undefined ? [] : (await env.sync.folderPairs(accountId, 'forward')).filter((p) => p.state === 'active');
  for (const m of mappings) {
    const f = forward.find((p) => p.destinationPath === m.source.path);
    if (!f) continue;
    m.destinationPath = f.sourcePath;
    m.destinationLogicalPath = f.sourceLogical ?? f.sourcePath;
    m.existsOnDestination = to.folders.some((x) => x.path === f.sourcePath);
    m.notes = [`back to "${m.destinationLogicalPath}", where it was copied from`];
  }
  return mappings;
}

/** Lists and maps one account without writing anything (sync --dry-run, and the first step of a run). */
export async function planAccount(env: JobEnv, a: Account): Promise<PlannedFolder[]> {
  const [fl, tl] = await withPair(env.pools, a, env.signal, (from, to) => Promise.all([from.get().then(listFolders), to.get().then(listFolders)]));
  const accountId = (await env.store.accounts()).find((x) => x.sourceUser === a.sourceUser)?.id;
  const known = accountId === undefined ? [] : await env.sync.folderPairs(accountId, env.direction);
  const out: PlannedFolder[] = [];
  for (const mapping of await plan(env, accountId, fl, tl)) {
    const fp = known.find((p) => p.sourcePath === mapping.source.path);
    const counts = fp ? await env.sync.folderCounts(fp.id) : undefined;
    const listed = counts?.found ?? 0;
    const onServer = mapping.source.status?.messages ?? 0;
    out.push({ mapping, copied: counts?.copied ?? 0, pending: (counts?.pending ?? 0) + Math.max(0, onServer - listed) });
  }
  return out;
}

/** One folder pair to copy: a task of the job-wide queue. */
export interface FolderTask {
  fp: FolderPairRow;
  /** Messages on the source (STATUS). */
  messages: number;
  /** Messages this run still has to copy: open ones in the store plus those not yet listed. */
  toCopy: number;
  dstStatus?: { uidValidity: bigint };
}

/** Every account's listing runs before any folder task: the queue then holds the whole job's folders. */
export const LISTING_PRIORITY = Number.MAX_SAFE_INTEGER;

/**
 * A folder task's place in the job-wide queue: the most work first, across all accounts, so
 * that the biggest folders start at once and the last tasks to run are small ones (a big folder
 * started late runs alone at the end while the other sessions sit idle).
 */
export function taskWeight(t: Pick<FolderTask, 'toCopy'>): number {
  return t.toCopy;
}

/** What is left of a folder pair, from the store: its open rows plus the source's messages not yet listed. */
export async function messagesToCopy(sync: AsyncOf<CopyCheckpoints>, fp: FolderPairRow, onSource: number): Promise<number> {
  const open = fp.srcUidvalidity === null ? 0 : await sync.countOpen(fp.id, fp.srcUidvalidity);
  return open + Math.max(0, onSource - (await sync.folderCounts(fp.id)).found);
}

/** One account's run: what its folder tasks share, and what they found out. */
class AccountRun {
  readonly id: number;
  readonly log: Logger;
  stop: AccountStop | undefined;
  readonly folderErrors: string[] = [];
  copied = 0;
  bytes = 0;
  /** A folder task did not run, or gave up, because of the interrupt. */
  interrupted = false;
  /** Shared by the account's folders: a cut connection shrinks the next batch of each. */
  readonly batch: AdaptiveBatch;
  constructor(
    readonly env: JobEnv,
    readonly account: Account,
    id: number,
  ) {
    this.id = id;
    this.log = env.log.child({ account: account.sourceUser });
    this.batch = new AdaptiveBatch(env.batchMessages, env.batchBytes);
  }
  get label(): string {
    return this.account.sourceUser;
  }
  /** Never rejects: an event that cannot be written is logged, and the copy goes on. */
  event(level: 'info' | 'warn' | 'error', kind: string, message: string): Promise<void> {
    return this.env.store.addEvent({ phase: 'sync', accountId: this.id, level, kind, message: `${this.label}: ${message}` }).catch((err: unknown) => this.log.warn({ err: (err as Error).message, kind }, 'event not recorded'));
  }
  async folderFailed(path: string, message: string): Promise<void> {
    const msg = `${path}: ${message}`;
    this.folderErrors.push(msg);
    await this.event('error', 'folder-failed', msg);
    this.log.error({ folder: path, err: message }, 'folder not copied');
  }
  /**
   * A pair the pools can spare now, for a folder of this account with many batches left: only
   * once no task waits in the queue (the end of the copy), never above either pool's capacity.
   */
  async helperPair(): Promise<HelperPair | undefined> {
    const env = this.env;
    if (env.tasksWaiting() || this.stop || env.signal.aborted) return undefined;
    const pair = trySparePair(env.pools, this.account);
    if (!pair) return undefined;
    try {
      return { src: await pair.from.copy(), dst: await pair.to.copy(), release: pair.release };
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'a spare session pair could not connect');
      pair.release(true);
      return undefined;
    }
  }
  copyEnv(): CopyEnv {
    const env = this.env;
    return {
      account: this.label,
      store: env.sync,
      log: this.log,
      stopped: () => env.signal.aborted || this.stop !== undefined,
      signal: env.signal,
      budget: env.budget,
      srcThrottle: env.fromThrottle,
      dstThrottle: env.toThrottle,
      batch: this.batch,
      maxMessageBytes: env.to.maxMessageBytes,
      sinceInternalDate: env.sinceInternalDate,
      adopt: env.direction === 'forward',
      copySince: env.copySince,
      onCopied: env.onCopied,
      helper: () => this.helperPair(),
      onProgress: (n, b) => {
        this.copied += n;
        this.bytes += b;
        env.onProgress(this.label, n, b);
      },
      onListed: (n) => env.onListed(this.label, n),
      event: (level, kind, message) => void this.event(level, kind, message),
    };
  }
}

/**
 * Copies one account through the job's queue: one task lists both sides and records the mapping,
 * then each folder to copy is a task of its own, run when the queue and the pools have room (the
 * pools hold every account's sessions, so the whole job keeps within maxConnections). The outcome
 * is read back from the store. Undefined when the run was interrupted before this account started.
 */
export async function syncAccount(env: JobEnv, a: Account, queue: JobQueue): Promise<AccountOutcome | undefined> {
  let started;
  try {
    started = await queue.add(async () => (env.signal.aborted ? undefined : startAccount(env, a)), { priority: LISTING_PRIORITY });
  } catch (err) {
    env.listingDone?.();
    throw err;
  }
  if (!started) {
    env.listingDone?.();
    return undefined;
  }
  const { run, work } = started;
  try {
    const tasks = work.map((t) => queue.add(() => copyFolder(run, t), { priority: taskWeight(t), affinity: keyOf(a) }));
    env.listingDone?.();
    await Promise.all(tasks);
  } finally {
    // Its idle sessions are of no use to anyone else: their slots go back to the pools now.
    if (!env.keepIdle) {
      env.pools.from.drop(a);
      env.pools.to.drop(a);
    }
  }
  return accountOutcome(run);
}

async function startAccount(env: JobEnv, a: Account): Promise<{ run: AccountRun; work: FolderTask[] }> {
  const run = new AccountRun(env, a, await env.store.upsertAccount(a.sourceUser, a.destinationUser));
  await env.store.setAccountState(run.id, 'syncing');
  try {
    const { mappings, tl } = await withRetry(env, () => withPair(env.pools, a, env.signal, async (from, to) => {
      const [fl, tl] = await Promise.all([from.get().then(listExistingFolders), to.get().then(listFolders)]);
      return { mappings: await plan(env, run.id, fl, tl), tl };
    }), 3);
    const work = await recordMapping(run, mappings, tl);
    await createMissing(run, mappings, work);
    return { run, work };
  } catch (err) {
    if (err instanceof AccountStop) run.stop = err;
    else if (env.signal.aborted) run.stop = new AccountStop('interrupted', 'incomplete');
    else {
      const f = classifyImapError(err);
      // Listing failed before anything was copied: a transient cause still leaves nothing done.
      run.stop = new AccountStop(f.message, policyOf(f).permanent ? policyOf(f).accountState : 'failed');
    }
    return { run, work: [] };
  }
}

/** Writes the folder pairs of this run's mapping; returns the ones with something to do. */
async function recordMapping(run: AccountRun, mappings: FolderMapping[], tl: ListedFolders): Promise<FolderTask[]> {
  const env = run.env;
  const work: FolderTask[] = [];
  const seen = new Set<number>();
  for (const m of mappings) {
    const id = await env.sync.upsertFolderPair({
      accountId: run.id,
      direction: env.direction,
      sourcePath: m.source.path,
      destinationPath: m.destinationPath,
      sourceLogical: m.source.logicalPath,
      destinationLogical: m.destinationLogicalPath,
      ...(m.specialUse ? { specialUse: m.specialUse } : {}),
      state: m.action === 'copy' ? 'active' : 'excluded',
      notes: m.notes,
      ...(m.source.status ? { sourceMessages: m.source.status.messages } : {}),
    });
    seen.add(id);
    if (m.action === 'blocked') {
      // Never merge two folders: this one waits for a folders.rename rule (exit 3 until then).
      const msg = `${m.source.logicalPath}: ${m.notes.at(-1) ?? 'collides with another folder'}`;
      run.folderErrors.push(msg);
      await run.event('error', 'folder-collision', msg);
      continue;
    }
    if (m.action !== 'copy') continue;
    await env.sync.retryFailed(id);
    const fp = await env.sync.folderPair(id);
    const dstStatus = tl.folders.find((f) => f.path === m.destinationPath)?.status;
    if (await needsWork(env.sync, fp, m.source.status, dstStatus)) {
      const messages = m.source.status?.messages ?? 0;
      work.push({ fp, messages, toCopy: await messagesToCopy(env.sync, fp, messages), dstStatus });
    }
  }
  for (const fp of await env.sync.folderPairs(run.id, env.direction)) if (!seen.has(fp.id) && fp.state === 'active') await env.sync.markFolderGone(fp.id);
  let listed = 0;
  for (const w of work) listed += await env.sync.countOpen(w.fp.id, w.fp.srcUidvalidity ?? '');
  env.onListed(run.label, listed);
  return work;
}

/**
 * Destination folders still missing are created ahead of the copy, on an ordinary session: the
 * copy's bulk connections then need no LIST/CREATE (which they would swap to imapflow for). A
 * refusal here is left to that folder's own copy, which reports it.
 */
async function createMissing(run: AccountRun, mappings: FolderMapping[], work: FolderTask[]): Promise<void> {
  const missing = mappings.filter((m) => m.action === 'copy' && !m.existsOnDestination && work.some((w) => w.fp.destinationPath === m.destinationPath));
  if (!missing.length) return;
  await withSession(run.env.pools.to, run.account, run.env.signal, async (s) => {
    const dst = await s.get();
    const known = new Map((await dst.list().catch(() => [])).map((f) => [f.path, f]));
    for (const m of missing) await ensureFolder(dst, m.destinationPath, known).catch((err: unknown) => run.log.debug({ folder: m.destinationPath, err: (err as Error).message }, 'folder not created ahead of its copy'));
  }).catch(() => undefined);
}

/**
 * One folder task: copies the folder on a pair of leased sessions. A failure the policy retries
 * gives the sessions back broken and takes fresh ones, resuming from the store's checkpoint.
 */
async function copyFolder(run: AccountRun, t: FolderTask): Promise<void> {
  const env = run.env;
  if (run.stop) return;
  if (env.signal.aborted) {
    run.interrupted = true;
    return;
  }
  const cenv = run.copyEnv();
  const t0 = Date.now();
  let leased = 0;
  try {
    await withRetry(env, () => withPair(env.pools, run.account, env.signal, async (from, to) => {
      leased ||= Date.now();
      return syncFolder(cenv, await from.copy(), await to.copy(), await env.sync.folderPair(t.fp.id), t.dstStatus);
    }), Infinity, () => run.copied);
    // When each task ran and how long it waited for its sessions: where a copy's wall time went.
    run.log.debug({ folder: t.fp.sourcePath, messages: t.messages, startedAt: t0, leaseWaitMs: (leased || t0) - t0, ranMs: Date.now() - (leased || t0) }, 'folder task done');
  } catch (err) {
    if (err instanceof AccountStop) {
      run.stop ??= err;
      return;
    }
    if (env.signal.aborted) {
      run.interrupted = true;
      return;
    }
    // withRetry has already retried what the policy retries; what reaches here is final.
    const f = classifyImapError(err);
    const p = policyOf(f);
    if (p.scope === 'account' || p.scope === 'job') {
      run.stop ??= new AccountStop(p.permanent ? f.message : `gave up after repeated ${f.kind === 'throttled' ? 'throttling answers' : f.kind === 'unavailable' ? 'answers that the server is unavailable' : 'connection failures'}: ${f.message}`, p.accountState);
      return;
    }
    // A folder-level refusal (e.g. the folder cannot be selected): the other folders go on.
    await run.folderFailed(t.fp.sourcePath, f.message);
  }
}

/** The account's state, read from the store's counts (never from what a task says it did). */
async function accountOutcome(run: AccountRun): Promise<AccountOutcome> {
  const env = run.env;
  const totals = { skipped: 0, failed: 0, pending: 0, withReason: 0 };
  for (const fp of await env.sync.folderPairs(run.id, env.direction)) {
    if (fp.state !== 'active') continue;
    const k = await env.sync.folderCounts(fp.id);
    totals.skipped += k.skipped;
    totals.failed += k.failed;
    totals.pending += k.pending;
    totals.withReason += k.copiedWithReason;
  }
  let state: AccountOutcome['state'] = 'complete';
  let error: string | undefined;
  const stop = run.stop;
  if (stop) {
    state = stop.state;
    error = stop.message;
  } else if (run.folderErrors.length) {
    state = 'incomplete';
    error = run.folderErrors.join('; ');
  } else if (env.signal.aborted && (totals.pending || run.interrupted)) {
    state = 'incomplete';
    error = 'interrupted';
  } else if (totals.pending + totals.skipped + totals.failed + totals.withReason > 0) {
    state = 'incomplete';
    error = `${totals.skipped} skipped, ${totals.failed} failed, ${totals.pending} not yet copied${totals.withReason ? `, ${totals.withReason} copied without some keywords` : ''} (see status)`;
  }
  await env.store.setAccountState(run.id, state, error ?? null);
  if (stop) await run.event(state === 'failed' ? 'error' : 'warn', 'account-stopped', stop.message);
  return { user: run.label, state, ...(error ? { error } : {}), copied: run.copied, skipped: totals.skipped, failed: totals.failed, pending: totals.pending, bytes: run.bytes };
}

async function needsWork(sync: AsyncOf<CopyCheckpoints>, fp: FolderPairRow, src: { uidNext: number; uidValidity: bigint } | undefined, dst: { uidValidity: bigint } | undefined): Promise<boolean> {
  if (!src || fp.srcUidvalidity === null) return true;
  if (fp.srcUidvalidity !== String(src.uidValidity) || fp.srcUidnext !== src.uidNext) return true;
  if (fp.dstUidvalidity !== null && (!dst || fp.dstUidvalidity !== String(dst.uidValidity))) return true;
  if ((await sync.countOpen(fp.id, fp.srcUidvalidity)) > 0) return true;
  return (await sync.openBatches(fp.id)).length > 0;
}

