import type { JobConfig } from '../config/types.js';
import type { AlertRow, CanaryRow } from '../store/dualrun-health-store.js';
import type { StoredPass } from '../store/dualrun-store.js';
import type { AsyncJobStore } from '../store/contract/async.js';
import { sendAlert, type SentAlert } from './alerts.js';
import { evaluateHealth, type Health } from './health.js';

export interface DualRunHealthReport {
  health: Health;
  lastPass: StoredPass | null;
  actions: { moved: number; trashed: number; expunged: number; declined: number };
  canaries: CanaryRow[];
  alerts: AlertRow[];
  /** Set when an alert was asked for and the state was not healthy. */
  alert?: SentAlert;
}

/**
 * The dual-run part of `status` and `mailshift health`, from the store. With `alertOn`, a state
 * in that list sends an alert (once per state and dual-run invocation, again after 6 h).
 */
export async function dualRunHealthReport(config: JobConfig, store: AsyncJobStore, opts: { alertOn?: Health['state'][] } = {}): Promise<DualRunHealthReport> {
  const hs = store.dualRunHealth;
  const hb = await hs.heartbeat();
  const health = evaluateHealth(hb, { lagAlertSeconds: config.dualRun.lagAlertSeconds });
  const out: DualRunHealthReport = {
    health,
    lastPass: (await store.dualRun.passes()).at(-1) ?? null,
    actions: await store.dualRunActions.counts(),
    canaries: await hs.canaries(20),
    alerts: await hs.alerts(10),
  };
  if (opts.alertOn?.includes(health.state)) {
    out.alert = await sendAlert(config, store, {
      key: `${health.state}:${hb?.runId ?? 0}`,
      level: health.state === 'lagging' ? 'warning' : 'critical',
      title: `dual-run ${health.state}`,
      message: health.reason,
    });
  }
  return out;
}

export function healthLine(h: Health): string {
  return `dual-run: ${h.state} - ${h.reason}`;
}
