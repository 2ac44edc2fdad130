import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { Store } from '../../store/store.js';
import { SyncStore } from '../../store/sync-store.js';
import { collectGroupware } from '../../groupware/report.js';
import type { GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const dualRunReport = lazy(() => import('../../dualrun/health-report.js'), 'dualRunHealthReport');

// `mailshift status`: where the job stands, read from the store only (no server is contacted,
// the job lock is not needed, so it works while a sync is running).
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('where the job stands: phases, accounts, folders, failures (reads the store only)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const config = loadConfig(opts.config);
      const store = Store.open(config.storePath);
      try {
        const sync = new SyncStore(store);
        const accounts = store.accounts().map((a) => {
          const folders = sync.folderPairs(a.id).map((fp) => {
            const c = sync.folderCounts(fp.id);
            return {
              direction: fp.direction,
              source: fp.sourceLogical ?? fp.sourcePath,
              destination: fp.destinationLogical ?? fp.destinationPath,
              state: fp.state,
              found: c.found,
              copied: c.copied,
              adopted: c.adopted,
              pending: c.pending,
              skipped: c.skipped,
              failed: c.failed,
              copiedWithReason: c.copiedWithReason,
              reasons: c.reasons,
              droppedFlags: sync.droppedFlags(fp.id).length,
              notes: fp.notes,
            };
          });
          const sum = (k: 'found' | 'copied' | 'adopted' | 'pending' | 'skipped' | 'failed') =>
            folders.filter((f) => f.state === 'active' && f.direction === 'forward').reduce((n, f) => n + f[k], 0);
          return {
            sourceUser: a.sourceUser,
            destinationUser: a.destinationUser,
            state: a.state,
            lastError: a.lastError,
            updatedAt: a.updatedAt,
            found: sum('found'),
            copied: sum('copied'),
            adopted: sum('adopted'),
            pending: sum('pending'),
            skipped: sum('skipped'),
            failed: sum('failed'),
            folders,
          };
        });
        // A dual-run that died is alerted on here too (once per run; see mailshift health).
        const dualRun = await dualRunReport(config, store, { alertOn: ['stalled'] });
        const status = {
          job: config.job,
          store: config.storePath,
          lock: store.lockHolder() ?? null,
          phases: store.phaseRuns().map((r) => ({ phase: r.phase, startedAt: r.startedAt, finishedAt: r.finishedAt, outcome: r.outcome, summary: r.summary })),
          accounts,
          groupware: collectGroupware(store),
          dualRun,
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(status, null, 2) + '\n');
          return;
        }
        const lines = [`job ${status.job} (store ${status.store})`];
        if (status.lock) lines.push(`running now: ${status.lock.command} (pid ${status.lock.pid} on ${status.lock.host})`);
        if (store.phaseRuns('dual-run').length) lines.push(`dual-run: ${dualRun.health.state} - ${dualRun.health.reason}`);
        for (const p of status.phases.slice(-10)) lines.push(`  ${p.phase.padEnd(9)} ${p.outcome.padEnd(11)} ${p.startedAt}`);
        for (const a of status.accounts) {
          lines.push(
            `  ${a.sourceUser} -> ${a.destinationUser}: ${a.state}${a.lastError ? ` (${a.lastError})` : ''}` +
              (a.folders.length ? ` - found ${a.found}, copied ${a.copied}${a.adopted ? ` (${a.adopted} already in the destination, adopted)` : ''}, to copy ${a.pending}, skipped ${a.skipped}, failed ${a.failed}` : ''),
          );
          for (const f of a.folders) {
            if (f.state === 'excluded') {
              lines.push(`      ${f.source}: not copied${f.notes.length ? ` (${f.notes.at(-1)})` : ''}`);
              continue;
            }
            const dir = f.direction === 'reverse' ? ' [reverse]' : '';
            lines.push(`      ${f.source} -> ${f.destination}${dir}: found ${f.found}, copied ${f.copied}${f.adopted ? ` (${f.adopted} adopted)` : ''}, to copy ${f.pending}, skipped ${f.skipped}, failed ${f.failed}${f.state === 'gone' ? ' (folder no longer on the source)' : ''}`);
            for (const r of f.reasons) lines.push(`          ${r.count} ${r.state}: ${r.reason}`);
            if (f.droppedFlags) lines.push(`          ${f.droppedFlags} message(s) lost flags the destination does not accept`);
          }
        }
        for (const g of status.groupware ?? []) {
          lines.push(`  ${g.account} ${g.kind === 'addressbook' ? 'contacts' : 'calendar'} "${g.collection}": copied ${g.copied}, destination edits kept ${g.kept}, failed ${g.failed}, in flight ${g.inFlight}`);
          for (const p of g.problems.slice(0, 20)) lines.push(`          ${p}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        store.close();
      }
    });
}
