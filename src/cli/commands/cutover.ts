import type { Command } from 'commander';
import { IncompleteError, InputError } from '../../errors.js';
import { CHECKS } from '../../cutover/checks.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';
import { outDir } from '../out-dir.js';

const phase = () => import('../../phases/cutover.js');
const cutoverCheck = lazy(phase, 'cutoverCheck');
const cutoverConfirm = lazy(phase, 'cutoverConfirm');
const cutoverFinalize = lazy(phase, 'cutoverFinalize');
const cutoverPlan = lazy(phase, 'cutoverPlan');
const cutoverRollback = lazy(phase, 'cutoverRollback');
const cutoverWatch = lazy(phase, 'cutoverWatch');

// `mailshift cutover plan|check|confirm|watch|finalize|rollback`.

/** "72h", "30m", "45s", "2d" or plain seconds → milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)?$/i.exec(value.trim());
  if (!m) throw new InputError(`${flag}: "${value}" is not a duration (e.g. 72h, 30m, 90s)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'd' ? n * 86400_000 : unit === 'h' ? n * 3600_000 : unit === 'm' ? n * 60_000 : unit === 'ms' ? n : n * 1000;
  if (!(ms > 0) && flag !== '--sync-every') throw new InputError(`${flag}: must be more than zero`);
  return ms;
}

/** --force needs a reason: it goes into the audit trail. */
function forceReason(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.trim()) throw new InputError('--force needs a reason, e.g. --force "SPF fixed at the DNS host, cache not expired yet"');
  return value.trim();
}

const json = (opts: GlobalOptions, value: unknown) => {
  if (opts.json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
};

export function registerCutover(program: Command): void {
  const cutover = program
    .command('cutover')
    .description('the MX switch: plan, check, confirm, watch propagation and late mail, finalize, rollback');

  cutover
    .command('plan')
    .description('write the cutover checklist (Markdown, HTML, JSON) with the time each step is due')
    .option('--at <time>', 'cutover time T, e.g. 2026-12-05T10:00:00+08:00 (default: cutover.at)')
    .option('--out <dir>', 'where to write the checklist (default: <config dir>/cutover)', outDir)
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { at?: string; out?: string }>();
      await withJob(opts, { command: 'cutover plan', needsAccounts: false }, async (ctx) => {
        const r = await cutoverPlan(ctx, { at: opts.at, outDir: opts.out });
        json(opts, r.doc);
        say(opts, `cutover checklist for ${ctx.config.domain}, T = ${r.at}:`);
        for (const s of r.doc.steps) say(opts, `  ${s.when.padEnd(26)} ${s.dueAt ? s.dueAt.slice(0, 16).replace('T', ' ') : ''}  [${s.who}] ${s.title}`);
        say(opts, `written: ${r.files.join(', ')}`);
      });
    });

  cutover
    .command('check')
    .description('run every automatable check (DNS, MTA-STS, SMTP probe, sync parity); exit 3 when any fails')
    .option('--only <ids>', `comma-separated checks (${Object.keys(CHECKS).join(', ')})`)
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { only?: string }>();
      const only = opts.only?.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = only?.filter((id) => !(id in CHECKS)) ?? [];
      if (unknown.length) throw new InputError(`--only: unknown check ${unknown.join(', ')} (known: ${Object.keys(CHECKS).join(', ')})`);
      // No job lock: it only adds its own result rows, so it can run from cron during a watch.
      const report = await withJob(opts, { command: 'cutover check', readOnly: true }, async (ctx) => {
        const r = await cutoverCheck(ctx, { only });
        json(opts, r);
        say(opts, `cutover check for ${ctx.config.domain} (T ${r.at ?? 'not set'}${r.confirmed ? ', confirmed' : r.at ? ', planned' : ''})`);
        for (const c of r.results) {
          say(opts, `  ${c.status.padEnd(4)}  ${c.title}: ${c.reason}`);
          if (c.status !== 'PASS' && c.fix) say(opts, `        fix: ${c.fix}`);
        }
        say(opts, `${r.pass} passed, ${r.warn} warning(s), ${r.fail} failed`);
        return r;
      });
      if (report.fail) throw new IncompleteError(`${report.fail} cutover check(s) failed: ${report.results.filter((r) => r.status === 'FAIL').map((r) => r.id).join(', ')}`);
    });

  cutover
    .command('confirm')
    .description('after changing MX: check that the authoritative servers answer the new set, run the checks (refused while one fails), and record T')
    .option('--force <reason>', 'confirm although blocking checks fail; the reason is recorded in the audit trail')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { force?: string }>();
      const force = forceReason(opts.force);
      // The accounts are needed: the SMTP probe checks RCPT for every migrated address.
      await withJob(opts, { command: 'cutover confirm' }, async (ctx) => {
        const r = await cutoverConfirm(ctx, {}, { force });
        json(opts, r);
        for (const a of r.answers) say(opts, `  ${a.server}: ${a.answer}`);
        say(opts, r.alreadyConfirmed ? `already confirmed: T = ${r.confirmedAt}` : `confirmed: T = ${r.confirmedAt}; next: mailshift run (or mailshift cutover watch)`);
      });
    });

  cutover
    .command('watch')
    .description('poll authoritative servers and resolvers until they return the new MX; delta-sync late mail meanwhile')
    .option('--until-propagated', 'stop as soon as every server returns the new MX')
    .option('--for <duration>', 'stop after this long', '72h')
    .option('--interval <seconds>', 'seconds between DNS polls', '30')
    .option('--sync-every <duration>', 'delta sync period (0 = no delta)', '5m')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { untilPropagated?: boolean; for: string; interval: string; syncEvery: string }>();
      const forMs = parseDuration(opts.for, '--for');
      const intervalMs = parseDuration(opts.interval, '--interval');
      const syncEveryMs = opts.syncEvery.trim() === '0' ? 0 : parseDuration(opts.syncEvery, '--sync-every');
      const r = await withJob(opts, { command: 'cutover watch' }, async (ctx) => {
        const res = await cutoverWatch(ctx, { untilPropagated: opts.untilPropagated, forMs, intervalMs, syncEveryMs });
        json(opts, res);
        say(opts, res.propagated ? 'every server returns the new MX' : `not propagated yet (${res.servers.filter((s) => s.state !== 'new').map((s) => s.address).join(', ')}); run watch again to continue`);
        say(opts, `${res.deltas} delta sync(s), ${res.lateMail} late message(s) copied`);
        return res;
      });
      if (r.deltaFailures.length) throw new IncompleteError(`watch ended with delta problems: ${r.deltaFailures.at(-1)}`);
      if (opts.untilPropagated && !r.propagated) throw new IncompleteError('watch ended before every server returned the new MX');
    });

  cutover
    .command('finalize')
    .description('you are ready to freeze the old system: checks (refused while one fails), last delta, the checklist frozen with its results, the advice for afterwards')
    .option('--out <dir>', 'where to write the frozen checklist (default: <config dir>/cutover)', outDir)
    .option('--force <reason>', 'finalize although blocking checks fail; the reason is recorded in the audit trail')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { out?: string; force?: string }>();
      const force = forceReason(opts.force);
      const r = await withJob(opts, { command: 'cutover finalize' }, async (ctx) => {
        const res = await cutoverFinalize(ctx, { outDir: opts.out, force });
        json(opts, res);
        say(opts, `last delta: ${res.delta.copied} copied, ${res.delta.failed} failed; ${res.checks.fail} check(s) failing`);
        for (const a of res.advice) say(opts, `  - ${a}`);
        if (res.files.length) say(opts, `checklist ${res.finalizedAt ? 'frozen' : 'written'}: ${res.files.join(', ')}`);
        if (res.finalizedAt) say(opts, 'now make the old system read-only (mailshift cannot do that; the checklist shows it as yours to confirm); next: mailshift run');
        return res;
      });
      if (!r.delta.complete) throw new IncompleteError('the last delta did not copy everything: see mailshift status, then run finalize again');
    });

  cutover
    .command('rollback')
    .description('print the rollback plan and copy mail that arrived in the destination after T back to the source')
    .option('--plan-only', 'print the plan, copy nothing')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { planOnly?: boolean }>();
      const r = await withJob(opts, { command: 'cutover rollback', needsAccounts: !opts.planOnly }, async (ctx) => {
        const res = await cutoverRollback(ctx, { planOnly: opts.planOnly });
        json(opts, res);
        say(opts, `rollback plan for ${ctx.config.domain} (mail since T = ${res.since}):`);
        res.plan.forEach((line, i) => say(opts, `  ${i + 1}. ${line}`));
        if (res.reverse) say(opts, `reverse delta: ${res.reverse.copied} message(s) copied back to the source, ${res.reverse.failed} failed`);
        return res;
      });
      if (r.reverse && !r.reverse.complete) throw new IncompleteError('the reverse delta did not copy everything: run rollback again');
    });
}
