import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { Store } from '../../store/store.js';
import type { GlobalOptions } from '../job.js';

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
        const status = {
          job: config.job,
          store: config.storePath,
          lock: store.lockHolder() ?? null,
          phases: store.phaseRuns().map((r) => ({ phase: r.phase, startedAt: r.startedAt, finishedAt: r.finishedAt, outcome: r.outcome })),
          accounts: store.accounts(),
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(status, null, 2) + '\n');
          return;
        }
        const lines = [`job ${status.job} (store ${status.store})`];
        if (status.lock) lines.push(`running now: ${status.lock.command} (pid ${status.lock.pid} on ${status.lock.host})`);
        for (const p of status.phases.slice(-10)) lines.push(`  ${p.phase.padEnd(9)} ${p.outcome.padEnd(11)} ${p.startedAt}`);
        for (const a of status.accounts) lines.push(`  ${a.sourceUser} -> ${a.destinationUser}: ${a.state}${a.lastError ? ` (${a.lastError})` : ''}`);
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        store.close();
      }
    });
}
