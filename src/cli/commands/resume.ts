import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { Store } from '../../store/store.js';
import { loadConfig } from '../../config/load.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { syncAndReport } from './sync.js';

// `mailshift resume`: continue the last phase that did not finish. Today the only resumable
// long phase is sync; others say what to run.
export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue the last unfinished phase from its checkpoint (today: sync)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const config = loadConfig(opts.config);
      const store = Store.open(config.storePath);
      let last;
      try {
        // The latest run of each phase decides whether that phase is finished.
        const latest = new Map(store.phaseRuns().map((r) => [r.phase, r]));
        last = [...latest.values()].filter((r) => r.outcome !== 'complete').sort((a, b) => a.id - b.id).at(-1);
      } finally {
        store.close();
      }
      if (!last) {
        say(opts, 'nothing to resume: every phase run so far finished completely');
        return;
      }
      if (last.phase !== 'sync') throw new InputError(`the last unfinished phase is "${last.phase}"; run "mailshift ${last.phase}" to continue it`);
      say(opts, `resuming sync (last run started ${last.startedAt}, ${last.outcome})`);
      await withJob(opts, { command: 'resume' }, (ctx) => syncAndReport(ctx, opts, false));
    });
}
