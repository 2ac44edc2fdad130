import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { LANGS, parseLangs } from '../../kit/catalogue/index.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const runAdoption = lazy(() => import('../../phases/adoption.js'), 'runAdoption');

// `mailshift adoption`: after the switch, who reads and sends on the new system (read-only
// IMAP on the destination); reminder e-mails for the others. Takes no lock.
export function registerAdoption(program: Command): void {
  program
    .command('adoption')
    .description('after the switch: who reads and sends mail on the new system (read-only), and reminder e-mails for the others')
    .option('--since <when>', 'switch time (default: the confirmed or planned cutover time in the store)')
    .option('--out <dir>', 'output folder (default: "adoption" beside the config file)')
    .option('--lang <list>', `languages of the reminders (${LANGS.join(', ')}; default: kit.languages, else all)`)
    .action(async (o: { since?: string; out?: string; lang?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const since = o.since !== undefined ? new Date(o.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new InputError(`--since: "${o.since}" is not a date and time (e.g. 2026-12-05T18:00+08:00)`);
      const langs = o.lang !== undefined ? parseLangs(o.lang) : undefined;
      const r = await withJob(opts, { command: 'adoption', readOnly: true }, (ctx) => runAdoption(ctx, { since, outDir: o.out, langs }));
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      say(opts, `adoption since ${r.since}: ${r.active} of ${r.people.length} people active (${Math.round(r.share * 100)}%)`);
      for (const p of r.people) say(opts, `  ${p.account}: ${p.newRead}/${p.newMessages} new read, ${p.sent} sent${p.error ? ` — not checked: ${p.error}` : p.active ? '' : ' — reminder written'}`);
    });
}
