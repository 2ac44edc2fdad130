import type { Command } from 'commander';
import { IncompleteError } from '../../errors.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const runGroupwareSync = lazy(() => import('../../phases/groupware.js'), 'runGroupwareSync');
const runGroupwareVerify = lazy(() => import('../../phases/groupware.js'), 'runGroupwareVerify');
const runGroupwareInventory = lazy(() => import('../../phases/groupware.js'), 'runGroupwareInventory');

// `mailshift groupware sync|verify`: contacts and calendars (CardDAV/CalDAV or export files).
// sync: exit 0 complete, 3 incomplete (an account refused or an object refused, with reasons),
// 130 interrupted. verify: exit 0 only when every object is on the destination once, unaltered.
export function registerGroupware(program: Command): void {
  const gw = program.command('groupware').description('contacts and calendars: copy (CardDAV/CalDAV or import-ready files) and verify');
  gw.command('sync')
    .description('copy every address book and calendar exactly once; safe to interrupt and run again')
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .option('--dry-run', 'list address books, contacts, groups, calendars, events and tasks with sizes and what will not arrive; write nothing')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { dryRun?: boolean }>();
      if (opts.dryRun) {
        await withJob(opts, { command: 'groupware sync --dry-run', readOnly: true }, async (ctx) => {
          const r = await runGroupwareInventory(ctx);
          if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
          for (const l of r.lines) say(opts, l);
          for (const e of r.errors) say(opts, `  ${e}`);
          say(opts, 'dry run: nothing was written');
          if (r.errors.length) throw new IncompleteError(`groupware inventory: ${r.errors.length} account(s) could not be listed`);
        });
        return;
      }
      await withJob(opts, { command: 'groupware sync' }, async (ctx) => {
        const r = await runGroupwareSync(ctx);
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        const t = r.totals;
        say(opts, `groupware: ${t.created} object(s) copied, ${t.updated} updated, ${t.adopted} found already there, ${t.kept} destination edit(s) kept, ${t.failed} failed; ${t.collections} collection(s), ${t.collectionsUnchanged} unchanged; ${r.requests.puts} PUT(s) in ${r.seconds.toFixed(1)} s`);
        for (const a of r.accounts) if (a.state !== 'complete' || r.accounts.length <= 20) say(opts, `  ${a.user}: ${a.state}${a.error ? ` - ${a.error}` : ''}`);
        if (!r.complete && !ctx.signal.aborted) {
          throw new IncompleteError(`groupware sync incomplete: ${r.accounts.filter((a) => a.state !== 'complete').length} account(s) not complete; run "mailshift groupware verify" for details; run sync again to continue`);
        }
      });
    });
  gw.command('verify')
    .description('compare contacts and calendars per collection by UID and content (read-only)')
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      await withJob(opts, { command: 'groupware verify' }, async (ctx) => {
        const r = await runGroupwareVerify(ctx);
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        for (const c of r.collections) {
          const bad = c.missing || c.duplicated || c.altered || c.error;
          say(opts, `${c.user} ${c.kind} "${c.collection}": ${c.sourceObjects} on source, ${c.destinationObjects} on destination${bad ? `; ${c.missing} missing, ${c.duplicated} duplicated, ${c.altered} altered${c.error ? `; ${c.error}` : ''}` : ', all there'}${c.kept ? ` (${c.kept} changed on the destination, kept)` : ''}`);
        }
        for (const e of r.errors) say(opts, `  ${e}`);
        if (!r.clean) {
          const sum = (k: 'missing' | 'duplicated' | 'altered') => r.collections.reduce((n, c) => n + c[k], 0);
          throw new IncompleteError(`groupware verify found ${sum('missing')} missing, ${sum('duplicated')} duplicated, ${sum('altered')} altered object(s)${r.errors.length ? ` and ${r.errors.length} account(s) it could not compare` : ''}`);
        }
        say(opts, 'groupware verify: every object is on the destination once');
      });
    });
}
