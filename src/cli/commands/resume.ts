import type { Command } from 'commander';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';
import { pipelineFlags, pipelineOptions, type PipelineFlags } from './run.js';

const runPipeline = lazy(() => import('../../phases/pipeline.js'), 'runPipeline');

// `mailshift resume`: continue the phase that was interrupted (whichever it is), from inside it:
// every phase carries on from its own checkpoint. Then it says what comes next.
export function registerResume(program: Command): void {
  pipelineFlags(
    program.command('resume').description('continue the interrupted (current) phase of the job from its checkpoint, then say what is next'),
  ).action(async (o: PipelineFlags, cmd: Command) => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const popts = pipelineOptions(o, opts);
    await withJob(opts, { command: 'resume' }, async (ctx) => {
      const r = await runPipeline(ctx, { ...popts, onlyOne: true });
      if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else if (r.ran.length && !ctx.signal.aborted) say(opts, `${r.ran.join(', ')} done; next: mailshift run`);
    });
  });
}
