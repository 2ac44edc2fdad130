import { sleep } from '../time/sleep.js';
import { join, resolve } from 'node:path';
import { findAuthoritative, txtRecords } from '../dns/resolver.js';
import type { DnsServer } from '../dns/client.js';
import { FatalError, IncompleteError, InputError } from '../errors.js';
import { CHECKS, runChecks, type CheckResult } from '../cutover/checks.js';
import { i18n, pickLang } from '../i18n/index.js';
import { afterAdvice, buildDoc, renderHtml, renderMarkdown, rollbackPlan, stepsFor, type ChecklistDoc } from '../cutover/plan.js';
import { firstReceived, isMtaStsTxt } from '../cutover/records.js';
import { formatMx, parseTime, resolveCutoverSettings, type CutoverSettings, type MxHost } from '../cutover/settings.js';
import { pollMx, renderTable, type WatchedServer } from '../cutover/watch.js';
import { checkDualRunHeartbeat } from '../cutover/watch-health.js';
import type { Health } from '../dualrun/health.js';
import type { CheckStatus, ServerRow, StepState } from '../store/cutover-store.js';
import type { PhaseContext } from './context.js';
import { runSync as syncPhase, type CopiedMessage, type SyncResult } from './sync.js';
import { ensureDir } from '../files/ensure-dir.js';
import { writePrivate } from '../files/write-private.js';
import type { CutoverRecords } from '../store/contract/index.js';
import type { AsyncOf } from '../store/contract/async.js';

export type RunSync = typeof syncPhase;

// The cutover phase: plan (checklist), check (every automatable check), confirm (T), watch
// (propagation + late-mail deltas), finalize and rollback. All state lives in the store
// (cutover-store.ts), so every command can be stopped and run again.

export interface CutoverDeps {
  /** The sync runner (default: runSync of src/phases/sync.ts); the delta loop and rollback use it. */
  runSync?: RunSync;
  now?: () => Date;
}

interface Env {
  settings: CutoverSettings;
  cutover: AsyncOf<CutoverRecords>;
  now: () => Date;
}

function env(ctx: PhaseContext, deps: CutoverDeps): Env {
  return { settings: resolveCutoverSettings(ctx.config), cutover: ctx.store.cutover, now: deps.now ?? (() => new Date()) };
}

async function authoritativeServers(ctx: PhaseContext, s: CutoverSettings): Promise<DnsServer[]> {
  if (s.authoritative.length) return s.authoritative;
  try {
    return await findAuthoritative(s.domain, s.resolvers, { timeoutMs: s.dnsTimeoutMs, signal: ctx.signal });
  } catch (err) {
    throw new FatalError(`cannot find the authoritative name servers of ${s.domain} (${(err as Error).message}); set cutover.dns.authoritative`);
  }
}

/** The addresses mail is delivered to after the switch: the destination users, on the domain. */
export function migratedAddresses(ctx: PhaseContext): string[] {
  return [...new Set(ctx.accounts.map((a) => (a.destinationUser.includes('@') ? a.destinationUser : `${a.destinationUser}@${ctx.config.domain}`).toLowerCase()))];
}

async function cutoverTime(e: Env): Promise<{ at?: Date; confirmed: boolean }> {
  const st = await e.cutover.state();
  if (st.confirmedAt) return { at: new Date(st.confirmedAt), confirmed: true };
  if (st.plannedAt) return { at: new Date(st.plannedAt), confirmed: false };
  return { at: e.settings.at, confirmed: false };
}

async function checklistDoc(ctx: PhaseContext, e: Env, frozen: boolean, advice: string[] = []): Promise<ChecklistDoc> {
  const st = await e.cutover.state();
  const t = await cutoverTime(e);
  return buildDoc({
    job: ctx.config.job,
    domain: ctx.config.domain,
    company: ctx.config.company,
    at: t.at?.toISOString() ?? null,
    confirmedAt: st.confirmedAt,
    generatedAt: e.now().toISOString(),
    frozen,
    steps: await e.cutover.steps(),
    checks: await e.cutover.lastCheckRun(),
    propagation: await e.cutover.servers(),
    lateMail: await e.cutover.lateMail(),
    advice,
  });
}

function writeChecklist(ctx: PhaseContext, doc: ChecklistDoc, outDir: string | undefined): string[] {
  const dir = resolve(ctx.config.configDir, outDir ?? 'cutover');
  ensureDir(dir);
  const I = i18n(pickLang(undefined, ctx.config), ctx.config.timezone);
  const files = [
    [join(dir, 'checklist.md'), renderMarkdown(doc, I)],
    [join(dir, 'checklist.html'), renderHtml(doc, I)],
    [join(dir, 'checklist.json'), JSON.stringify(doc, null, 2) + '\n'],
  ] as const;
  for (const [path, text] of files) writePrivate(path, text);
  return files.map(([p]) => p);
}

const WORST: Record<CheckStatus, number> = { PASS: 0, WARN: 1, FAIL: 2 };

async function applyResultsToSteps(e: Env, results: CheckResult[]): Promise<void> {
  for (const step of await e.cutover.steps()) {
    if (step.state === 'done' || !step.checkIds.length) continue;
    const mine = results.filter((r) => step.checkIds.includes(r.id));
    if (!mine.length) continue;
    const worst = mine.reduce((w, r) => (WORST[r.status] > WORST[w] ? r.status : w), 'PASS' as CheckStatus);
    await e.cutover.setStepState(step.key, worst.toLowerCase() as StepState, mine.filter((r) => r.status === worst).map((r) => r.reason).join('; ').slice(0, 500));
  }
}

// ---- plan --------------------------------------------------------------------------------------

export interface PlanResult {
  at: string;
  files: string[];
  doc: ChecklistDoc;
}

export async function cutoverPlan(ctx: PhaseContext, opts: { at?: string; outDir?: string } = {}, deps: CutoverDeps = {}): Promise<PlanResult> {
  const e = env(ctx, deps);
  const st = await e.cutover.state();
  const at = opts.at ? parseTime(opts.at, '--at') : (e.settings.at ?? (st.plannedAt ? new Date(st.plannedAt) : undefined));
  if (!at) throw new InputError('no cutover time: pass --at 2026-12-05T10:00:00+08:00 or set cutover.at in the config');
  await e.cutover.updateState({ plannedAt: at.toISOString() });
  await e.cutover.saveSteps(stepsFor(st.confirmedAt ? new Date(st.confirmedAt) : at));
  // Snapshot what the DNS says now (old MX, MTA-STS id) so later checks can compare with it.
  if (!st.snapshotAt || !st.oldMx) {
    try {
      const authoritative = await authoritativeServers(ctx, e.settings);
      const t = await cutoverTime(e);
      await runChecks(
        { settings: e.settings, authoritative, resolvers: e.settings.resolvers, store: ctx.store, cutover: e.cutover, addresses: [], now: e.now(), at: t.at, confirmed: t.confirmed, signal: ctx.signal },
        ['mx', 'mta-sts'],
      );
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'cutover plan: DNS snapshot not taken');
    }
  }
  const doc = await checklistDoc(ctx, e, false);
  const files = writeChecklist(ctx, doc, opts.outDir);
  ctx.log.info({ at: at.toISOString(), files }, 'cutover plan written');
  return { at: at.toISOString(), files, doc };
}

// ---- check -------------------------------------------------------------------------------------

export interface CheckReport {
  runAt: string;
  at: string | null;
  confirmed: boolean;
  results: CheckResult[];
  pass: number;
  warn: number;
  fail: number;
}

export async function cutoverCheck(ctx: PhaseContext, opts: { only?: string[] } = {}, deps: CutoverDeps = {}): Promise<CheckReport> {
  const e = env(ctx, deps);
  const authoritative = await authoritativeServers(ctx, e.settings);
  const t = await cutoverTime(e);
  const now = e.now();
  const results = await runChecks(
    { settings: e.settings, authoritative, resolvers: e.settings.resolvers, store: ctx.store, cutover: e.cutover, addresses: migratedAddresses(ctx), now, at: t.at, confirmed: t.confirmed, signal: ctx.signal },
    opts.only,
  );
  const runAt = now.toISOString();
  await e.cutover.saveCheckRun(
    runAt,
    results.map((r) => ({ checkId: r.id, title: r.title, status: r.status, reason: r.reason, fix: r.fix ?? null, data: r.data, msg: r.msg ?? null })),
  );
  await applyResultsToSteps(e, results);
  for (const r of results) ctx.log.info({ check: r.id, status: r.status }, `${r.title}: ${r.reason}`);
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  return { runAt, at: t.at?.toISOString() ?? null, confirmed: t.confirmed, results, pass: count('PASS'), warn: count('WARN'), fail: count('FAIL') };
}

// ---- confirm -----------------------------------------------------------------------------------

export interface ConfirmResult {
  confirmedAt: string;
  alreadyConfirmed: boolean;
  answers: { server: string; state: string; answer: string }[];
}

export interface GateOptions {
  /** Go ahead although blocking checks fail; the reason is recorded in the audit trail. */
  force?: string;
  /** The checks that decide the gate (default: all of them). */
  checks?: string[];
}

/**
 * A gate that means something: runs the checks and refuses (exit 3, listing each failing
 * check) while any FAILs, unless the operator forces it with a reason, which is recorded.
 */
async function passGate(ctx: PhaseContext, command: string, gate: GateOptions, deps: CutoverDeps): Promise<CheckReport> {
  const report = await cutoverCheck(ctx, { only: gate.checks }, deps);
  const failing = report.results.filter((r) => r.status === 'FAIL');
  if (!failing.length || ctx.signal.aborted) return report;
  const list = failing.map((f) => `${f.id} (${f.reason})`).join('; ');
  if (!gate.force?.trim()) {
    throw new IncompleteError(`${command} refused: ${failing.length} blocking check(s) fail: ${list}; fix them and run it again, or pass --force "<reason>" to go ahead anyway (recorded)`);
  }
  await ctx.store.addEvent({
    phase: 'cutover',
    level: 'warn',
    kind: 'gate.forced',
    message: `${command} forced past ${failing.length} failing check(s): ${gate.force.trim()}`,
    data: { command, reason: gate.force.trim(), failing: failing.map((f) => ({ id: f.id, reason: f.reason })) },
  });
  ctx.log.warn({ command, reason: gate.force.trim(), failing: failing.map((f) => f.id) }, 'gate forced');
  return report;
}

export async function cutoverConfirm(ctx: PhaseContext, deps: CutoverDeps = {}, gate: GateOptions = {}): Promise<ConfirmResult> {
  const e = env(ctx, deps);
  if (!e.settings.mx.length) throw new InputError("the new provider's MX hosts are not known: set cutover.mx in the config");
  const authoritative = await authoritativeServers(ctx, e.settings);
  const polled = await pollMx(
    authoritative.map((server) => ({ server, kind: 'authoritative' as const })),
    e.settings.domain,
    e.settings.mx,
    { timeoutMs: e.settings.dnsTimeoutMs, signal: ctx.signal },
  );
  const answers = polled.map((p) => ({ server: p.address, state: p.state, answer: p.answer }));
  const notNew = polled.filter((p) => p.state !== 'new');
  if (notNew.length) {
    throw new IncompleteError(
      `not confirmed: ${notNew.map((p) => `${p.address} answers ${p.state === 'error' ? `nothing (${p.answer})` : p.answer}`).join('; ')} — expected ${formatMx(e.settings.mx)} at every authoritative server; change the MX records (remove the old ones) and run "mailshift cutover confirm" again`,
    );
  }
  const st = await e.cutover.state();
  if (!st.confirmedAt) await passGate(ctx, 'cutover confirm', gate, deps);
  const confirmedAt = st.confirmedAt ?? e.now().toISOString();
  if (!st.oldMx && !e.settings.oldMx) {
    // No check or plan saw the old set: take it from a resolver that still caches it (for rollback).
    const seen = await pollMx(
      e.settings.resolvers.map((server) => ({ server, kind: 'resolver' as const })),
      e.settings.domain,
      e.settings.mx,
      { timeoutMs: e.settings.dnsTimeoutMs, signal: ctx.signal },
    );
    const old = seen.find((p) => p.state === 'old' && p.mx.length);
    if (old) await e.cutover.updateState({ oldMx: old.mx });
  }
  if (!st.confirmedAt) {
    await e.cutover.updateState({ confirmedAt });
    // The checklist's due times now count from the real T.
    if ((await e.cutover.steps()).length) await e.cutover.saveSteps(stepsFor(new Date(confirmedAt)));
    await ctx.store.addEvent({ phase: 'cutover', level: 'info', kind: 'cutover.confirmed', message: `MX change confirmed; T = ${confirmedAt}`, data: { mx: e.settings.mx } });
  }
  await e.cutover.setStepState('change-mx', 'done', `confirmed at ${confirmedAt}`);
  ctx.log.info({ confirmedAt }, 'cutover confirmed');
  return { confirmedAt, alreadyConfirmed: !!st.confirmedAt, answers };
}

// ---- late mail ---------------------------------------------------------------------------------

function lateMailRecorder(ctx: PhaseContext, e: Env, direction: 'forward' | 'reverse', counter: { n: number }) {
  return async (m: CopiedMessage) => {
    counter.n++;
    const trace = firstReceived(m.header);
    await e.cutover.addLateMail({
      at: e.now().toISOString(),
      direction,
      account: m.account,
      sourcePath: m.sourcePath,
      destinationPath: m.destinationPath,
      srcUid: m.srcUid,
      messageId: m.messageId ?? null,
      receivedFrom: trace?.from ?? null,
      receivedBy: trace?.by ?? null,
      receivedDate: trace?.date ?? null,
    });
    const via = trace ? ` via ${trace.from ?? '?'} -> ${trace.by ?? '?'}` : ' (no Received: header)';
    const line =
      direction === 'forward'
        ? `late mail for ${m.account}: ${m.sourcePath} uid ${m.srcUid} ${m.messageId ?? ''} arrived at the old server${via}; copied to ${m.destinationPath}`
        : `reverse: ${m.account} ${m.sourcePath} uid ${m.srcUid} ${m.messageId ?? ''}${via} copied back to ${m.destinationPath}`;
    ctx.log.info({ account: m.account, folder: m.sourcePath, uid: m.srcUid, messageId: m.messageId, received: trace }, line);
    ctx.progress.note(line);
  };
}

// ---- watch -------------------------------------------------------------------------------------

export interface WatchOptions {
  untilPropagated?: boolean;
  /** Stop after this long (default 72 h). */
  forMs?: number;
  /** Seconds between DNS polls (default 30 s). */
  intervalMs?: number;
  /** Delta sync period (default 5 min); 0 turns the delta off. */
  syncEveryMs?: number;
}

export interface WatchResult {
  propagated: boolean;
  stoppedBy: 'propagated' | 'time' | 'interrupt';
  servers: ServerRow[];
  deltas: number;
  lateMail: number;
  deltaFailures: string[];
  /** The dual-run's health as the last round saw it (a stalled one is alerted). */
  dualRun?: Health;
}


export async function cutoverWatch(ctx: PhaseContext, opts: WatchOptions = {}, deps: CutoverDeps = {}): Promise<WatchResult> {
  const e = env(ctx, deps);
  const st = await e.cutover.state();
  if (!st.confirmedAt) throw new InputError('the MX change is not confirmed yet: change MX, then run "mailshift cutover confirm" before watching');
  if (!e.settings.mx.length) throw new InputError("the new provider's MX hosts are not known: set cutover.mx in the config");
  const forMs = opts.forMs ?? 72 * 3600_000;
  const intervalMs = opts.intervalMs ?? 30_000;
  const syncEveryMs = opts.syncEveryMs ?? 300_000;
  const runSync = syncEveryMs > 0 ? (deps.runSync ?? syncPhase) : undefined;
  const authoritative = await authoritativeServers(ctx, e.settings);
  const watched: WatchedServer[] = [
    ...authoritative.map((server) => ({ server, kind: 'authoritative' as const })),
    ...e.settings.resolvers.map((server) => ({ server, kind: 'resolver' as const })),
  ];
  const runId = await ctx.store.startPhase('cutover');
  const started = e.now();
  if (!st.watchStartedAt) await e.cutover.updateState({ watchStartedAt: started.toISOString() });
  const late = { n: 0 };
  const onCopied = lateMailRecorder(ctx, e, 'forward', late);
  const result: WatchResult = { propagated: false, stoppedBy: 'time', servers: [], deltas: 0, lateMail: 0, deltaFailures: [] };
  let lastDelta = 0;
  let lastTable = '';

  const delta = async () => {
    if (!runSync) return;
    lastDelta = Date.now();
    try {
      const r: SyncResult = await runSync(ctx, { onCopied, label: 'cutover watch delta' });
      result.deltas++;
      await e.cutover.updateState({ lastDeltaAt: e.now().toISOString() });
      if (!r.complete) result.deltaFailures.push(`delta at ${e.now().toISOString()}: ${r.failed} failed, ${r.skipped} skipped`);
      ctx.log.info({ copied: r.copied, failed: r.failed }, 'cutover watch: delta sync done');
    } catch (err) {
      if (ctx.signal.aborted) return;
      const msg = `delta sync failed: ${(err as Error).message} (retrying at the next delta)`;
      result.deltaFailures.push(msg);
      ctx.log.warn({ err: (err as Error).message }, msg);
      ctx.progress.note(msg);
    }
  };

  // The dual-run's heartbeat each round: a stalled one is said once per change and alerted.
  let lastHealthState: string | undefined;
  const dualRunRound = async () => {
    try {
      const h = await checkDualRunHeartbeat(ctx.config, ctx.store);
      result.dualRun = h.health;
      // Once per state (its reason carries a growing age, so it is not compared).
      if (h.line && h.health.state !== lastHealthState) ctx.progress.note(h.line);
      if (h.alerted) ctx.progress.note(h.alerted);
      lastHealthState = h.health.state;
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'cutover watch: dual-run health check failed');
    }
  };

  try {
    for (;;) {
      if (ctx.signal.aborted) {
        result.stoppedBy = 'interrupt';
        break;
      }
      const at = e.now();
      const polled = await pollMx(watched, e.settings.domain, e.settings.mx, { timeoutMs: e.settings.dnsTimeoutMs, signal: ctx.signal });
      if (ctx.signal.aborted) {
        result.stoppedBy = 'interrupt';
        break;
      }
      for (const p of polled) {
        const before = (await e.cutover.servers()).find((s) => s.address === p.address);
        const flipped = await e.cutover.recordServer(p.address, p.kind, p.state, p.answer, at.toISOString());
        if (flipped) {
          const line = `${p.kind} ${p.address} flipped to the new MX at ${at.toISOString()}`;
          ctx.log.info({ server: p.address, kind: p.kind, at: at.toISOString() }, line);
          await ctx.store.addEvent({ phase: 'cutover', level: 'info', kind: 'cutover.flip', message: line, data: { server: p.address, kind: p.kind } });
          ctx.progress.note(line);
        } else if (before?.state === 'new' && (p.state === 'old' || p.state === 'mixed')) {
          const line = `${p.kind} ${p.address} answers ${p.answer} again (was on the new MX)`;
          ctx.log.warn({ server: p.address }, line);
          ctx.progress.note(line);
        }
      }
      const rows = (await e.cutover.servers()).filter((r) => watched.some((w) => w.server.label === r.address));
      result.servers = rows;
      const table = renderTable(rows, at);
      const key = JSON.stringify(rows.map((r) => [r.address, r.state, r.answer]));
      if (key !== lastTable) {
        lastTable = key;
        for (const l of table) ctx.progress.note(l);
      }
      // A server never reached (blocked from here) does not hold the watch up; the table shows it.
      const answered = rows.filter((r) => r.state !== 'error');
      result.propagated =
        answered.some((r) => r.kind === 'resolver') &&
        rows.filter((r) => r.kind === 'authoritative').every((r) => r.state === 'new') &&
        answered.every((r) => r.state === 'new');
      if (result.propagated) await e.cutover.setStepState('propagation', 'done', `all ${rows.length} servers on the new MX at ${at.toISOString()}`);

      if (runSync && (lastDelta === 0 || Date.now() - lastDelta >= syncEveryMs)) await delta();
      await dualRunRound();
      if (opts.untilPropagated && result.propagated) {
        // One more delta so mail that arrived while the last resolvers flipped is copied too.
        if (Date.now() - lastDelta > 1000) await delta();
        result.stoppedBy = 'propagated';
        break;
      }
      if (e.now().getTime() - started.getTime() >= forMs) {
        result.stoppedBy = 'time';
        break;
      }
      await sleep(Math.min(intervalMs, Math.max(0, forMs - (e.now().getTime() - started.getTime()))), ctx.signal);
    }
  } finally {
    result.lateMail = late.n;
    await ctx.store.finishPhase(runId, ctx.signal.aborted ? 'interrupted' : result.deltaFailures.length ? 'incomplete' : 'complete', {
      command: 'cutover watch',
      propagated: result.propagated,
      deltas: result.deltas,
      lateMail: late.n,
    });
  }
  return result;
}

// ---- finalize ----------------------------------------------------------------------------------

export interface FinalizeResult {
  finalizedAt: string;
  delta: SyncResult;
  lateMail: number;
  checks: CheckReport;
  advice: string[];
  files: string[];
}

export async function cutoverFinalize(ctx: PhaseContext, opts: { outDir?: string } & GateOptions = {}, deps: CutoverDeps = {}): Promise<FinalizeResult> {
  const e = env(ctx, deps);
  const st = await e.cutover.state();
  if (!st.confirmedAt) throw new InputError('the MX change is not confirmed yet: run "mailshift cutover confirm" first');
  // Sync parity is what the final delta below establishes (finalize completes only when that
  // delta does), so a delta cut short earlier must not keep the gate shut.
  if (!st.finalizedAt) await passGate(ctx, 'cutover finalize', { ...opts, checks: opts.checks ?? Object.keys(CHECKS).filter((id) => id !== 'sync-parity') }, deps);
  const runSync = deps.runSync ?? syncPhase;
  const runId = await ctx.store.startPhase('cutover');
  const late = { n: 0 };
  let delta: SyncResult;
  try {
    delta = await runSync(ctx, { onCopied: lateMailRecorder(ctx, e, 'forward', late), label: 'cutover final delta' });
  } catch (err) {
    await ctx.store.finishPhase(runId, ctx.signal.aborted ? 'interrupted' : 'failed', { command: 'cutover finalize', error: (err as Error).message });
    throw err;
  }
  await e.cutover.updateState({ lastDeltaAt: e.now().toISOString() });
  if (ctx.signal.aborted) {
    await ctx.store.finishPhase(runId, 'interrupted', { command: 'cutover finalize' });
    return { finalizedAt: '', delta, lateMail: late.n, checks: emptyReport(), advice: [], files: [] };
  }
  const checks = await cutoverCheck(ctx, {}, deps);
  const finalizedAt = delta.complete ? e.now().toISOString() : '';
  if (delta.complete) {
    await e.cutover.updateState({ finalizedAt });
    await e.cutover.setStepState('final-delta', 'done', `last delta at ${finalizedAt}: ${delta.copied} copied`);
    // Freezing the old system is the operator's to do and to confirm; it is never marked done here.
    await e.cutover.setStepState('freeze-old', 'pending', 'operator confirms: mailshift cannot make the old system read-only');
    await e.cutover.setStepState('late-mail', 'done', `${(await e.cutover.lateMail()).filter((l) => l.direction === 'forward').length} late message(s) copied`);
  }
  const advice = afterAdvice({ oldSpfInclude: e.settings.oldSpfInclude, oldMx: e.settings.oldMx ?? st.oldMx ?? [] });
  const files = writeChecklist(ctx, await checklistDoc(ctx, e, delta.complete, advice), opts.outDir);
  await ctx.store.finishPhase(runId, delta.complete ? 'complete' : 'incomplete', { command: 'cutover finalize', copied: delta.copied, failed: delta.failed });
  return { finalizedAt, delta, lateMail: late.n, checks, advice, files };
}

const emptyReport = (): CheckReport => ({ runAt: '', at: null, confirmed: false, results: [], pass: 0, warn: 0, fail: 0 });

// ---- rollback ----------------------------------------------------------------------------------

export interface RollbackResult {
  since: string;
  oldMx: MxHost[];
  plan: string[];
  reverse?: SyncResult;
  copiedBack: number;
}

export async function cutoverRollback(ctx: PhaseContext, opts: { planOnly?: boolean } = {}, deps: CutoverDeps = {}): Promise<RollbackResult> {
  const e = env(ctx, deps);
  const st = await e.cutover.state();
  if (!st.confirmedAt) throw new InputError('nothing to roll back: the MX change was never confirmed ("mailshift cutover confirm")');
  const oldMx = e.settings.oldMx ?? (await e.cutover.state()).oldMx ?? [];
  const usesMtaSts =
    st.mtaStsId !== null ||
    (await txtRecords(e.settings.resolvers, `_mta-sts.${e.settings.domain}`, { timeoutMs: e.settings.dnsTimeoutMs, signal: ctx.signal })
      .then((r) => r.texts.some(isMtaStsTxt))
      .catch(() => true)); // unknown: keep the MTA-STS step in the plan
  const plan = rollbackPlan({ domain: e.settings.domain, oldMx, usesMtaSts });
  const out: RollbackResult = { since: st.confirmedAt, oldMx, plan, copiedBack: 0 };
  if (opts.planOnly) return out;
  const runSync = deps.runSync ?? syncPhase;
  const runId = await ctx.store.startPhase('rollback');
  const counter = { n: 0 };
  try {
    out.reverse = await runSync(ctx, { direction: 'reverse', sinceInternalDate: new Date(st.confirmedAt), onCopied: lateMailRecorder(ctx, e, 'reverse', counter) });
  } catch (err) {
    await ctx.store.finishPhase(runId, ctx.signal.aborted ? 'interrupted' : 'failed', { error: (err as Error).message });
    throw err;
  }
  out.copiedBack = counter.n;
  await e.cutover.updateState({ rolledBackAt: e.now().toISOString() });
  await ctx.store.addEvent({ phase: 'rollback', level: 'warn', kind: 'cutover.rollback', message: `reverse delta since ${st.confirmedAt}: ${out.reverse.copied} copied back` });
  await ctx.store.finishPhase(runId, out.reverse.complete ? 'complete' : 'incomplete', { copied: out.reverse.copied, failed: out.reverse.failed });
  return out;
}
