import type { JobConfig } from '../config/types.js';
import { resolveCutoverSettings } from '../cutover/settings.js';
import { FatalError, IncompleteError, WaitingError } from '../errors.js';
import type { PhaseContext } from './context.js';
import { readJobFacts, type JobFacts } from './job-state.js';

// The phase pipeline of a job: one ordered table used by `run` (go as far as possible without a
// person), `resume` (continue the current phase), `status` (where the job stands and the next
// command) and `demo`. Each phase says when it is done from the store's facts, may stop at an
// operator gate, and knows how to run (continuing from its own checkpoint).

const runAssess = async (...a: Parameters<typeof import('./assess.js').runAssess>) => (await import('./assess.js')).runAssess(...a);
const runSync = async (...a: Parameters<typeof import('./sync.js').runSync>) => (await import('./sync.js')).runSync(...a);
const runVerify = async (...a: Parameters<typeof import('./verify.js').runVerify>) => (await import('./verify.js')).runVerify(...a);
const cutover = () => import('./cutover.js');

export type PipelinePhaseName = 'assess' | 'sync' | 'dual-run' | 'cutover plan' | 'cutover confirm' | 'cutover watch' | 'cutover finalize' | 'kit' | 'report';

export interface PipelineOptions {
  /** Carry on past a no-go assessment. */
  acceptRisks?: boolean;
  /** Seconds between the propagation watch's DNS polls (default 30). */
  watchIntervalMs?: number;
  /** Delta sync period during the watch (default 5 min). */
  watchSyncEveryMs?: number;
  /** Seconds between dual-run passes (default: dualRun.intervalSeconds). */
  dualRunIntervalSeconds?: number;
  /** Copy mail received since this first (newest first), then the rest. */
  recentFirst?: Date;
  /** One line of progress for the operator. */
  say: (line: string) => void;
  now?: () => Date;
}

export interface Gate {
  /** The one instruction printed (exit 4). */
  instruction: string;
  /** The command that gets the operator past the gate. */
  command: string;
}

export interface PhaseEnv {
  config: JobConfig;
  now: Date;
  acceptRisks: boolean;
}

export interface PipelinePhase {
  name: PipelinePhaseName;
  /** Done from the facts alone (once the history records a phase done, it stays done). */
  done(s: JobFacts, env: PhaseEnv): boolean;
  /** An operator gate in front of this phase: `run` stops with exit 4 and this instruction. */
  gate?(s: JobFacts, env: PhaseEnv): Gate | undefined;
  run?(ctx: PhaseContext, s: JobFacts, opts: PipelineOptions): Promise<void>;
}

const plannedAt = (s: JobFacts, config: JobConfig): Date | undefined => {
  if (s.cutover.plannedAt) return new Date(s.cutover.plannedAt);
  try {
    return resolveCutoverSettings(config).at;
  } catch {
    return undefined;
  }
};

const newMx = (config: JobConfig): string => {
  try {
    const mx = resolveCutoverSettings(config).mx;
    return mx.length ? mx.map((m) => `${m.host} (priority ${m.priority})`).join(', ') : "the new provider's MX hosts (set cutover.mx in the config)";
  } catch {
    return "the new provider's MX hosts";
  }
};

/** Runs `fn` as a phase run of its own (kit and report record none themselves). */
async function recorded(ctx: PhaseContext, phase: 'kit' | 'report', fn: () => Promise<unknown>): Promise<void> {
  const id = await ctx.store.startPhase(phase);
  try {
    const summary = await fn();
    await ctx.store.finishPhase(id, ctx.signal.aborted ? 'interrupted' : 'complete', summary);
  } catch (err) {
    await ctx.store.finishPhase(id, ctx.signal.aborted ? 'interrupted' : 'failed', { error: (err as Error).message });
    throw err;
  }
}

export const PIPELINE: readonly PipelinePhase[] = [
  {
    name: 'assess',
    done: (s, e) => !!s.assess && (s.assess.verdict !== 'no-go' || e.acceptRisks),
    async run(ctx, _s, opts) {
      const { assessment, files } = await runAssess(ctx);
      opts.say(`  verdict: ${assessment.verdict}; report ${files.html}`);
      if (!ctx.signal.aborted && assessment.verdict === 'no-go' && !opts.acceptRisks) {
        throw new IncompleteError(`the assessment found blocking risks (see ${files.html}); fix them and run again, or pass --accept-risks`);
      }
    },
  },
  {
    name: 'sync',
    done: (s) => s.syncComplete && !!s.verify?.clean,
    async run(ctx, s, opts) {
      // Dual-run passes already ran (a standalone `dual-run`, or an earlier `run`): the source has
      // lived on since, and a plain sync would copy a message moved there since the last pass
      // into its new folder while its old copy stays. Catch up the way dual-run does (moves
      // followed, new mail once) before verifying.
      if (s.syncComplete && s.dualRun.passes > 0) {
        const { runDualRun } = await import('./dual-run.js');
        const r = await runDualRun(ctx, { once: true });
        opts.say(`  caught up in one dual-run pass: ${r.totals.copied} new message(s), ${r.totals.moved} moved, ${r.totals.flagsApplied} flag change(s)`);
        if (ctx.signal.aborted) return;
        if (!r.complete) throw new IncompleteError('the catch-up dual-run pass is incomplete; see "mailshift status", then run again');
      } else if (!s.syncComplete || (s.verify && !s.verify.clean)) {
        // Not synced yet, or a verify found something missing: the sync (from its checkpoint) fixes it.
        const since = opts.recentFirst ?? (ctx.config.sync.since === undefined ? undefined : new Date(ctx.config.sync.since));
        if (since) {
          const recent = await runSync(ctx, { copySince: since });
          opts.say(`  recent mail first (since ${since.toISOString().slice(0, 10)}): ${recent.copied} message(s) copied; now the rest`);
          if (ctx.signal.aborted) return;
        }
        const r = await runSync(ctx, { copySince: null });
        opts.say(`  ${r.copied} message(s) copied now (${(r.bytes / 1048576).toFixed(1)} MiB in ${r.seconds.toFixed(1)} s); ${r.skipped} skipped, ${r.failed} failed`);
        if (ctx.signal.aborted) return;
        if (!r.complete) {
          const sync = await import('./sync.js');
          if (sync.nothingCouldBeDone(r)) throw new FatalError(sync.nothingDoneMessage(r));
          throw new IncompleteError(`sync incomplete: ${r.accounts.filter((a) => a.state !== 'complete').map((a) => `${a.user}${a.error ? ` (${a.error})` : ''}`).join(', ')}; see "mailshift status", then run again`);
        }
      }
      const v = await runVerify(ctx);
      if (ctx.signal.aborted) return;
      opts.say(`  verify: ${v.totals.matched} of ${v.totals.sourceMessages} message(s) matched; missing ${v.totals.missing}, duplicated ${v.totals.duplicated}`);
      if (!v.clean) throw new IncompleteError(`verify found ${v.totals.missing} missing and ${v.totals.duplicated} duplicated message(s); run "mailshift verify" for the list, then run again`);
      // Contacts and calendars move with the mail when the config has a groupware: section.
      if (ctx.config.groupware) {
        const gw = await (await import('./groupware.js')).runGroupwareSync(ctx);
        opts.say(`  contacts and calendars: ${gw.totals.created + gw.totals.updated} object(s) copied, ${gw.totals.failed} failed`);
        if (ctx.signal.aborted) return;
        if (!gw.complete) throw new IncompleteError('contacts and calendars are incomplete; run "mailshift groupware sync" again, "mailshift groupware verify" for the reasons');
      }
    },
  },
  {
    // Both systems live: delta passes until the planned cutover time (or until the operator
    // moves on by confirming the MX change).
    name: 'dual-run',
    done: (s, e) => {
      if (s.cutover.confirmedAt) return true;
      const at = plannedAt(s, e.config);
      // A pass cut short (Ctrl-C, kill) leaves accounts unfinished: one more pass first.
      const current = s.accounts.every((a) => a.state === 'complete');
      return s.dualRun.passes > 0 && current && !!at && e.now >= at;
    },
    gate: (s, e) =>
      s.dualRun.passes > 0 && !plannedAt(s, e.config)
        ? {
            instruction: 'the destination is current; choose the switch time: run "mailshift cutover plan --at 2026-12-05T10:00:00+08:00" (or set cutover.at), then "mailshift run" again',
            command: 'mailshift cutover plan --at <time>',
          }
        : undefined,
    async run(ctx, s, opts) {
      const at = plannedAt(s, ctx.config);
      const forMs = at ? at.getTime() - (opts.now?.() ?? new Date()).getTime() : 0;
      if (at) opts.say(`  delta passes until the planned switch at ${at.toISOString()}`);
      // The one call of the dual-run phase (its own module owns the loop).
      const { runDualRun } = await import('./dual-run.js');
      const r = forMs > 0 ? await runDualRun(ctx, { forMs, intervalSeconds: opts.dualRunIntervalSeconds }) : await runDualRun(ctx, { once: true });
      opts.say(`  ${r.passes.length} pass(es): ${r.totals.copied} new message(s), ${r.totals.flagsApplied} flag change(s)`);
    },
  },
  {
    name: 'cutover plan',
    done: (s) => s.cutover.planned && !!s.cutover.checkedAt,
    async run(ctx, _s, opts) {
      const c = await cutover();
      const plan = await c.cutoverPlan(ctx);
      opts.say(`  checklist for T = ${plan.at}: ${plan.files[0] ?? ''}`);
      if (ctx.signal.aborted) return;
      const r = await c.cutoverCheck(ctx);
      opts.say(`  checks: ${r.pass} passed, ${r.warn} warning(s), ${r.fail} failed`);
      for (const f of r.results.filter((x) => x.status === 'FAIL')) opts.say(`    FAIL ${f.title}: ${f.reason}`);
    },
  },
  {
    name: 'cutover confirm',
    done: (s) => !!s.cutover.confirmedAt,
    gate: (s, e) => ({
      instruction:
        `change the MX records of ${e.config.domain} at your DNS host to ${newMx(e.config)} (remove the old ones), then run "mailshift cutover confirm"` +
        (s.cutover.failing.length ? ` (it refuses while these checks fail: ${s.cutover.failing.map((f) => f.id).join(', ')}; see "mailshift cutover check")` : ''),
      command: 'mailshift cutover confirm',
    }),
  },
  {
    name: 'cutover watch',
    done: (s) => s.cutover.propagated,
    async run(ctx, _s, opts) {
      const c = await cutover();
      const w = await c.cutoverWatch(ctx, { untilPropagated: true, intervalMs: opts.watchIntervalMs, syncEveryMs: opts.watchSyncEveryMs });
      opts.say(`  ${w.servers.filter((x) => x.state === 'new').length} of ${w.servers.length} DNS server(s) on the new MX; ${w.lateMail} late message(s) copied`);
      if (!ctx.signal.aborted && !w.propagated) throw new IncompleteError('the watch ended before every DNS server returned the new MX; run again to keep watching');
    },
  },
  {
    name: 'cutover finalize',
    done: (s) => !!s.cutover.finalizedAt,
    gate: () => ({
      instruction:
        'every DNS server returns the new MX. When you are ready to freeze the old system (mailshift cannot do that for you), run "mailshift cutover finalize" for the last delta, then make the old system read-only',
      command: 'mailshift cutover finalize',
    }),
  },
  {
    name: 'kit',
    done: (s) => !!s.kitAt,
    async run(ctx, _s, opts) {
      const { defaultKitDir, generateKit } = await import('./kit.js');
      await recorded(ctx, 'kit', async () => {
        const k = await generateKit({ config: ctx.config, accounts: ctx.accounts, store: ctx.store }, defaultKitDir(ctx.config), { pdf: true });
        opts.say(`  staff kit for ${k.people} people in ${k.outDir}`);
        return { dir: k.outDir, people: k.people, files: k.files.length };
      });
    },
  },
  {
    name: 'report',
    // The report is the last word: written after the finalize it describes.
    done: (s) => !!s.reportAt && (!s.cutover.finalizedAt || s.reportAt >= s.cutover.finalizedAt),
    async run(ctx, _s, opts) {
      const { runReport } = await import('./report.js');
      await recorded(ctx, 'report', async () => {
        const r = await runReport(ctx);
        opts.say(`  migration report: ${r.files.html}`);
        return { html: r.files.html };
      });
    },
  },
];

export interface PipelineView {
  phases: { name: PipelinePhaseName; done: boolean }[];
  /** The first phase not done (null when the job is finished). */
  current: PipelinePhaseName | null;
  gate: Gate | null;
  /** The command the operator runs next. */
  next: string;
}

const phaseEnv = (config: JobConfig, now: Date, acceptRisks = false): PhaseEnv => ({ config, now, acceptRisks });

/** Which phases are done, the current one, its gate and the next command. */
export function pipelineView(s: JobFacts, config: JobConfig, now = new Date(), acceptRisks = false): PipelineView {
  const env = phaseEnv(config, now, acceptRisks);
  const recorded = new Set(s.history.map((h) => h.phase));
  const phases = PIPELINE.map((p) => ({ name: p.name, done: recorded.has(p.name) || p.done(s, env) }));
  const idx = phases.findIndex((p) => !p.done);
  const current = idx < 0 ? null : PIPELINE[idx]!;
  const gate = current?.gate?.(s, env) ?? null;
  let next: string;
  if (s.running) next = `wait: "${s.running.command}" is running (pid ${s.running.pid}); watch it with "mailshift status"`;
  else if (!current) next = 'nothing: the migration is finished (keep the old system read-only for 30 days)';
  else if (gate) next = gate.command;
  else next = 'mailshift run';
  return { phases, current: current?.name ?? null, gate, next };
}

export interface PipelineResult {
  finished: boolean;
  ran: PipelinePhaseName[];
}

/**
 * `mailshift run`: from the first phase not done, as far as it can go without a person. At a
 * gate it throws WaitingError (exit 4) with the one instruction. `onlyOne` (resume) runs just
 * the current phase. Every decision is made from the store, so a killed run continues.
 */
/** The pipeline phase a timeline entry belongs to (what `resume` continues). */
const PHASE_OF_LABEL: Record<string, PipelinePhaseName> = { assess: 'assess', sync: 'sync', verify: 'sync', 'cutover watch': 'cutover watch', kit: 'kit', report: 'report' };

/** The phase the last interrupted or killed run was in, if that run is the latest of the job. */
export function interruptedPhase(s: JobFacts): PipelinePhaseName | undefined {
  const last = s.timeline.filter((t) => !t.label.endsWith('--force') && t.label !== 'cutover confirm').at(-1);
  if (!last || (last.outcome !== 'interrupted' && last.outcome !== 'killed')) return undefined;
  if (last.label.startsWith('dual-run')) return 'dual-run';
  return PHASE_OF_LABEL[last.label];
}

export async function runPipeline(ctx: PhaseContext, opts: PipelineOptions & { onlyOne?: boolean }): Promise<PipelineResult> {
  if (opts.onlyOne) {
    // resume: the phase that was interrupted, from inside it (its own checkpoint), whatever it is.
    const facts = await readJobFacts(ctx.store, ctx.config);
    const name = interruptedPhase(facts);
    const phase = PIPELINE.find((p) => p.name === name);
    if (phase?.run) {
      opts.say(`resuming ${phase.name}`);
      await phase.run(ctx, facts, opts);
      return { finished: false, ran: [phase.name] };
    }
    const view = pipelineView(facts, ctx.config, opts.now?.() ?? new Date(), !!opts.acceptRisks);
    opts.say(`nothing to resume: no phase was interrupted; next: ${view.next}`);
    return { finished: view.current === null, ran: [] };
  }
  const history = ctx.store.pipeline;
  const ran: PipelinePhaseName[] = [];
  const clock = opts.now ?? (() => new Date());
  for (;;) {
    if (ctx.signal.aborted) return { finished: false, ran };
    const facts = await readJobFacts(ctx.store, ctx.config);
    const env = phaseEnv(ctx.config, clock(), !!opts.acceptRisks);
    const recordedDone = new Set(facts.history.map((h) => h.phase));
    let idx = 0;
    for (; idx < PIPELINE.length; idx++) {
      const p = PIPELINE[idx]!;
      if (!recordedDone.has(p.name) && !p.done(facts, env)) break;
      if (!recordedDone.has(p.name)) await history.markDone(p.name, idx);
    }
    const phase = PIPELINE[idx];
    if (!phase) {
      opts.say('the migration is finished: every phase is done (keep the old system read-only for at least 30 days)');
      return { finished: true, ran };
    }
    if (opts.onlyOne && ran.length) return { finished: false, ran };
    const gate = phase.gate?.(facts, env);
    if (gate) throw new WaitingError(gate.instruction);
    if (!phase.run) throw new WaitingError(`${phase.name} is the operator's step: run "${phase.name}"`);
    if (ran.includes(phase.name)) {
      throw new IncompleteError(`${phase.name} ran but is not done yet; see "mailshift status", then run again`);
    }
    opts.say(`step ${idx + 1}/${PIPELINE.length}: ${phase.name}`);
    await phase.run(ctx, facts, opts);
    ran.push(phase.name);
  }
}
