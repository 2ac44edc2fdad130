import type { ThrottleReads } from './contract/reads.js';
import type { Store } from './store.js';

// What the job sent recently (append_batches, owned by the copy's aggregate), so that a new process honours the
// throttle window an interrupted or killed one had already used.

/** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages. */
export function recentAppends(store: Store, direction: 'forward' | 'reverse', sinceIso: string): { at: number; n: number }[] {
  return store.sync.recentAppends(direction, sinceIso);
}

/** The throttle's read of a SQLite store, as the contract's aggregate. */
export class SqliteThrottleReads implements ThrottleReads {
  constructor(private readonly store: Store) {}
  recentAppends(direction: 'forward' | 'reverse', sinceIso: string): { at: number; n: number }[] {
    return recentAppends(this.store, direction, sinceIso);
  }
}
