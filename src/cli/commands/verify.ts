import type { Command } from 'commander';
import { IncompleteError } from '../../errors.js';
import { formatVerifySummary } from '../../verify/summary.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const runVerify = lazy(() => import('../../phases/verify.js'), 'runVerify');

// `mailshift verify`: compares source and destination per folder and per message, read-only.
// Exit 0 only when nothing is missing, duplicated or altered; 3 otherwise (the differences are
// printed, stored, and shown by `mailshift report`).
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('compare source and destination per folder and per message (read-only); exit 0 only when nothing is missing or duplicated')
    .option('--deep', 'also compare every message\'s full bytes (SHA-256), flags, keywords and INTERNALDATE')
    .option('--accounts <list>', 'only these source users (comma-separated)')
    .action(async (o: { deep?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const result = await withJob(opts, { command: `verify${o.deep ? ' --deep' : ''}` }, (ctx) => runVerify(ctx, { deep: !!o.deep }));
      if (opts.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      else for (const line of formatVerifySummary(result)) say(opts, line);
      if (!result.clean) {
        const t = result.totals;
        throw new IncompleteError(
          result.outcome === 'interrupted'
            ? 'verify was interrupted; run it again'
            : `verify found ${t.missing} missing, ${t.duplicated} duplicated, ${t.altered} altered message(s)${t.errors ? ` and ${t.errors} folder(s) it could not compare` : ''}`,
        );
      }
    });
}
