import type { ImapFlow } from 'imapflow';
import PQueue from 'p-queue';
import { policyOf } from '../errors/policy.js';
import { ServerThrottle } from '../copier/limits.js';
import { withRetry, type RetryEnv } from '../copier/retry.js';
import { sidePools, withPair, type SidePools } from '../copier/session-pools.js';
import type { Account } from '../config/types.js';
import { classifyImapError } from '../imap/errors.js';
import { credentialsOf } from './context.js';
import { listFolders } from '../imap/folders.js';
import { planFolderMapping, type FolderMapping } from '../mapping/plan.js';
import { compareFolder, firstDifference, showBytes, type Difference } from '../verify/compare.js';
import { addFolderToTotals, emptyTotals, type VerifiedFolder, type VerifyResult } from '../verify/result.js';
import { scanFolder, type ScannedFolder } from '../verify/scan.js';
import type { PhaseContext } from './context.js';
import type { VerifyRecords } from '../store/contract/index.js';
import type { AsyncOf } from '../store/contract/async.js';

export interface VerifyOptions {
  /** Also compare every message's full bytes (sha256), flags and keywords. */
  deep?: boolean;
}

/**
 * Compares every mapped folder pair of every account, read-only on both servers, and stores the
 * result (verify_runs/folders/differences) for the report. Never throws for differences: the
 * caller decides the exit code from `result.clean`.
 */
export async function runVerify(ctx: PhaseContext, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const deep = opts.deep ?? false;
  const vs = ctx.store.verify;
  const phaseId = await ctx.store.startPhase('verify');
  const runId = await vs.startRun(deep);
  const startedAt = new Date().toISOString();
  const totals = emptyTotals();
  const folders: { f: VerifiedFolder; order: [number, number] }[] = [];
  const task = ctx.progress.task(deep ? 'verify (deep)' : 'verify', 0, 'messages');
  let expected = 0;
  const record = async (f: VerifiedFolder, order: [number, number]) => {
    await vs.addFolder(runId, f);
    addFolderToTotals(totals, f);
    folders.push({ f, order });
  };
  const log = ctx.log.child({ phase: 'verify' });
  const pools = sidePools('forward', ctx.config.source, ctx.config.destination, credentialsOf(ctx), log);
  const env: VerifyEnv = {
    ctx,
    deep,
    vs,
    pools,
    // No server throttles for reading: a throttling answer still pauses both sides together.
    retry: { log, signal: ctx.signal, retry: ctx.config.retry, fromThrottle: new ServerThrottle({}), toThrottle: new ServerThrottle({}) },
    record,
    progress: { grow: (n) => task.setTotal((expected += n)), tick: () => task.increment(1) },
  };
  try {
    // One queue of folder tasks for the whole run, on the job's session pools (a few at a time:
    // verify reads every message, which is heavy on both servers).
    const queue = new PQueue({ concurrency: Math.max(1, Math.min(4, ctx.config.source.maxConnections, ctx.config.destination.maxConnections)) });
    await Promise.all(
      ctx.accounts.map(async (a, i) => {
        await verifyAccount(env, a, i, queue, ctx.accounts.length - i);
        totals.accounts++;
      }),
    );
  } catch (err) {
    await vs.finishRun(runId, 'failed', totals);
    await ctx.store.finishPhase(phaseId, 'failed', { error: (err as Error).message });
    throw err;
  } finally {
    task.stop();
    await Promise.all([pools.from.close(), pools.to.close()]);
  }
  const interrupted = ctx.signal.aborted;
  const clean = !interrupted && totals.missing === 0 && totals.duplicated === 0 && totals.altered === 0 && totals.errors === 0;
  const outcome: VerifyResult['outcome'] = interrupted ? 'interrupted' : clean ? 'clean' : 'differences';
  await vs.finishRun(runId, outcome, totals);
  await ctx.store.finishPhase(phaseId, interrupted ? 'interrupted' : clean ? 'complete' : 'incomplete', { deep, ...totals });
  ctx.log.info({ deep, ...totals, outcome }, 'verify finished');
  // Folders ran side by side; list them by account, then in the order of the account's mapping.
  const sorted = folders.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]).map((x) => x.f);
  return { runId, deep, startedAt, finishedAt: new Date().toISOString(), clean, outcome, totals, folders: sorted };
}

interface VerifyEnv {
  ctx: PhaseContext;
  deep: boolean;
  vs: AsyncOf<VerifyRecords>;
  pools: SidePools;
  retry: RetryEnv;
  record(f: VerifiedFolder, order: [number, number]): Promise<void>;
  progress: { grow(n: number): void; tick(): void };
}

/** Lists both sides of one account, then queues one task per mapped folder pair. */
async function verifyAccount(env: VerifyEnv, account: Account, index: number, queue: PQueue, priority: number): Promise<void> {
  const { ctx } = env;
  const who = { account: account.sourceUser, destinationAccount: account.destinationUser };
  const plan = await queue.add(
    async () => {
      if (ctx.signal.aborted) return undefined;
      try {
        return await withPair(env.pools, account, ctx.signal, async (from, to) => {
          const [srcList, dstList] = [await listFolders(await from.get()), await listFolders(await to.get())];
          return planFolderMapping(srcList, dstList, ctx.config.folders, { destinationPreset: ctx.config.destination.preset });
        });
      } catch (err) {
        if (!ctx.signal.aborted) await env.record(failed(who, '*', '*', (err as Error).message), [index, -1]);
        return undefined;
      }
    },
    { priority },
  );
  if (!plan) return;
  const pairs = plan.filter((m) => m.action === 'copy');
  env.progress.grow(pairs.reduce((n, m) => n + (m.source.status?.messages ?? 0), 0));
  // A folder whose failure reaches the account (its server gone after the retries) ends the
  // account's other folders too: they would each wait out the same retry bound.
  const account_ = { stopped: false };
  await Promise.all(pairs.map((m, i) => queue.add(() => verifyFolder(env, account, who, m, [index, i], account_), { priority })));
}

/**
 * One folder pair: scans both sides on leased sessions and records the comparison. The failure
 * policy (through withRetry) gives a dropped session back broken and reads the folder again on
 * fresh ones; anything else is counted and shown, and one unreadable folder does not hide the others.
 */
async function verifyFolder(env: VerifyEnv, account: Account, who: { account: string; destinationAccount: string }, m: FolderMapping, order: [number, number], acct: { stopped: boolean }): Promise<void> {
  const { ctx, deep, vs } = env;
  if (ctx.signal.aborted || acct.stopped) return;
  try {
    const f = await withRetry(env.retry, () =>
      withPair(env.pools, account, ctx.signal, async (from, to) => {
        const [src, dst] = [await from.get(), await to.get()];
        const source = await scanFolder(src, m.source.path, { deep, signal: ctx.signal, onMessage: env.progress.tick });
        // A destination folder that does not exist yet holds nothing: every source message is missing.
        const destination: ScannedFolder = m.existsOnDestination ? await scanFolder(dst, m.destinationPath, { deep, signal: ctx.signal }) : { messages: [] };
        const checkpoint = await vs.folderCheckpoint(account.sourceUser, [m.source.path, m.source.logicalPath], source.uidValidity, destination.uidValidity);
        const useMapping = checkpoint.mapping.size > 0;
        const c = compareFolder({
          source: source.messages,
          destination: destination.messages,
          mapping: useMapping ? checkpoint.mapping : undefined,
          notCopied: checkpoint.notCopied,
          droppedFlags: checkpoint.droppedFlags,
          deep,
          destinationPermanentFlags: destination.permanentFlags,
          destinationFlags: destination.flags,
        });
        if (deep) await locateByteChanges(src, dst, m.source.path, m.destinationPath, c.differences);
        return {
          ...who,
          sourcePath: m.source.logicalPath,
          destinationPath: m.destinationLogicalPath,
          method: useMapping ? ('store' as const) : ('scan' as const),
          sourceCount: c.sourceCount,
          destinationCount: c.destinationCount,
          matched: c.matched,
          missing: c.missing,
          duplicated: c.duplicated,
          extra: c.extra,
          altered: c.altered,
          refusedFlags: c.refusedFlags,
          sourceDigest: c.sourceDigest,
          destinationDigest: c.destinationDigest,
          differences: c.differences,
        };
      }),
    );
    await env.record(f, order);
  } catch (err) {
    // Interrupted: the run is marked so; a folder cut short is not a finding.
    if (ctx.signal.aborted) return;
    const failure = classifyImapError(err);
    if (policyOf(failure).scope === 'account' || policyOf(failure).scope === 'job') acct.stopped = true;
    await env.record(failed(who, m.source.logicalPath, m.destinationLogicalPath, (err as Error).message), order);
  }
}

function failed(who: { account: string; destinationAccount: string }, sourcePath: string, destinationPath: string, error: string): VerifiedFolder {
  return {
    ...who,
    sourcePath,
    destinationPath,
    method: 'scan',
    sourceCount: 0,
    destinationCount: 0,
    matched: 0,
    missing: 0,
    duplicated: 0,
    extra: 0,
    altered: 0,
    refusedFlags: [],
    error,
    differences: [],
  };
}

/**
 * For messages whose bytes differ (verify --deep), the first differing byte range and what the
 * bytes were on each side, so the user sees what the destination changed (e.g. 8-bit header
 * bytes rewritten as 'X' by Cyrus's munge8bit). Both bodies are read again, at most 50 per folder.
 */
async function locateByteChanges(src: ImapFlow, dst: ImapFlow, srcPath: string, dstPath: string, differences: Difference[]): Promise<void> {
  const todo = differences.filter((d) => d.kind === 'altered' && d.parts?.includes('bytes') && d.srcUid !== undefined && d.dstUid !== undefined).slice(0, 50);
  if (!todo.length) return;
  const read = async (client: ImapFlow, path: string, uids: number[]) => {
    const out = new Map<number, Buffer>();
    const lock = await client.getMailboxLock(path, { readOnly: true });
    try {
      for await (const m of client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) if (m.source) out.set(m.uid, m.source);
    } finally {
      lock.release();
    }
    return out;
  };
  const a = await read(src, srcPath, todo.map((d) => d.srcUid!));
  const b = await read(dst, dstPath, todo.map((d) => d.dstUid!));
  for (const d of todo) {
    const x = a.get(d.srcUid!);
    const y = b.get(d.dstUid!);
    if (!x || !y) continue;
    const r = firstDifference(x, y);
    if (!r) continue;
    d.byteRange = r;
    d.detail += `; first difference at byte ${r.start}: source bytes ${r.start}-${r.sourceEnd} "${showBytes(x.subarray(r.start, Math.max(r.sourceEnd, r.start + 1)))}" -> destination bytes ${r.start}-${r.destinationEnd} "${showBytes(y.subarray(r.start, Math.max(r.destinationEnd, r.start + 1)))}"`;
  }
}
