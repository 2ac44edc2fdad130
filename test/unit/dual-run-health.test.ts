import { describe, expect, it } from 'vitest';
import { evaluateHealth } from '../../src/dualrun/health.js';
import type { Heartbeat } from '../../src/store/dualrun-health-store.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const at = (s: number) => new Date(NOW - s * 1000).toISOString();
const hb = (over: Partial<Heartbeat> = {}): Heartbeat => ({
  pid: 1234,
  host: 'other-host',
  runId: 7,
  intervalS: 300,
  startedAt: at(3600),
  beatAt: at(5),
  state: 'running',
  nextPassAt: at(-200),
  lastPassAt: at(100),
  lastPassOk: true,
  lastError: null,
  lagSeconds: 40,
  ...over,
});
const ev = (h: Heartbeat | undefined) => evaluateHealth(h, { now: NOW, lagAlertSeconds: 1800, processAlive: () => true });

describe('dual-run health from the heartbeat', () => {
  it('healthy, with when the next pass is due', () => {
    expect(ev(hb())).toMatchObject({ state: 'healthy', reason: 'last pass 2 min ago, next in 3 min' });
  });
  it('stopped: never started, or ended cleanly', () => {
    expect(ev(undefined).state).toBe('stopped');
    expect(ev(hb({ state: 'stopped', beatAt: at(600) }))).toMatchObject({ state: 'stopped', reason: 'dual-run was stopped 10 min ago (run `mailshift dual-run` to continue)' });
  });
  it('stalled: a heartbeat older than three beats (another host), well within one interval', () => {
    expect(ev(hb({ beatAt: at(95) }))).toMatchObject({ state: 'stalled', reason: 'no heartbeat for 2 min (pid 1234 on other-host)' });
    expect(ev(hb({ beatAt: at(80) })).state).toBe('healthy');
  });
  it('lagging: an incomplete pass, a pass overdue by an interval, or a lag over the threshold', () => {
    expect(ev(hb({ lastPassOk: false, lastError: 'bob: LOGIN failed' }))).toMatchObject({ state: 'lagging', reason: 'the last pass was incomplete: bob: LOGIN failed' });
    expect(ev(hb({ nextPassAt: at(400) })).state).toBe('lagging');
    expect(ev(hb({ lagSeconds: 2000 }))).toMatchObject({ state: 'lagging', reason: 'end-to-end lag 33 min is over the 30 min threshold' });
  });
});
