import { hostname } from 'node:os';
import type { Heartbeat } from '../store/dualrun-health-store.js';

// Whether the dual-run is doing its job, from its heartbeat alone (pure: status, health and the
// loop itself all ask the same question the same way).

export type HealthState = 'healthy' | 'lagging' | 'stalled' | 'stopped';

export interface Health {
  state: HealthState;
  reason: string;
  /** Seconds since the last heartbeat (undefined: never ran). */
  beatAgeSeconds?: number;
  lastPassAt?: string | null;
  nextPassAt?: string | null;
  lagSeconds?: number | null;
}

/** How often the running loop writes its heartbeat, for an interval. */
export const beatEveryMs = (intervalS: number) => Math.max(1000, Math.min(30_000, (intervalS * 1000) / 3));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ago = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export function evaluateHealth(h: Heartbeat | undefined, opts: { now?: number; lagAlertSeconds: number; processAlive?: (pid: number) => boolean }): Health {
  if (!h) return { state: 'stopped', reason: 'dual-run has not been started (run `mailshift dual-run`)' };
  const now = opts.now ?? Date.now();
  const age = Math.max(0, (now - Date.parse(h.beatAt)) / 1000);
  const base = { beatAgeSeconds: age, lastPassAt: h.lastPassAt, nextPassAt: h.nextPassAt, lagSeconds: h.lagSeconds };
  if (h.state === 'stopped') return { ...base, state: 'stopped', reason: `dual-run was stopped ${ago(age)} ago (run \`mailshift dual-run\` to continue)` };
  // On this machine a dead process is known at once; elsewhere, by a heartbeat that stopped.
  const isAlive = opts.processAlive ?? alive;
  if (h.host === hostname() && !isAlive(h.pid)) {
    return { ...base, state: 'stalled', reason: `the dual-run process (pid ${h.pid}) is gone; last heartbeat ${ago(age)} ago, without a clean stop` };
  }
  const grace = Math.max(15, (3 * beatEveryMs(h.intervalS)) / 1000);
  if (age > grace) return { ...base, state: 'stalled', reason: `no heartbeat for ${ago(age)} (pid ${h.pid} on ${h.host})` };
  if (h.lastPassOk === false) return { ...base, state: 'lagging', reason: `the last pass was incomplete: ${h.lastError ?? 'see mailshift status'}` };
  if (h.nextPassAt && now - Date.parse(h.nextPassAt) > h.intervalS * 1000) {
    return { ...base, state: 'lagging', reason: `a pass has been running for ${ago((now - Date.parse(h.nextPassAt)) / 1000 + h.intervalS)} (more than two intervals)` };
  }
  if (h.lagSeconds !== null && h.lagSeconds > opts.lagAlertSeconds) {
    return { ...base, state: 'lagging', reason: `end-to-end lag ${ago(h.lagSeconds)} is over the ${ago(opts.lagAlertSeconds)} threshold` };
  }
  return { ...base, state: 'healthy', reason: h.lastPassAt ? `last pass ${ago((now - Date.parse(h.lastPassAt)) / 1000)} ago, next in ${ago(Math.max(0, (Date.parse(h.nextPassAt ?? h.lastPassAt) - now) / 1000))}` : 'first pass running' };
}
