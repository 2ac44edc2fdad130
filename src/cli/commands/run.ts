import type { Command } from 'commander';
import { IncompleteError, InputError } from '../../errors.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { syncAndReport } from './sync.js';
import { lazy } from '../lazy.js';

const runAssess = lazy(() => import('../../phases/assess.js'), 'runAssess');
const runVerify = lazy(() => import('../../phases/verify.js'), 'runVerify');
const runGroupwareSync = lazy(() => import('../../phases/groupware.js'), 'runGroupwareSync');

// `mailshift run`: the whole job up to the first operator gate, resumable. It assesses once (a
// no-go verdict stops it), syncs (continuing from the checkpoint), verifies, and then says what
// the operator does next: dual-run until the MX switch, the cutover checklist, the staff kit.
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('assess (once), sync, verify, then stop at the operator gate before dual-run and cutover; run again to continue')
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .option('--accept-risks', 'carry on even when the assessment verdict is no-go')
    .action(async (o: { acceptRisks?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await withJob(opts, { command: 'run' }, async (ctx) => {
        const assessed = ctx.store.lastPhaseRun('assess');
        if (!assessed || assessed.outcome === 'failed' || assessed.outcome === 'interrupted') {
          say(opts, 'step 1/3: assess (read-only)');
          const { assessment, files } = await runAssess(ctx);
          say(opts, `  verdict: ${assessment.verdict}; report ${files.html}`);
          if (ctx.signal.aborted) return;
          if (assessment.verdict === 'no-go' && !o.acceptRisks) {
            throw new IncompleteError(`the assessment found blocking risks (see ${files.html}); fix them and run again, or pass --accept-risks`);
          }
        } else {
          const verdict = (assessed.summary as { verdict?: string } | null)?.verdict;
          say(opts, `step 1/3: assess: done ${assessed.finishedAt ?? assessed.startedAt}${verdict ? ` (verdict ${verdict})` : ''}`);
          if (verdict === 'no-go' && !o.acceptRisks) {
            throw new IncompleteError('the last assessment verdict was no-go; run "mailshift assess" again once fixed, or pass --accept-risks');
          }
        }
        say(opts, 'step 2/3: sync');
        await syncAndReport(ctx, opts, false);
        if (ctx.signal.aborted) return;
        // Contacts and calendars, when the config has a groupware: section.
        const gw = ctx.config.groupware ? await runGroupwareSync(ctx) : undefined;
        if (gw) say(opts, `  contacts and calendars: ${gw.totals.created + gw.totals.updated} object(s) copied, ${gw.totals.failed} failed${gw.complete ? '' : ' (incomplete: run "mailshift groupware verify")'}`);
        if (ctx.signal.aborted) return;
        say(opts, 'step 3/3: verify');
        const verified = await runVerify(ctx);
        if (!verified.clean) {
          const t = verified.totals;
          throw new IncompleteError(`verify found ${t.missing} missing and ${t.duplicated} duplicated message(s); run "mailshift verify" for the list, then "mailshift run" again`);
        }
        if (gw && !gw.complete) throw new IncompleteError('contacts and calendars are incomplete; run "mailshift groupware sync" again, "mailshift groupware verify" for the reasons');
        // The kit follows the job: regenerated at the gate with the folder lists (and any planned
        // switch date) now in the store. A kit setting still missing only skips it, with the reason.
        try {
          const { generateKit, defaultKitDir } = await import('../../phases/kit.js');
          const kit = await generateKit({ config: ctx.config, accounts: ctx.accounts, store: ctx.store }, defaultKitDir(ctx.config));
          say(opts, `staff kit updated: ${kit.outDir}`);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          say(opts, `staff kit not written: ${err.message}`);
        }
        say(opts, 'everything is copied and verified. Operator gate - next:');
        say(opts, '  1. mailshift dual-run        keep the destination current until the MX switch (every few minutes)');
        say(opts, '  2. mailshift cutover plan --at <time>, then cutover check until it passes');
        say(opts, '  3. mailshift kit             the staff guide, settings sheets and announcement e-mails');
      });
    });
}
