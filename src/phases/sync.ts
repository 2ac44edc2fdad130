import { syncAccount, planAccount, type AccountOutcome, type JobEnv, type PlannedFolder } from '../copier/account.js';
import type { CopiedMessage } from '../copier/folder.js';
import { ByteBudget, ServerThrottle } from '../copier/limits.js';
import { sidePools, type SidePools } from '../copier/session-pools.js';
import { poolQueue } from '../copier/job-queue.js';
import { classifyImapError } from '../imap/errors.js';
import { credentialsOf, type PhaseContext } from './context.js';

export type { CopiedMessage } from '../copier/folder.js';

export interface SyncOptions {
  /** List and map both sides, print what would be copied; write nothing anywhere. */
  dryRun?: boolean;
  /** 'reverse' copies destination -> source (cutover rollback) with the same machinery. */
  direction?: 'forward' | 'reverse';
  /** Only messages whose INTERNALDATE is at or after this instant. */
  sinceInternalDate?: Date;
  /** Copy only messages received on or after this (newest first); older ones stay pending. Default sync.since. */
  copySince?: Date | null;
  onCopied?: (m: CopiedMessage) => void | Promise<void>;
  /** What ran this sync, for the store's record of it (e.g. "dual-run delta"); default "sync". */
  label?: string;
  /**
   * The caller's session pools (a dual-run pass's, shared with its other steps): used instead of
   * the sync's own, not closed here, and an account's idle sessions are kept for the caller's next step.
   */
  pools?: SidePools;
}

export interface SyncResult {
  complete: boolean;
  accounts: { user: string; state: 'complete' | 'incomplete' | 'failed'; error?: string; copied: number; skipped: number; failed: number }[];
  /** Copied in this run. */
  copied: number;
  /** Totals of the job's current state (not only this run). */
  skipped: number;
  failed: number;
  /** Bytes copied in this run. */
  bytes: number;
  seconds: number;
  /** --dry-run only: the mapping and counts per account and folder. */
  plan?: { user: string; error?: string; folders: PlannedFolder[] }[];
}

/**
 * The sync phase: every account of the run, several at once, within each server's connection
 * limit. Returns when every account has finished, failed, or stopped for the interrupt.
 */
export async function runSync(ctx: PhaseContext, opts: SyncOptions = {}): Promise<SyncResult> {
  const started = Date.now();
  const direction = opts.direction ?? 'forward';
  const { config } = ctx;
  const from = direction === 'forward' ? config.source : config.destination;
  const to = direction === 'forward' ? config.destination : config.source;
  // Sessions per server across the job: each busy folder task holds one on each side, leased
  // from that side's pool (shared by every account), so the queue runs as many as both allow.
  const connections = Math.max(1, Math.min(from.maxConnections, to.maxConnections));
  const jobTask = ctx.progress.task(direction === 'forward' ? 'sync' : 'sync (reverse)', 0, 'messages');
  let total = 0;
  let done = 0;
  let bytes = 0;
  const accountTasks = new Map<string, { task: ReturnType<typeof ctx.progress.task>; total: number }>();
  const fromThrottle = new ServerThrottle(from.throttle);
  const toThrottle = new ServerThrottle(to.throttle);
  // The rate is a promise across processes: what an interrupted or killed run sent in the
  // current window still counts.
  for (const t of [fromThrottle, toThrottle]) {
    if (t.messages) t.messages.seed(await ctx.store.throttle.recentAppends(direction, new Date(Date.now() - t.messages.windowMs).toISOString()));
  }
  // One command never carries more than a throttle window's share.
  const batchMessages = Math.max(1, Math.min(config.sync.batchMessages, fromThrottle.batchCap ?? Infinity, toThrottle.batchCap ?? Infinity));
  const log = ctx.log.child({ phase: 'sync', direction });
  // What every session sends to log in (passwords, a master credential, OAuth2 tokens).
  const credentials = credentialsOf(ctx);
  // One queue for the whole job: every account's listing first, then every folder task, the
  // most work first whatever its account (account.ts taskWeight), an account whose sessions are
  // idle first among tasks nearly as big (job-queue.ts: no log-in again for it).
  const pools = opts.pools ?? sidePools(direction, config.source, config.destination, credentials, log);
  const q = poolQueue(connections, pools);
  let listingsLeft = ctx.accounts.length;
  const env: JobEnv = {
    store: ctx.store,
    sync: ctx.store.sync,
    log,
    signal: ctx.signal,
    direction,
    rules: config.folders,
    from,
    to,
    budget: new ByteBudget(config.sync.bytesInFlight),
    fromThrottle,
    toThrottle,
    pools,
    keepIdle: opts.pools !== undefined,
    batchMessages,
    // One command should not hold more than a slice of the byte budget.
    batchBytes: Math.max(1024 * 1024, Math.floor(config.sync.bytesInFlight / Math.max(4, connections * 4))),
    retry: config.retry,
    tasksWaiting: () => listingsLeft > 0 || q.size > 0,
    listingDone: () => void listingsLeft--,
    sinceInternalDate: opts.sinceInternalDate,
    // null: everything (the rest after a recent-first pass), even when sync.since is set.
    copySince: opts.copySince === null ? undefined : (opts.copySince ?? (config.sync.since === undefined ? undefined : new Date(config.sync.since))),
    onCopied: opts.onCopied,
    onProgress: (account, n, b) => {
      done += n;
      bytes += b;
      jobTask.update(done, { MiB: (bytes / 1048576).toFixed(1) });
      accountTasks.get(account)?.task.increment(n);
    },
    onListed: (account, n) => {
      total += n;
      jobTask.setTotal(total);
      if (ctx.accounts.length > 1 && !accountTasks.has(account)) accountTasks.set(account, { task: ctx.progress.task(account, 0, 'messages'), total: 0 });
      const t = accountTasks.get(account);
      if (t && n) t.task.setTotal((t.total += n));
    },
  };

  if (opts.dryRun) {
    const plan: NonNullable<SyncResult['plan']> = [];
    try {
      await Promise.all(
        ctx.accounts.map((a) =>
          q.add(async () => {
            try {
              plan.push({ user: a.sourceUser, folders: await planAccount(env, a) });
            } catch (err) {
              plan.push({ user: a.sourceUser, error: classifyImapError(err).message, folders: [] });
            }
          }),
        ),
      );
    } finally {
      jobTask.stop();
      if (!opts.pools) await Promise.all([env.pools.from.close(), env.pools.to.close()]);
    }
    plan.sort((x, y) => ctx.accounts.findIndex((a) => a.sourceUser === x.user) - ctx.accounts.findIndex((a) => a.sourceUser === y.user));
    return { complete: false, accounts: [], copied: 0, skipped: 0, failed: 0, bytes: 0, seconds: (Date.now() - started) / 1000, plan };
  }

  const phaseId = direction === 'forward' ? await ctx.store.startPhase('sync') : undefined;
  const outcomes: AccountOutcome[] = [];
  try {
    await Promise.all(
      ctx.accounts.map(async (a) => {
        const o = await syncAccount(env, a, q);
        accountTasks.get(a.sourceUser)?.task.stop();
        if (!o) return;
        outcomes.push(o);
        if (o.state !== 'complete') ctx.progress.note(`${o.user}: ${o.state}${o.error ? ` - ${o.error}` : ''}`);
      }),
    );
  } catch (err) {
    if (phaseId !== undefined) await ctx.store.finishPhase(phaseId, 'failed', { error: (err as Error).message });
    throw err;
  } finally {
    jobTask.stop();
    if (!opts.pools) await Promise.all([env.pools.from.close(), env.pools.to.close()]);
    log.debug({ sessionsPeak: { from: env.pools.from.peak, to: env.pools.to.peak } }, 'sessions held at most');
  }
  outcomes.sort((x, y) => ctx.accounts.findIndex((a) => a.sourceUser === x.user) - ctx.accounts.findIndex((a) => a.sourceUser === y.user));
  log.debug({ budget: { capacity: env.budget.capacity, ...env.budget.stats } }, 'byte budget: waits for memory');
  const notRun = ctx.accounts.filter((a) => !outcomes.some((o) => o.user === a.sourceUser));
  const result: SyncResult = {
    complete: !ctx.signal.aborted && notRun.length === 0 && outcomes.every((o) => o.state === 'complete'),
    accounts: [
      ...outcomes.map((o) => ({ user: o.user, state: o.state, ...(o.error ? { error: o.error } : {}), copied: o.copied, skipped: o.skipped, failed: o.failed })),
      ...notRun.map((a) => ({ user: a.sourceUser, state: 'incomplete' as const, error: 'not started (interrupted)', copied: 0, skipped: 0, failed: 0 })),
    ],
    copied: done,
    skipped: outcomes.reduce((n, o) => n + o.skipped, 0),
    failed: outcomes.reduce((n, o) => n + o.failed, 0),
    bytes,
    seconds: (Date.now() - started) / 1000,
  };
  if (phaseId !== undefined) {
    await ctx.store.finishPhase(phaseId, ctx.signal.aborted ? 'interrupted' : result.complete ? 'complete' : 'incomplete', {
      ...(opts.label ? { command: opts.label } : {}),
      copied: result.copied,
      skipped: result.skipped,
      failed: result.failed,
      bytes: result.bytes,
      seconds: result.seconds,
    });
  }
  return result;
}

/**
 * True when this run could do nothing at all: every account failed (every login refused, every
 * server unreachable) and nothing was copied. That is exit 1, not 3 ("some work done, not all").
 */
export function nothingCouldBeDone(r: SyncResult): boolean {
  if (r.plan) return r.plan.length > 0 && r.plan.every((a) => a.error);
  return r.accounts.length > 0 && r.copied === 0 && r.accounts.every((a) => a.state === 'failed');
}

/** The line for nothingCouldBeDone: how many accounts, and the first reason (they often share it). */
export function nothingDoneMessage(r: SyncResult, what = 'sync'): string {
  const errors = r.plan ? r.plan.map((a) => a.error) : r.accounts.map((a) => a.error);
  const first = errors.find((e) => e) ?? 'unknown reason';
  const same = errors.every((e) => e === first);
  return `${what}: nothing could be done: all ${errors.length} account(s) failed${same || errors.length === 1 ? '' : ', the first one'}: ${first}`;
}

