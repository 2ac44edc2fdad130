import { sleep } from '../time/sleep.js';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import PQueue from 'p-queue';
import type { DeletesMode } from '../config/dualrun-schema.js';
import { flagPassAccount, type AccountFlagResult } from '../dualrun/account-flags.js';
import { InputError } from '../errors.js';
import type { Alert } from '../dualrun/alerts.js';
import type { CanaryOutcome, CanaryRound } from '../dualrun/canary.js';
import { parseDuration } from '../dualrun/duration.js';
import { renderTable, type AccountRow } from '../dualrun/table.js';
import { beatEveryMs, evaluateHealth } from '../dualrun/health.js';
import { movePassAccount, type MoveStepResult } from '../dualrun/moves.js';
import { probeAccount, type AccountProbe } from '../dualrun/probe.js';
import { closePassSessions, passSessions } from '../dualrun/pass-sessions.js';
import type { PassRecord } from '../store/dualrun-store.js';
import { credentialsOf, silentProgress, type PhaseContext } from './context.js';
import { runSync as syncPhase, type SyncOptions, type SyncResult } from './sync.js';
import type { CopyCheckpoints } from '../store/contract/index.js';
import type { AsyncOf } from '../store/contract/async.js';

export interface DualRunOptions {
  /** One pass, then return. */
  once?: boolean;
  /** Stop starting passes after this long (ms). Without it (and without `once`) runs until interrupted. */
  forMs?: number;
  /** Seconds from the start of one pass to the start of the next (default config.dualRun.intervalSeconds). */
  intervalSeconds?: number;
  /** What a source expunge does to the destination copy (default config.dualRun.deletes). */
  deletes?: DeletesMode;
  /** End (exit 0) once DNS shows the domain's MX on the new system (cutover.mx). */
  untilCutover?: boolean;
  /** Canary rounds (also on when the config has dualRun.canary). */
  canary?: boolean;
  /** The sync runner (tests may wrap it); default runSync of src/phases/sync.ts. It is given the pass's session pools. */
  runSync?: (ctx: PhaseContext, opts: Pick<SyncOptions, 'pools'>) => Promise<SyncResult>;
}

export interface DualRunPass extends PassRecord {
  /** Per account, for the live table. */
  perAccount: AccountRow[];
  /** Canary rounds of this pass (none when canaries are off or not due). */
  canaries: CanaryOutcome[];
  /** Source folders whose STATUS showed no change at all (nothing was selected). */
  unchangedFolders: number;
  /** Folders of the move step whose expunges came as QRESYNC VANISHED, and those that needed a UID diff. */
  qresyncFolders: number;
  uidDiffFolders: number;
}

export interface DualRunResult {
  /** The phase_runs row of this invocation (its passes are in dualrun_passes under it). */
  runId: number;
  passes: DualRunPass[];
  /** The last pass finished every step of every account without an error. */
  complete: boolean;
  interrupted: boolean;
  /** Why the loop ended when it was not --once, --for or an interrupt: Ctrl-C ("stop") or the MX switch. */
  stoppedBy?: 'stop' | 'cutover';
  totals: { copied: number; newFolders: number; flagsApplied: number; destinationKept: number; sourceDeleted: number; moved: number; expunged: number; deletesApplied: number };
}


// Canaries and alerts need an SMTP client and a DNS resolver: loaded only when one is sent.
const canaryModule = () => import('../dualrun/canary.js');
const alertsModule = () => import('../dualrun/alerts.js');

const activeForwardPairs = async (sync: AsyncOf<CopyCheckpoints>) => (await sync.folderPairs(undefined, 'forward')).filter((p) => p.state === 'active').length;

const deletesWord = (mode: DeletesMode) => (mode === 'keep' ? 'kept on the destination' : mode === 'trash' ? 'moved to Trash there' : 'expunged there');

export function passLine(p: DualRunPass, mode: DeletesMode = 'keep'): string {
  const t = p.startedAt.slice(11, 19);
  const parts = [
    `${p.copied} new message(s)`,
    `${p.moved} moved`,
    `${p.newFolders} new folder(s)`,
    `${p.flagsApplied} flag change(s) applied`,
    `${p.destinationKept} destination change(s) kept`,
    `${p.expunged} expunged on source${mode === 'keep' ? ' (kept)' : `, ${p.deletesApplied} ${deletesWord(mode)}`}`,
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
  const dual = ctx.store.dualRun;
  const sync = ctx.store.sync;
  const deletes = opts.deletes ?? ctx.config.dualRun.deletes;
  const runSync = opts.runSync ?? ((c: PhaseContext, o: Pick<SyncOptions, 'pools'>) => syncPhase(c, { label: 'dual-run delta', ...o }));
  const intervalMs = Math.max(1, opts.intervalSeconds ?? ctx.config.dualRun.intervalSeconds) * 1000;
  const deadline = opts.forMs === undefined ? Infinity : Date.now() + opts.forMs;
  const log = ctx.log.child({ phase: 'dual-run' });
  // The sync's per-pass bars would pile up on a terminal over days; its notes still show.
  const syncCtx: PhaseContext = { ...ctx, progress: { task: silentProgress.task, note: (l) => ctx.progress.note(l) } };
  const runId = await ctx.store.startPhase('dual-run');
  const passes: DualRunPass[] = [];

  const canaryOn = !!opts.canary || ctx.config.dualRun.canary !== undefined;
  if (canaryOn && !(await canaryModule()).canaryRecipients(ctx.config, ctx.accounts).length) throw new InputError('dual-run --canary: no recipient; set dualRun.canary.to in the config');
  const canaryEveryMs = canaryOn ? parseDuration(ctx.config.dualRun.canary?.every ?? '15m', 'dualRun.canary.every') : Infinity;
  // Rounds are spaced by the store's record, so a restarted dual-run does not send one at once again.
  const lastSent = async () => {
    const last = (await ctx.store.dualRunHealth.canaries(1))[0];
    return last ? Date.parse(last.sentAt) : -Infinity;
  };
  const onePass = async (n: number): Promise<DualRunPass> => {
    const started = Date.now();
    const errors: string[] = [];
    // A canary round is sent before the pass so that this very pass carries it over.
    let rounds: CanaryRound[] = [];
    // Due every dualRun.canary.every; --canary also sends one on the first pass of the invocation.
    if (canaryOn && (Date.now() - await lastSent() >= canaryEveryMs || (opts.canary && n === 1)) && !ctx.signal.aborted) {
      try {
        const { sendCanaries, awaitDelivery } = await canaryModule();
        rounds = await sendCanaries({ config: ctx.config, accounts: ctx.accounts, store: ctx.store, log, signal: ctx.signal });
        await awaitDelivery({ config: ctx.config, store: ctx.store, log, signal: ctx.signal, credentials: credentialsOf(ctx) }, rounds);
      } catch (err) {
        errors.push(`canary: ${(err as Error).message}`);
      }
    }
    let complete = true;
    const before = await activeForwardPairs(sync);
    let copied = 0;
    let syncSeconds = 0;
    const copiedBy = new Map<string, number>();
    const concurrency = Math.max(1, Math.min(ctx.config.source.maxConnections, ctx.config.destination.maxConnections, ctx.accounts.length));
    // Every step of the pass leases from the same two pools (maxConnections per server across all
    // accounts); an account's sessions go idle from one step to its next instead of logging in again.
    const sessions = passSessions(ctx.config, credentialsOf(ctx), log, ctx.signal);
    const probes: AccountProbe[] = [];
    const moves: MoveStepResult[] = [];
    const flags: AccountFlagResult[] = [];
    let busy: typeof ctx.accounts = [];
    try {
      // First one LIST-STATUS per side and account: an account where nothing changed takes no
      // further step (no SELECT), so a quiet pass costs a login round. A changed one goes straight
      // on to its move step on the probe's sessions: moves and expunges come before the sync, so a
      // message moved between source folders is moved on the destination, not copied as new mail.
      const q0 = new PQueue({ concurrency });
      const stepDeps = { config: ctx.config, store: ctx.store, log, signal: ctx.signal, deletes, sessions };
      await Promise.all(
        ctx.accounts.map((a) =>
          q0.add(async () => {
            if (ctx.signal.aborted) return;
            const p = await probeAccount(stepDeps, a);
            probes.push(p);
            if (p.unchanged) {
              // Nothing more for this account this pass: its slots are free for the others now.
              sessions.pools.from.drop(a);
              sessions.pools.to.drop(a);
              return;
            }
            log.debug({ account: p.user, reason: p.reason }, 'account changed since the last pass');
            if (!ctx.signal.aborted) moves.push(await movePassAccount(stepDeps, a));
          }),
        ),
      );
      const idle = new Set(probes.filter((p) => p.unchanged).map((p) => p.user));
      busy = ctx.accounts.filter((a) => !idle.has(a.sourceUser));
      for (const m of moves) errors.push(...m.errors);
      // An account whose move step did not finish is not synced this pass: its moves would be copied as new mail.
      const held = new Set(moves.filter((m) => !m.ok).map((m) => m.user));
      try {
        const r = await runSync(held.size || idle.size ? { ...syncCtx, accounts: busy.filter((a) => !held.has(a.sourceUser)) } : syncCtx, { pools: sessions.pools });
        copied = r.copied;
        for (const a of r.accounts) copiedBy.set(a.user, a.copied);
        if (!r.complete) complete = false;
        for (const a of r.accounts) if (a.state !== 'complete') errors.push(`${a.user}: sync ${a.state}${a.error ? `: ${a.error}` : ''}`);
      } catch (err) {
        complete = false;
        errors.push(`sync: ${(err as Error).message}`);
      }
      syncSeconds = (Date.now() - started) / 1000;
      if (!ctx.signal.aborted) {
        const q = new PQueue({ concurrency });
        const deps = { ...stepDeps, dual };
        await Promise.all(
          busy.map((a) =>
            q.add(async () => {
              if (ctx.signal.aborted) return;
              flags.push(await flagPassAccount(deps, a));
              // Its last step this pass: the slots go to the accounts still at work.
              sessions.pools.from.drop(a);
              sessions.pools.to.drop(a);
            }),
          ),
        );
      }
    } finally {
      await closePassSessions(sessions, log);
    }
    if (ctx.signal.aborted || probes.length < ctx.accounts.length || flags.length < busy.length) complete = false;
    for (const f of flags) errors.push(...f.errors);
    if (ctx.config.groupware && !ctx.signal.aborted) await import('./groupware.js').then((g) => g.groupwareDelta(syncCtx)).then((d) => void (d && errors.push(...d.errors)), (e: Error) => void errors.push(`groupware: ${e.message}`));
    const canaries = rounds.length ? await (await canaryModule()).finishCanaries({ config: ctx.config, store: ctx.store, log, credentials: credentialsOf(ctx) }, rounds) : [];
    for (const c of canaries) {
      if (c.state === 'lost' || c.state === 'failed') errors.push(c.error ?? `canary ${c.token} ${c.state}`);
      ctx.progress.note(
        c.state === 'copied' || c.state === 'delivered'
          ? `canary to ${c.recipient} via ${c.mx} (${c.side}): delivered in ${c.deliverySeconds!.toFixed(1)} s${c.lagSeconds !== undefined ? `, on the destination after ${c.lagSeconds.toFixed(1)} s` : ''}; removed from both sides${c.cleaned ? '' : ' (not everywhere: see the log)'}`
          : `canary to ${c.recipient} via ${c.mx}: ${c.state}: ${c.error ?? ''}`,
      );
    }
    if (errors.length) complete = false;
    const finished = Date.now();
    return {
      pass: n,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      seconds: (finished - started) / 1000,
      syncSeconds,
      copied,
      newFolders: Math.max(0, await activeForwardPairs(sync) - before),
      flagsApplied: flags.reduce((s, f) => s + f.applied, 0),
      destinationKept: flags.reduce((s, f) => s + f.kept, 0),
      sourceDeleted: moves.reduce((s, m) => s + m.expunged, 0) + flags.reduce((s, f) => s + f.deleted, 0),
      moved: moves.reduce((s, m) => s + m.moved, 0),
      expunged: moves.reduce((s, m) => s + m.expunged, 0) + flags.reduce((s, f) => s + f.deleted, 0),
      deletesApplied: moves.reduce((s, m) => s + m.deletesApplied, 0),
      unchangedFolders: flags.reduce((s, f) => s + f.unchangedFolders, 0) + probes.reduce((s, p) => s + (p.unchanged ? p.folders : 0), 0),
      qresyncFolders: moves.reduce((s, m) => s + m.qresyncFolders, 0),
      uidDiffFolders: moves.reduce((s, m) => s + m.uidDiffFolders, 0),
      complete,
      errors,
      canaries,
      perAccount: ctx.accounts.map((a) => {
        const m = moves.find((x) => x.user === a.sourceUser);
        const f = flags.find((x) => x.user === a.sourceUser);
        const lag = canaries.find((c) => c.recipient.toLowerCase() === a.sourceUser.toLowerCase() || c.recipient.toLowerCase() === a.destinationUser.toLowerCase())?.lagSeconds;
        return {
          user: a.sourceUser,
          lastPass: new Date(finished).toISOString().slice(11, 19),
          copied: copiedBy.get(a.sourceUser) ?? 0,
          moved: m?.moved ?? 0,
          flags: f?.applied ?? 0,
          deletions: (m?.expunged ?? 0) + (f?.deleted ?? 0),
          errors: errors.filter((e) => e.startsWith(`${a.sourceUser}:`)).length,
          ...(lag !== undefined ? { lagSeconds: lag } : {}),
        };
      }),
    };
  };

  // Passes done (of those --for leaves time for). On a terminal this bar also keeps the
  // display refreshing, which is what prints the notes above it.
  const planned = opts.once ? 1 : opts.forMs !== undefined ? Math.max(1, Math.ceil(opts.forMs / intervalMs)) : 1;
  // On a terminal: a live table per account and a countdown, not a bar (see src/dualrun/table.ts).
  const panel = ctx.progress.panel?.bind(ctx.progress);
  const bar = panel ? silentProgress.task('', 0) : ctx.progress.task('dual-run passes', planned, 'steps');
  let rows: AccountRow[] = ctx.accounts.map((a) => ({ user: a.sourceUser, copied: 0, moved: 0, flags: 0, deletions: 0, errors: 0 }));
  let shownPass = 1;
  const show = (running: boolean, nextAt?: number) => panel?.(renderTable(rows, { pass: shownPass, running, ...(nextAt !== undefined ? { nextInSeconds: (nextAt - performance.now()) / 1000 } : {}) }));
  const hs = ctx.store.dualRunHealth;
  const alert = async (a: Alert) => {
    try {
      await (await alertsModule()).sendAlert(ctx.config, ctx.store, a, { log });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'alert not sent');
    }
  };
  // Checked by the next invocation: an earlier dual-run that died without a clean stop.
  const before = await hs.heartbeat();
  const prev = evaluateHealth(before, { lagAlertSeconds: ctx.config.dualRun.lagAlertSeconds });
  if (before && prev.state === 'stalled') await alert({ key: `stalled:${before.runId}`, level: 'critical', title: 'dual-run stalled', message: `${prev.reason}; a new dual-run has now started` });
  await hs.start({ pid: process.pid, host: hostname(), runId, intervalS: intervalMs / 1000 });
  const beat = setInterval(() => hs.beat(runId), beatEveryMs(intervalMs / 1000));
  // Monotonic and wall clock together: the monotonic one survives clock jumps, the wall one
  // sees a laptop's sleep (the monotonic clock stops while suspended), so an overdue pass runs at once.
  const mono = () => performance.now();
  const deadlineMono = opts.forMs === undefined ? Infinity : mono() + opts.forMs;
  const deadlineWall = opts.forMs === undefined ? Infinity : Date.now() + opts.forMs;
  const wake = ctx.stop ? AbortSignal.any([ctx.signal, ctx.stop]) : ctx.signal;
  const waitUntil = async (atMono: number, atWall: number) => {
    for (;;) {
      const left = Math.min(atMono - mono(), atWall - Date.now());
      if (left <= 0 || wake.aborted) return;
      show(false, mono() + left);
      await sleep(Math.min(left, panel ? 1000 : 5000), wake);
    }
  };
  let stoppedBy: DualRunResult['stoppedBy'];
  let failedInARow = 0;
  try {
    for (let n = 1; ; n++) {
      const startMono = mono();
      const startWall = Date.now();
      await hs.beat(runId, { nextPassAt: new Date(startWall).toISOString() });
      shownPass = n;
      show(true);
      const p = await onePass(n);
      rows = rows.map((r) => p.perAccount.find((x) => x.user === r.user) ?? r);
      const { unchangedFolders: _u, qresyncFolders: _q, uidDiffFolders: _d, canaries: _c, perAccount: _a, ...record } = p;
      await dual.addPass(runId, record);
      passes.push(p);
      ctx.progress.note(passLine(p, deletes));
      log.info({ ...record }, 'dual-run pass');
      await hs.beat(runId, { lastPassAt: p.finishedAt, lastPassOk: p.complete || ctx.signal.aborted, lastError: p.errors[0] ?? null, nextPassAt: new Date(startWall + intervalMs).toISOString() });
      for (const c of p.canaries) {
        if (c.state === 'lost' || c.state === 'failed') await alert({ key: `canary-lost:${c.token}`, level: 'critical', title: `canary ${c.state}: mail to ${c.recipient} did not arrive`, message: c.error ?? '' });
        if (c.lagSeconds !== undefined) {
          await hs.beat(runId, { lagSeconds: c.lagSeconds });
          if (c.lagSeconds > ctx.config.dualRun.lagAlertSeconds) await alert({ key: `lag:${runId}`, level: 'warning', title: 'dual-run lag over the threshold', message: `a canary took ${Math.round(c.lagSeconds)} s to reach the destination (threshold ${ctx.config.dualRun.lagAlertSeconds} s)` });
        }
      }
      if (!p.complete && !ctx.signal.aborted && !p.canaries.some((c) => c.state === 'lost' || c.state === 'failed')) {
        await alert({ key: `pass-failed:${runId}`, level: 'warning', title: 'a dual-run pass was incomplete', message: `pass ${p.pass}: ${p.errors.length} error(s): ${p.errors.slice(0, 3).join('; ')}` });
      }
      // After a failed pass (a server down, a network cut) the next try comes sooner, backing
      // off 15 s, 30 s, 60 s … up to the interval, with fresh connections each time.
      failedInARow = p.complete || ctx.signal.aborted ? 0 : failedInARow + 1;
      const waitMs = failedInARow ? Math.min(intervalMs, 15_000 * 2 ** (failedInARow - 1)) : intervalMs;
      const nextMono = startMono + waitMs;
      const nextWall = startWall + waitMs;
      const more = !opts.once && !ctx.signal.aborted && nextMono < deadlineMono && nextWall < deadlineWall;
      if (!more || n >= planned) bar.setTotal(more ? n + 1 : n);
      bar.update(n);
      if (opts.once || ctx.signal.aborted) break;
      if (ctx.stop?.aborted) {
        stoppedBy = 'stop';
        break;
      }
      if (opts.untilCutover && (await (await canaryModule()).mxSwitched(ctx.config, ctx.signal).catch(() => false))) {
        stoppedBy = 'cutover';
        ctx.progress.note(`the domain's MX now points at the new system (${(ctx.config.cutover.mx ?? []).map((m) => m.host).join(', ')}): dual-run ends here; continue with \`mailshift cutover confirm\` and \`mailshift cutover watch\``);
        break;
      }
      if (!more) {
        await waitUntil(deadlineMono, deadlineWall);
        break;
      }
      await waitUntil(nextMono, nextWall);
      if (ctx.signal.aborted) break;
      if (ctx.stop?.aborted) {
        stoppedBy = 'stop';
        break;
      }
    }
  } catch (err) {
    await ctx.store.finishPhase(runId, 'failed', { error: (err as Error).message, passes: passes.length });
    await hs.beat(runId, { lastPassOk: false, lastError: (err as Error).message });
    throw err;
  } finally {
    clearInterval(beat);
    await hs.beat(runId, { state: 'stopped' });
    bar.stop();
    panel?.([]);
  }

  const totals = {
    copied: passes.reduce((s, p) => s + p.copied, 0),
    newFolders: passes.reduce((s, p) => s + p.newFolders, 0),
    flagsApplied: passes.reduce((s, p) => s + p.flagsApplied, 0),
    destinationKept: passes.reduce((s, p) => s + p.destinationKept, 0),
    sourceDeleted: passes.reduce((s, p) => s + p.sourceDeleted, 0),
    moved: passes.reduce((s, p) => s + p.moved, 0),
    expunged: passes.reduce((s, p) => s + p.expunged, 0),
    deletesApplied: passes.reduce((s, p) => s + p.deletesApplied, 0),
  };
  const interrupted = ctx.signal.aborted;
  const complete = !interrupted && (passes.at(-1)?.complete ?? false);
  await ctx.store.finishPhase(runId, interrupted ? 'interrupted' : complete ? 'complete' : 'incomplete', { passes: passes.length, ...totals });
  return { runId, passes, complete, interrupted, ...(stoppedBy ? { stoppedBy } : {}), totals };
}
