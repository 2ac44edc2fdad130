import type { Command } from 'commander';
import { parseDuration } from '../../dualrun/duration.js';
import { IncompleteError, InputError } from '../../errors.js';
import { fileURLToPath } from 'node:url';
import { configOnly, say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const runDualRun = lazy(() => import('../../phases/dual-run.js'), 'runDualRun');

interface DualRunFlags extends GlobalOptions {
  once?: boolean;
  for?: string;
  interval?: string;
  propagateDeletes?: boolean;
  deletes?: string;
  canary?: boolean;
  untilCutover?: boolean;
  installService?: boolean;
}

// `mailshift dual-run`: the delta loop of the days both systems are live. Exit 0 when the last
// pass was complete (or Ctrl-C ended it after the pass in flight), 3 when it was not (a re-run
// continues), 130 on a second Ctrl-C (after the current step).
export function registerDualRun(program: Command): void {
  program
    .command('dual-run')
    .description('keep the destination current while both systems are live: new mail, new folders and moves and flag changes every few minutes; destination changes win; nothing is deleted unless --deletes asks')
    .option('--once', 'run one pass and exit')
    .option('--for <duration>', 'stop after this long, e.g. 72h, 90m, 2d (default: until Ctrl-C)')
    .option('--until-cutover', 'end (exit 0) once DNS shows the MX on the new system (cutover.mx)')
    .option('--interval <seconds>', 'seconds between passes (default: dualRun.intervalSeconds of the config, 300)')
    .option('--deletes <mode>', 'what a message expunged on the source does on the destination: keep (default), trash or propagate (dualRun.deletes)')
    .option('--propagate-deletes', 'expunge on the destination what was expunged on the source (same as --deletes propagate); only copies nobody changed there')
    .option('--canary', 'each round (dualRun.canary.every, default 15m) send a tagged message through the current MX, time its delivery and arrival on the destination, then remove it from both sides')
    .option('--install-service', 'write a systemd user unit (Linux) or launchd agent (macOS) that runs this dual-run unattended, and print how to start and stop it')
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<DualRunFlags>();
      const forMs = opts.for === undefined ? undefined : parseDuration(opts.for, '--for');
      let intervalSeconds: number | undefined;
      if (opts.interval !== undefined) {
        intervalSeconds = Number(opts.interval);
        if (!/^\d+$/.test(opts.interval.trim()) || intervalSeconds < 1) throw new InputError(`--interval: "${opts.interval}" is not a whole number of seconds (1 or more)`);
      }
      if (opts.deletes !== undefined && !['keep', 'trash', 'propagate'].includes(opts.deletes)) throw new InputError(`--deletes: "${opts.deletes}" is not one of keep, trash, propagate`);
      if (opts.propagateDeletes && opts.deletes !== undefined && opts.deletes !== 'propagate') throw new InputError('--propagate-deletes and --deletes ' + opts.deletes + ' cannot be used together');
      const deletes = opts.propagateDeletes ? 'propagate' : (opts.deletes as 'keep' | 'trash' | 'propagate' | undefined);
      if (opts.once && forMs !== undefined) throw new InputError('--once and --for cannot be used together');
      if (opts.installService) {
        const { serviceFile, installService } = await import('../../dualrun/service.js');
        const argv = [
          ...(opts.interval ? ['--interval', opts.interval] : []),
          ...(deletes ? ['--deletes', deletes] : []),
          ...(opts.canary ? ['--canary'] : []),
          ...(opts.untilCutover ? ['--until-cutover'] : []),
          ...(opts.for ? ['--for', opts.for] : []),
          ...(opts.accounts ? ['--accounts', opts.accounts] : []),
        ];
        const f = serviceFile(configOnly(opts), argv, { bin: fileURLToPath(new URL('../../../bin/mailshift.js', import.meta.url)) });
        installService(f);
        process.stdout.write([`wrote ${f.kind === 'systemd' ? 'systemd user unit' : 'launchd agent'} ${f.path}`, ...f.instructions].join('\n') + '\n');
        return;
      }
      await withJob(opts, { command: 'dual-run', gracefulStop: true }, async (ctx) => {
        const r = await runDualRun(ctx, { once: !!opts.once, forMs, intervalSeconds, ...(deletes ? { deletes } : {}), ...(opts.canary ? { canary: true } : {}), ...(opts.untilCutover ? { untilCutover: true } : {}) });
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        const t = r.totals;
        // The per-pass lines went to the terminal (or stderr and the log) as each pass ended.
        say(opts, `dual-run: ${r.passes.length} pass(es); ${t.copied} new message(s), ${t.moved} moved, ${t.newFolders} new folder(s), ${t.flagsApplied} flag change(s) applied, ${t.destinationKept} destination change(s) kept, ${t.expunged} expunged on the source (${t.deletesApplied} carried to the destination)`);
        if (r.stoppedBy === 'stop') say(opts, 'stopped; run `mailshift dual-run` to continue');
        if (!r.complete && !r.interrupted && r.stoppedBy !== 'stop') throw new IncompleteError('dual-run: the last pass was incomplete (see its errors above and "mailshift status"); run dual-run again to continue');
        return r;
      });
    });
}
