import type { JobConfig } from '../config/types.js';
import { dualRunHealthReport, healthLine } from '../dualrun/health-report.js';
import type { Health } from '../dualrun/health.js';
import type { AsyncJobStore } from '../store/contract/async.js';

// The dual-run's heartbeat, checked by each round of `cutover watch`: the watch is often the only
// mailshift process an IT person looks at during the MX switch, so a dual-run that died on the
// side is reported there and alerted (once per state and dual-run invocation, as `status` does).

export interface WatchHealth {
  health: Health;
  /** The line to show, when the state is worth showing (stalled or lagging). */
  line?: string;
  /** The alert's line, when one was due: the channels' results, or that it was already sent. */
  alerted?: string;
}

/**
 * The dual-run's state for one watch round. A dual-run never started or stopped cleanly is
 * nobody's problem here (the watch runs the deltas itself); a stalled one alerts.
 */
export async function checkDualRunHeartbeat(config: JobConfig, store: AsyncJobStore): Promise<WatchHealth> {
  const r = await dualRunHealthReport(config, store, { alertOn: ['stalled'] });
  const out: WatchHealth = { health: r.health };
  if (r.health.state === 'stalled' || r.health.state === 'lagging') out.line = healthLine(r.health);
  if (r.alert?.sent) out.alerted = `alert sent: ${Object.entries(r.alert.results).map(([k, v]) => `${k} ${v}`).join(', ') || 'no channels configured (dualRun.alerts)'}`;
  return out;
}
