import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { FatalError, IncompleteError } from '../../errors.js';
import { openJobStore } from '../../store/open.js';
import type { GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const report = lazy(() => import('../../dualrun/health-report.js'), 'dualRunHealthReport');

interface HealthFlags extends GlobalOptions {
  alert?: boolean;
}

// `mailshift health [--alert] [--json]`: is the dual-run doing its job? For cron: reads the store
// (no lock, no server), exit 0 healthy, 3 lagging, 1 stalled or stopped; with --alert a state
// other than healthy is sent to the channels of dualRun.alerts (once per state and run, again after 6 h).
export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('dual-run health from its heartbeat: healthy / lagging / stalled / stopped; exit 0 only when healthy (for cron)')
    .option('--alert', 'send an alert to the dualRun.alerts channels when not healthy')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<HealthFlags>();
      const config = loadConfig(opts.config);
      const store = await openJobStore(config);
      let state: string;
      try {
        const r = await report(config, store, opts.alert ? { alertOn: ['lagging', 'stalled', 'stopped'] } : {});
        state = r.health.state;
        if (opts.json) process.stdout.write(JSON.stringify({ job: config.job, ...r }, null, 2) + '\n');
        else {
          const lines = [`dual-run: ${r.health.state} - ${r.health.reason}`];
          if (r.alert?.sent) lines.push(`alert sent: ${Object.entries(r.alert.results).map(([k, v]) => `${k} ${v}`).join(', ') || 'no channels configured (dualRun.alerts)'}`);
          else if (r.alert) lines.push('alert already sent for this state');
          process.stdout.write(lines.join('\n') + '\n');
        }
      } finally {
        await store.close();
      }
      if (state === 'lagging') throw new IncompleteError('health: lagging');
      if (state !== 'healthy') throw new FatalError(`health: ${state}`);
    });
}
