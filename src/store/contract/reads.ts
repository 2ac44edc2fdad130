import type { KitStoreView } from '../kit-store.js';
import type { StoredEvent } from '../store.js';

// Read-only views other parts of mailshift take across aggregates: the throttle's pacing, the
// training kit's folders and dates, the dashboard's event feed. They write nothing.

export type { KitStoreView };

export interface ThrottleReads {
  /** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages. */
  recentAppends(direction: 'forward' | 'reverse', sinceIso: string): { at: number; n: number }[];
}

export interface KitReads {
  /** Which folders each person's mail went to (forward, active pairs) and the cutover dates. */
  kitView(): KitStoreView;
}

export interface DashboardReads {
  /** The newest events, newest first. */
  latestEvents(limit: number): StoredEvent[];
  /** Events of one phase (e.g. dual-run health, canaries), newest first. */
  latestPhaseEvents(phase: string, limit: number): StoredEvent[];
}
