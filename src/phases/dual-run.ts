import PQueue from 'p-queue';
import { flagPassAccount, type AccountFlagResult } from '../dualrun/account-flags.js';
import { DualRunStore, type PassRecord } from '../store/dualrun-store.js';
import { SyncStore } from '../store/sync-store.js';
import { credentialsOf, silentProgress, type PhaseContext } from './context.js';
import { runSync as syncPhase, type SyncResult } from './sync.js';

export interface DualRunOptions {
  /** One pass, then return. */
  once?: boolean;
  /** Stop starting passes after this long (ms). Without it (and without `once`) runs until interrupted. */
  forMs?: number;
  /** Seconds from the start of one pass to the start of the next (default config.dualRun.intervalSeconds). */
  intervalSeconds?: number;
  /** The sync runner (tests may wrap it); default runSync of src/phases/sync.ts. */
  runSync?: (ctx: PhaseContext) => Promise<SyncResult>;
}

export interface DualRunPass extends PassRecord {
  /** Source folders whose STATUS showed no change at all (nothing was selected). */
  unchangedFolders: number;
}

export interface DualRunResult {
  /** The phase_runs row of this invocation (its passes are in dualrun_passes under it). */
  runId: number;
  passes: DualRunPass[];
  /** The last pass finished every step of every account without an error. */
  complete: boolean;
  interrupted: boolean;
  totals: { copied: number; newFolders: number; flagsApplied: number; destinationKept: number; sourceDeleted: number };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((res) => {
    if (signal.aborted || ms <= 0) return res();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      res();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const activeForwardPairs = (sync: SyncStore) => sync.folderPairs(undefined, 'forward').filter((p) => p.state === 'active').length;

export function passLine(p: DualRunPass): string {
  const t = p.startedAt.slice(11, 19);
  const parts = [
    `${p.copied} new message(s)`,
    `${p.newFolders} new folder(s)`,
    `${p.flagsApplied} flag change(s) applied`,
    `${p.destinationKept} destination change(s) kept`,
    `${p.sourceDeleted} deleted on source (kept)`,
  ];
  const tail = p.errors.length ? `; ${p.errors.length} error(s): ${p.errors[0]}${p.errors.length > 1 ? ' …' : ''}` : '';
  return `dual-run pass ${p.pass} at ${t} UTC: ${parts.join(', ')}; ${p.seconds.toFixed(1)} s${p.complete ? '' : ' (incomplete)'}${tail}`;
}

/**
 * The dual-run phase: both systems live side by side while a delta loop keeps the destination
 * current. Each pass runs the sync (new messages and folders; a cheap no-op when nothing is new)
 * and then the flag step. Changes users make on the destination win; nothing is ever deleted.
 * An interrupt stops after the current step; every pass is recorded in the store as it ends.
 */
export async function runDualRun(ctx: PhaseContext, opts: DualRunOptions = {}): Promise<DualRunResult> {
  const dual = new DualRunStore(ctx.store);
  const sync = new SyncStore(ctx.store);
  const runSync = opts.runSync ?? ((c: PhaseContext) => syncPhase(c, { label: 'dual-run delta' }));
  const intervalMs = Math.max(1, opts.intervalSeconds ?? ctx.config.dualRun.intervalSeconds) * 1000;
  const deadline = opts.forMs === undefined ? Infinity : Date.now() + opts.forMs;
  const log = ctx.log.child({ phase: 'dual-run' });
  // The sync's per-pass bars would pile up on a terminal over days; its notes still show.
  const syncCtx: PhaseContext = { ...ctx, progress: { task: silentProgress.task, note: (l) => ctx.progress.note(l) } };
  const runId = ctx.store.startPhase('dual-run');
  const passes: DualRunPass[] = [];

  const onePass = async (n: number): Promise<DualRunPass> => {
    const started = Date.now();
    const errors: string[] = [];
    let complete = true;
    const before = activeForwardPairs(sync);
    let copied = 0;
    try {
      const r = await runSync(syncCtx);
      copied = r.copied;
      if (!r.complete) complete = false;
      for (const a of r.accounts) if (a.state !== 'complete') errors.push(`${a.user}: sync ${a.state}${a.error ? `: ${a.error}` : ''}`);
    } catch (err) {
      complete = false;
      errors.push(`sync: ${(err as Error).message}`);
    }
    const syncSeconds = (Date.now() - started) / 1000;
    const flags: AccountFlagResult[] = [];
    if (!ctx.signal.aborted) {
      const q = new PQueue({ concurrency: Math.max(1, Math.min(ctx.config.source.maxConnections, ctx.config.destination.maxConnections, ctx.accounts.length)) });
      const deps = { config: ctx.config, store: ctx.store, dual, log, signal: ctx.signal, credentials: credentialsOf(ctx) };
      await Promise.all(ctx.accounts.map((a) => q.add(async () => (ctx.signal.aborted ? undefined : flags.push(await flagPassAccount(deps, a))))));
    }
    if (ctx.signal.aborted || flags.length < ctx.accounts.length) complete = false;
    for (const f of flags) errors.push(...f.errors);
    if (errors.length) complete = false;
    const finished = Date.now();
    return {
      pass: n,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      seconds: (finished - started) / 1000,
      syncSeconds,
      copied,
      newFolders: Math.max(0, activeForwardPairs(sync) - before),
      flagsApplied: flags.reduce((s, f) => s + f.applied, 0),
      destinationKept: flags.reduce((s, f) => s + f.kept, 0),
      sourceDeleted: flags.reduce((s, f) => s + f.deleted, 0),
      unchangedFolders: flags.reduce((s, f) => s + f.unchangedFolders, 0),
      complete,
      errors,
    };
  };

  // Passes done (of those --for leaves time for). On a terminal this bar also keeps the
  // display refreshing, which is what prints the notes above it.
  const planned = opts.once ? 1 : opts.forMs !== undefined ? Math.max(1, Math.ceil(opts.forMs / intervalMs)) : 1;
  const bar = ctx.progress.task('dual-run passes', planned, 'steps');
  try {
    for (let n = 1; ; n++) {
      const p = await onePass(n);
      const { unchangedFolders: _u, ...record } = p;
      dual.addPass(runId, record);
      passes.push(p);
      ctx.progress.note(passLine(p));
      log.info({ ...record }, 'dual-run pass');
      const next = Date.parse(p.startedAt) + intervalMs;
      const more = !opts.once && !ctx.signal.aborted && next < deadline;
      if (!more || n >= planned) bar.setTotal(more ? n + 1 : n);
      bar.update(n);
      if (opts.once || ctx.signal.aborted) break;
      if (next >= deadline) {
        await sleep(deadline - Date.now(), ctx.signal);
        break;
      }
      await sleep(next - Date.now(), ctx.signal);
      if (ctx.signal.aborted) break;
    }
  } catch (err) {
    ctx.store.finishPhase(runId, 'failed', { error: (err as Error).message, passes: passes.length });
    throw err;
  } finally {
    bar.stop();
  }

  const totals = {
    copied: passes.reduce((s, p) => s + p.copied, 0),
    newFolders: passes.reduce((s, p) => s + p.newFolders, 0),
    flagsApplied: passes.reduce((s, p) => s + p.flagsApplied, 0),
    destinationKept: passes.reduce((s, p) => s + p.destinationKept, 0),
    sourceDeleted: passes.reduce((s, p) => s + p.sourceDeleted, 0),
  };
  const interrupted = ctx.signal.aborted;
  const complete = !interrupted && (passes.at(-1)?.complete ?? false);
  ctx.store.finishPhase(runId, interrupted ? 'interrupted' : complete ? 'complete' : 'incomplete', { passes: passes.length, ...totals });
  return { runId, passes, complete, interrupted, totals };
}
