import type { Credentials } from '../auth/types.js';
import type { Account, FolderRules, ServerConfig } from '../config/types.js';
import { classifyImapError, ImapFailure } from '../imap/errors.js';
import { ensureFolder, listFolders, type ListedFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import { planFolderMapping, type FolderMapping } from '../mapping/plan.js';
import type { JobStore } from '../store/contract/index.js';
import type { Direction, FolderPairRow, CopyCheckpoints } from '../store/sync-store.js';
import { decide, policyOf } from '../errors/policy.js';
import { sleep, type RetryBound } from './backoff.js';
import { AccountStop, syncFolder, type CopiedMessage, type CopyEnv } from './folder.js';
import { AdaptiveBatch, type ByteBudget, type ServerThrottle } from './limits.js';
import { Session } from './session.js';

/** Job-wide things every account shares. */
export interface JobEnv {
  store: JobStore;
  sync: CopyCheckpoints;
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
  /**
   * Session pairs beyond one per running account, shared by all accounts: an account takes
   * more while it has several folders left and gives them back as its workers run out of work,
   * so the server's connection limit is used in full while few accounts remain.
   */
  spareSessions: { free: number };
  /** What every session sends to log in (passwords, a master credential, OAuth2 tokens). */
  credentials: Credentials;
  batchMessages: number;
  batchBytes: number;
  /** How many tries and how long a transient failure gets before the account stops for this run. */
  retry: RetryBound;
  sinceInternalDate?: Date;
  copySince?: Date;
  onCopied?: (m: CopiedMessage) => void;
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

/** Who logs in where, for the direction of this run. */
function sessions(env: JobEnv, a: Account, log: Logger): { from: Session; to: Session } {
  const login = { account: a, credentials: env.credentials };
  const [fromSide, toSide] = env.direction === 'forward' ? (['source', 'destination'] as const) : (['destination', 'source'] as const);
  return { from: new Session(env.from, login, fromSide, log), to: new Session(env.to, login, toSide, log) };
}

/** The mapping of this run. Reverse copies go back to the folder each one came from. */
function plan(env: JobEnv, accountId: number | undefined, from: ListedFolders, to: ListedFolders): FolderMapping[] {
  if (env.direction === 'forward') return planFolderMapping(from, to, env.rules, { destinationPreset: env.to.preset });
  const mappings = planFolderMapping(from, to, { exclude: [], rename: [] }, { destinationPreset: env.to.preset });
  const forward = accountId === undefined ? [] : env.sync.folderPairs(accountId, 'forward').filter((p) => p.state === 'active');
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
  const { from, to } = sessions(env, a, env.log);
  try {
    const [fl, tl] = await Promise.all([from.get().then(listFolders), to.get().then(listFolders)]);
    const accountId = env.store.accounts().find((x) => x.sourceUser === a.sourceUser)?.id;
    const known = accountId === undefined ? [] : env.sync.folderPairs(accountId, env.direction);
    return plan(env, accountId, fl, tl).map((mapping) => {
      const fp = known.find((p) => p.sourcePath === mapping.source.path);
      const counts = fp ? env.sync.folderCounts(fp.id) : undefined;
      const listed = counts?.found ?? 0;
      const onServer = mapping.source.status?.messages ?? 0;
      return { mapping, copied: counts?.copied ?? 0, pending: (counts?.pending ?? 0) + Math.max(0, onServer - listed) };
    });
  } finally {
    await Promise.all([from.close(), to.close()]);
  }
}

/**
 * Copies one account: lists both sides, records the mapping, then runs up to
 * 1 + (spare sessions it can get) folders at once, each on its own pair of sessions. Transient failures are
 * retried on a fresh connection after reconciling; a full quota or a refused login stops this
 * account only.
 */
export async function syncAccount(env: JobEnv, a: Account): Promise<AccountOutcome> {
  const label = a.sourceUser;
  const accountId = env.store.upsertAccount(a.sourceUser, a.destinationUser);
  const log = env.log.child({ account: label });
  let stop: AccountStop | undefined;
  const folderErrors: string[] = [];
  let copied = 0;
  let bytes = 0;
  const pairs: { from: Session; to: Session }[] = [];
  const sessionPair = (i: number) => (pairs[i] ??= sessions(env, a, log));
  const event = (level: 'info' | 'warn' | 'error', kind: string, message: string) => env.store.addEvent({ phase: 'sync', accountId, level, kind, message: `${label}: ${message}` });

  env.store.setAccountState(accountId, 'syncing');
  try {
    const s0 = sessionPair(0);
    const [fl, tl] = await withRetry(env, () => Promise.all([s0.from.get().then(listFolders), s0.to.get().then(listFolders)]), async () => {
      await s0.from.reset();
      await s0.to.reset();
    }, 3);
    const mappings = plan(env, accountId, fl, tl);
    const work: { fp: FolderPairRow; messages: number; dstStatus?: { uidValidity: bigint } }[] = [];
    const seen = new Set<number>();
    for (const m of mappings) {
      const id = env.sync.upsertFolderPair({
        accountId,
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
        folderErrors.push(msg);
        event('error', 'folder-collision', msg);
        continue;
      }
      if (m.action !== 'copy') continue;
      env.sync.retryFailed(id);
      const fp = env.sync.folderPair(id);
      const dstStatus = tl.folders.find((f) => f.path === m.destinationPath)?.status;
      if (needsWork(env.sync, fp, m.source.status, dstStatus)) work.push({ fp, messages: m.source.status?.messages ?? 0, dstStatus });
    }
    for (const fp of env.sync.folderPairs(accountId, env.direction)) if (!seen.has(fp.id) && fp.state === 'active') env.sync.markFolderGone(fp.id);
    env.onListed(label, work.reduce((n, w) => n + env.sync.countOpen(w.fp.id, w.fp.srcUidvalidity ?? ''), 0));

    // Destination folders still missing are created now, on the listing session: the copy's
    // bulk connections then need no LIST/CREATE (which they would swap to imapflow for). A
    // refusal here is left to that folder's own copy, which reports it.
    const missing = mappings.filter((m) => m.action === 'copy' && !m.existsOnDestination && work.some((w) => w.fp.destinationPath === m.destinationPath));
    if (missing.length) {
      const dst = await s0.to.get().catch(() => undefined);
      const known = dst ? new Map((await dst.list().catch(() => [])).map((f) => [f.path, f])) : undefined;
      for (const m of dst ? missing : []) await ensureFolder(dst!, m.destinationPath, known).catch((err: unknown) => log.debug({ folder: m.destinationPath, err: (err as Error).message }, 'folder not created ahead of its copy'));
    }

    // Biggest folders first, so the last folder to finish is a small one.
    work.sort((x, y) => y.messages - x.messages);
    const batch = new AdaptiveBatch(env.batchMessages, env.batchBytes);
    const copyEnv = (): CopyEnv => ({
      account: label,
      store: env.sync,
      log,
      stopped: () => env.signal.aborted || stop !== undefined,
      signal: env.signal,
      budget: env.budget,
      srcThrottle: env.fromThrottle,
      dstThrottle: env.toThrottle,
      batch,
      maxMessageBytes: env.to.maxMessageBytes,
      sinceInternalDate: env.sinceInternalDate,
      adopt: env.direction === 'forward',
      copySince: env.copySince,
      onCopied: env.onCopied,
      onProgress: (n, b) => {
        copied += n;
        bytes += b;
        env.onProgress(label, n, b);
      },
      onListed: (n) => env.onListed(label, n),
      event,
    });
    let next = 0;
    const running: Promise<void>[] = [];
    let workers = 0;
    const start = (spare: boolean) => {
      // Numbered before it runs: a worker may start another one before its own promise exists,
      // and two workers must never share a session pair.
      const i = workers++;
      running.push(worker(i).finally(() => (spare ? env.spareSessions.free++ : undefined)));
    };
    let active = 0;
    const worker = async (i: number) => {
      const s = sessionPair(i);
      const cenv = copyEnv();
      active++;
      try {
        while (next < work.length && !env.signal.aborted && !stop) {
          const { fp, dstStatus } = work[next++]!;
          // More folders waiting than workers, and a spare session pair free: take it.
          while (work.length - next > active && env.spareSessions.free > 0 && !stop) {
            env.spareSessions.free--;
            start(true);
          }
          await copyOne(s, cenv, fp, dstStatus);
        }
      } finally {
        active--;
        if (i > 0) await Promise.all([s.from.close(), s.to.close()]);
      }
    };
    const copyOne = async (s: { from: Session; to: Session }, cenv: CopyEnv, fp: FolderPairRow, dstStatus: { uidValidity: bigint } | undefined) => {
      {
        try {
          await withRetry(env, async () => syncFolder(cenv, await s.from.copy(), await s.to.copy(), env.sync.folderPair(fp.id), dstStatus), async () => {
            await s.from.reset();
            await s.to.reset();
          }, Infinity, () => copied);
        } catch (err) {
          if (err instanceof AccountStop) {
            stop ??= err;
            return;
          }
          if (env.signal.aborted) return;
          // withRetry has already retried what the policy retries; what reaches here is final.
          const f = classifyImapError(err);
          const p = policyOf(f);
          if (p.scope === 'account' || p.scope === 'job') {
            stop ??= new AccountStop(p.permanent ? f.message : `gave up after repeated ${f.kind === 'throttled' ? 'throttling answers' : 'connection failures'}: ${f.message}`, p.accountState);
            return;
          }
          // A folder-level refusal (e.g. the folder cannot be selected): the other folders go on.
          const msg = `${fp.sourcePath}: ${f.message}`;
          folderErrors.push(msg);
          event('error', 'folder-failed', msg);
          log.error({ folder: fp.sourcePath, err: f.message }, 'folder not copied');
        }
      }
    };
    start(false);
    for (let i = 0; i < running.length; i++) await running[i];
  } catch (err) {
    if (err instanceof AccountStop) stop = err;
    else {
      const f = classifyImapError(err);
      // Listing failed before anything was copied: a transient cause still leaves nothing done.
      stop = new AccountStop(f.message, policyOf(f).permanent ? policyOf(f).accountState : 'failed');
    }
  } finally {
    await Promise.all(pairs.map((p) => Promise.all([p.from.close(), p.to.close()])));
  }

  const totals = { copied: 0, skipped: 0, failed: 0, pending: 0, withReason: 0 };
  for (const fp of env.sync.folderPairs(accountId, env.direction)) {
    if (fp.state !== 'active') continue;
    const k = env.sync.folderCounts(fp.id);
    totals.skipped += k.skipped;
    totals.failed += k.failed;
    totals.pending += k.pending;
    totals.withReason += k.copiedWithReason;
  }
  let state: AccountOutcome['state'] = 'complete';
  let error: string | undefined;
  if (stop) {
    state = stop.state;
    error = stop.message;
  } else if (folderErrors.length) {
    state = 'incomplete';
    error = folderErrors.join('; ');
  } else if (env.signal.aborted && totals.pending) {
    state = 'incomplete';
    error = 'interrupted';
  } else if (totals.pending + totals.skipped + totals.failed + totals.withReason > 0) {
    state = 'incomplete';
    error = `${totals.skipped} skipped, ${totals.failed} failed, ${totals.pending} not yet copied${totals.withReason ? `, ${totals.withReason} copied without some keywords` : ''} (see status)`;
  }
  env.store.setAccountState(accountId, state, error ?? null);
  if (stop) event(state === 'failed' ? 'error' : 'warn', 'account-stopped', stop.message);
  return { user: label, state, ...(error ? { error } : {}), copied, skipped: totals.skipped, failed: totals.failed, pending: totals.pending, bytes };
}

function needsWork(sync: CopyCheckpoints, fp: FolderPairRow, src: { uidNext: number; uidValidity: bigint } | undefined, dst: { uidValidity: bigint } | undefined): boolean {
  if (!src || fp.srcUidvalidity === null) return true;
  if (fp.srcUidvalidity !== String(src.uidValidity) || fp.srcUidnext !== src.uidNext) return true;
  if (fp.dstUidvalidity !== null && (!dst || fp.dstUidvalidity !== String(dst.uidValidity))) return true;
  if (sync.countOpen(fp.id, fp.srcUidvalidity) > 0) return true;
  return sync.openBatches(fp.id).length > 0;
}

/**
 * Runs `fn`, retrying what the failure policy retries (src/errors/policy.ts) on fresh sessions.
 * `progress` (messages copied so far) restarts the count: a lossy link that still moves mail
 * between cuts is worth retrying; one that moves nothing gives up after the bound. A throttling
 * answer pauses every account's sessions on the job's servers for the time the server asked.
 */
async function withRetry<T>(env: JobEnv, fn: () => Promise<T>, reset: () => Promise<void>, maxAttempts = Infinity, progress?: () => number): Promise<T> {
  let seen = progress?.() ?? 0;
  let since = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AccountStop) throw err;
      const now = progress?.() ?? 0;
      if (now > seen) (attempt = 1), (seen = now), (since = Date.now());
      const d = decide(err, attempt, Date.now() - since, { ...env.retry, maxAttempts: Math.min(env.retry.maxAttempts, maxAttempts - 1) });
      const f = d.failure;
      if (d.action === 'stop' || env.signal.aborted) throw f instanceof ImapFailure ? f : err;
      // Which side throttled is not known here: both servers' sessions wait (all accounts).
      let wait = d.waitMs;
      if (d.serverPauseMs !== undefined) wait = Math.max(env.fromThrottle.throttled(f), env.toThrottle.throttled(f));
      env.log.warn({ kind: f.kind, err: f.message, attempt, waitMs: wait }, f.kind === 'throttled' ? 'server throttling; every session to it waits' : 'transient failure; retrying on a fresh connection');
      await reset();
      await sleep(wait, env.signal);
      if (env.signal.aborted) throw f;
    }
  }
}
