import { resolve } from 'node:path';
import type { Command } from 'commander';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';
import { outDir } from '../out-dir.js';
import { LANGS, parseLangs } from '../../kit/catalogue/index.js';

const runReport = lazy(() => import('../../phases/report.js'), 'runReport');

// `mailshift report`: the migration report (HTML + Markdown + JSON) from the store alone; it
// contacts no server and takes no lock, so it can run while a sync is running.
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('write the migration report (report.html, report.md, report.json) from the job store')
    .option('--out <dir>', 'output folder (default: "report" beside the config file)', outDir)
    .option('--lang <lang>', `language of the report (${LANGS.join(', ')}; default: kit.languages[0], else LANG)`)
    .action(async (o: { out?: string; lang?: string }, cmd: Command) => {
      const lang = o.lang !== undefined ? parseLangs(o.lang)[0] : undefined;
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const { data, files } = await withJob(opts, { command: 'report', readOnly: true, needsAccounts: false }, (ctx) =>
        runReport(ctx, { outDir: o.out ? resolve(o.out) : undefined, lang }),
      );
      if (opts.json) {
        process.stdout.write(JSON.stringify({ files, report: data }, null, 2) + '\n');
        return;
      }
      const t = data.totals;
      say(opts, `report written: ${files.html}`);
      say(opts, `  also ${files.markdown} and ${files.json}`);
      say(opts, `  ${t.accounts} account(s), ${t.total} messages: ${t.copied} copied, ${t.skipped} skipped, ${t.failed} failed, ${t.pending} pending; verification: ${data.verification?.outcome ?? 'not run'}`);
    });
}
