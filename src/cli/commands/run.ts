import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';
import { sinceFromFlags } from '../since.js';

const runPipeline = lazy(() => import('../../phases/pipeline.js'), 'runPipeline');

export interface PipelineFlags {
  acceptRisks?: boolean;
  watchInterval?: string;
  watchSyncEvery?: string;
  dualRunInterval?: string;
  since?: string;
  maxAge?: string;
}

const seconds = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new InputError(`${flag}: "${value}" is not a number of seconds (more than 0)`);
  return n;
};

/** The pipeline's options from the flags `run` and `resume` share. */
export function pipelineOptions(o: PipelineFlags, opts: GlobalOptions) {
  const watch = seconds(o.watchInterval, '--watch-interval');
  const syncEvery = seconds(o.watchSyncEvery, '--watch-sync-every');
  return {
    acceptRisks: !!o.acceptRisks,
    recentFirst: sinceFromFlags(o),
    watchIntervalMs: watch === undefined ? undefined : watch * 1000,
    watchSyncEveryMs: syncEvery === undefined ? undefined : syncEvery * 1000,
    dualRunIntervalSeconds: seconds(o.dualRunInterval, '--dual-run-interval'),
    say: (line: string) => say(opts, line),
  };
}

export function pipelineFlags(cmd: Command): Command {
  return cmd
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .option('--accept-risks', 'carry on even when the assessment verdict is no-go')
    .option('--since <date>', 'sync: copy mail received since this date first (newest first), then the rest')
    .option('--max-age <age>', 'sync: copy mail younger than this first (90d, 12w, 6m, 1y), then the rest')
    .option('--dual-run-interval <seconds>', 'seconds between dual-run passes (default: dualRun.intervalSeconds)')
    .option('--watch-interval <seconds>', 'seconds between DNS polls of the propagation watch (default 30)')
    .option('--watch-sync-every <seconds>', 'delta sync period during the watch (default 300)');
}

// `mailshift run`: the whole job, from the first phase not done, as far as it goes without a
// person: assess -> sync (+ verify) -> dual-run until the planned switch -> cutover plan and
// checks -> [gate: change MX, cutover confirm] -> propagation watch -> [gate: cutover finalize]
// -> kit -> report. Exit 4 at a gate with the one thing to do; run it again afterwards.
export function registerRun(program: Command): void {
  pipelineFlags(
    program
      .command('run')
      .description('the whole migration from where it stands; stops at each operator gate (exit 4) with what to do; run again to continue'),
  ).action(async (o: PipelineFlags, cmd: Command) => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const popts = pipelineOptions(o, opts);
    await withJob(opts, { command: 'run' }, async (ctx) => {
      const r = await runPipeline(ctx, popts);
      if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    });
  });
}
