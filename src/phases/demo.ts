import { join } from 'node:path';
import type { VerifyResult } from '../verify/result.js';
import { runAssess } from './assess.js';
import type { PhaseContext } from './context.js';
import { PIPELINE, type PipelinePhaseName } from './pipeline.js';
import { cutoverCheck, cutoverConfirm, cutoverFinalize, cutoverPlan, cutoverWatch } from './cutover.js';
import { runDualRun } from './dual-run.js';
import { runGroupwareSync, runGroupwareVerify } from './groupware.js';
import { defaultKitDir, generateKit } from './kit.js';
import { runReport } from './report.js';
import { runSync } from './sync.js';
import { runVerify } from './verify.js';
import { FatalError } from '../errors.js';

/** The checks the demo's local DNS zone can answer (no SMTP server or DKIM key for it). */
const DEMO_CHECKS = ['mx', 'spf', 'dmarc', 'mta-sts', 'tls-rpt', 'autodiscover', 'srv', 'sync-parity'];

export interface DemoStep {
  name: string;
  ok: boolean;
  seconds: number;
  summary: string;
}

/** What happens around the migration in the sandbox, done by the demo command for the phases. */
export interface DemoWorld {
  /** New mail reaches the old (source) server. */
  mailArrives(count: number, what: string): Promise<void>;
  /** A user flags a message in the old system. */
  userFlagsMessage(): Promise<void>;
  /** A user files a message into another folder in the old system (optional). */
  userFilesMessage?(folder: string): Promise<void>;
  /** The operator changes the MX (and SPF) records at the DNS host. */
  switchMx(): void;
  /** A mailbox the old MX delivers to: the dual-run step sends a canary to it (optional). */
  canaryTo?: string;
}

export interface DemoRunResult {
  steps: DemoStep[];
  reportHtml?: string;
  assessmentHtml?: string;
  kitDir?: string;
  cutoverFiles?: string[];
  verify?: VerifyResult;
}

/**
 * Runs every phase of the pipeline's table (src/phases/pipeline.ts: the steps `run` prints, in
 * its order and with its names) against the demo job, in this process. The demo plays the
 * operator and the world at each step: assess; sync with contacts and calendars; dual-run as one
 * or two passes (after new mail, a flag change and a filed message on the old server) instead of
 * days; the cutover plan and checks; the MX switch on the demo's DNS server and confirm; the
 * propagation watch catching late mail; finalize and verify --deep of the end state; kit; the
 * report (last, so it shows every other phase). A step that fails is shown and the demo goes on.
 */
export async function runDemoPhases(ctx: PhaseContext, opts: { dir: string; say: (line: string) => void; world?: DemoWorld }): Promise<DemoRunResult> {
  const world = opts.world;
  const hasDns = () => !!ctx.config.cutover.dns?.authoritative?.length;
  const result: DemoRunResult = { steps: [] };
  let confirmed: { confirmedAt: string } | undefined;
  let servers = 0;
  const byPhase: Record<PipelinePhaseName, () => Promise<string>> = {
    assess: async () => {
      const r = await runAssess(ctx, { outDir: join(opts.dir, 'assessment'), probeSeconds: 2 });
      result.assessmentHtml = r.files.html;
      return `read-only inventory of both sides written to ${r.files.html}`;
    },
    sync: async () => {
      const r = await runSync(ctx);
      const line = `${r.copied} messages copied (${(r.bytes / 1048576).toFixed(1)} MiB) in ${r.seconds.toFixed(1)} s; ${r.skipped} skipped, ${r.failed} failed`;
      if (!ctx.config.groupware) return `${line}; contacts and calendars skipped: Radicale is not installed (Debian package "radicale")`;
      const g = await runGroupwareSync(ctx);
      if (!g.complete) throw new FatalError(`${line}; groupware sync incomplete: ${g.accounts.find((x) => x.error)?.error ?? 'see the log'}`);
      const v = await runGroupwareVerify(ctx);
      if (!v.clean) throw new FatalError(`${line}; groupware verify: ${v.errors[0] ?? 'differences found'}`);
      const n = (k: 'addressbook' | 'calendar') => v.collections.filter((c) => c.kind === k).reduce((x, c) => x + c.sourceObjects, 0);
      return `${line}; ${g.totals.created} contacts and calendar objects copied over CardDAV/CalDAV exactly once (${n('addressbook')} contacts and groups, ${n('calendar')} events incl. the shared weekly meeting); verified per collection by UID and content`;
    },
    'dual-run': async () => {
      if (!world) return 'skipped: no sandbox activity to carry over';
      // While both systems are live: mail keeps arriving at the old server and people use it.
      await world.mailArrives(3, 'during dual-run');
      await world.userFlagsMessage();
      // A canary through the old MX (from the demo's DNS) proves mail flows and measures the lag;
      // only this pass has it, so the job's config (and a kept sandbox) stays without canaries.
      const canaryCtx: PhaseContext | undefined = world.canaryTo
        ? { ...ctx, config: { ...ctx.config, dualRun: { ...ctx.config.dualRun, canary: { to: [world.canaryTo], every: '15m', timeoutSeconds: 30 } } } }
        : undefined;
      const first = await runDualRun(canaryCtx ?? ctx, { once: true, canary: !!canaryCtx });
      if (!first.complete) throw new FatalError(`the dual-run pass was incomplete: ${first.passes.at(-1)?.errors[0] ?? 'see the log'}`);
      const c = first.passes[0]?.canaries[0];
      const canary = c
        ? `; a canary sent through the old MX (${c.mx}) was delivered in ${c.deliverySeconds?.toFixed(1) ?? '?'} s and on the new system after ${c.lagSeconds?.toFixed(1) ?? '?'} s, then removed from both sides`
        : '';
      // Someone files one of the new messages into a customer folder on the old server: the
      // next pass moves it on the new one too, instead of copying it a second time.
      let moved = '';
      if (world.userFilesMessage) {
        await world.userFilesMessage('客戶');
        const second = await runDualRun(ctx, { once: true });
        if (!second.complete) throw new FatalError(`the dual-run pass was incomplete: ${second.passes.at(-1)?.errors[0] ?? 'see the log'}`);
        moved = `; then a message filed into 客戶 on the old server: ${second.totals.moved} moved the same way on the new one (not copied twice)`;
      }
      const t = first.totals;
      return `one delta pass after 3 new messages and a flag change on the old server: ${t.copied} new message(s) copied, ${t.flagsApplied} flag change(s) applied${canary}${moved}; first pass in ${first.passes[0]!.seconds.toFixed(1)} s (for real: every ${ctx.config.dualRun.intervalSeconds / 60} min for 1-3 days, until the planned switch)`;
    },
    'cutover plan': async () => {
      // Only against the demo's own DNS server (set in the config); never the internet's.
      if (!hasDns()) return 'skipped: no local DNS server for the demo domain';
      const at = new Date(Date.now() + 7 * 86_400_000);
      at.setUTCMinutes(0, 0, 0);
      const plan = await cutoverPlan(ctx, { at: at.toISOString(), outDir: join(opts.dir, 'cutover') });
      result.cutoverFiles = plan.files;
      const check = await cutoverCheck(ctx, { only: DEMO_CHECKS });
      return `checklist for a switch on ${plan.at.slice(0, 16).replace('T', ' ')} UTC in ${plan.files[0] ?? join(opts.dir, 'cutover')}; DNS checked on the demo's local DNS server: ${check.pass} pass, ${check.warn} warn, ${check.fail} to fix before the switch (expected: the demo zone still points at the old provider)`;
    },
    'cutover confirm': async () => {
      if (!world || !hasDns()) return 'skipped: no local DNS server for the demo domain';
      // The gate `run` stops at: the operator changes MX at the DNS host (here: the demo's own DNS server), then confirms.
      world.switchMx();
      // The demo zone has no SMTP server for the new MX: the gate decides on the DNS checks.
      confirmed = await cutoverConfirm(ctx, {}, { checks: DEMO_CHECKS });
      return `MX switched at the demo's DNS server and confirmed (T = ${confirmed.confirmedAt.slice(11, 19)} UTC)`;
    },
    'cutover watch': async () => {
      if (!confirmed) return 'skipped: the switch was not confirmed';
      // Senders' servers that still cache the old MX deliver to the old system for a while.
      await world!.mailArrives(1, 'late, at the old server after the MX switch');
      const w = await cutoverWatch(ctx, { untilPropagated: true, intervalMs: 500, syncEveryMs: 1, forMs: 60_000 });
      if (!w.propagated) throw new FatalError(`the MX change did not propagate: ${w.servers.filter((x) => x.state !== 'new').map((x) => `${x.address} ${x.state}`).join(', ')}`);
      servers = w.servers.length;
      return `all ${servers} DNS servers on the new MX; ${w.lateMail} late message(s) copied from the old server`;
    },
    'cutover finalize': async () => {
      if (!confirmed) return 'skipped: the switch was not confirmed';
      // The second gate of `run`: the operator agrees that the old system may be frozen.
      const f = await cutoverFinalize(ctx, { outDir: join(opts.dir, 'cutover'), checks: DEMO_CHECKS });
      if (!f.finalizedAt) throw new FatalError('finalize: the last delta was incomplete');
      result.cutoverFiles = f.files;
      // The end state, compared message by message.
      const v = await runVerify(ctx, { deep: true });
      result.verify = v;
      const t = v.totals;
      const line = `verify --deep: ${t.matched} of ${t.sourceMessages} messages matched byte for byte with flags and dates; missing ${t.missing}, duplicated ${t.duplicated}, altered ${t.altered}`;
      if (!v.clean) throw new FatalError(line);
      return `finalized after ${f.lateMail} more late message(s), checklist frozen in ${f.files[0] ?? join(opts.dir, 'cutover')}; ${line}`;
    },
    kit: async () => {
      const dir = defaultKitDir(ctx.config);
      const k = await generateKit({ config: ctx.config, accounts: ctx.accounts, store: ctx.store }, dir);
      result.kitDir = k.outDir;
      return `staff guides, settings sheets and client set-up files for ${k.people} people in ${k.outDir}`;
    },
    report: async () => {
      const r = await runReport(ctx, { outDir: join(opts.dir, 'report') });
      result.reportHtml = r.files.html;
      return `migration report written to ${r.files.html}`;
    },
  };
  for (const [i, phase] of PIPELINE.entries()) {
    if (ctx.signal.aborted) break;
    // The same line `mailshift run` prints for the step.
    opts.say(`step ${i + 1}/${PIPELINE.length}: ${phase.name}`);
    const t0 = Date.now();
    let ok = true;
    let summary: string;
    try {
      summary = await byPhase[phase.name]();
    } catch (err) {
      ok = false;
      summary = (err as Error).message;
      ctx.log.error({ step: phase.name, err: summary }, 'demo step failed');
    }
    const seconds = (Date.now() - t0) / 1000;
    result.steps.push({ name: phase.name, ok, seconds, summary });
    opts.say(`      ${ok ? 'ok' : 'FAILED'} (${seconds.toFixed(1)} s): ${summary}`);
  }
  return result;
}
