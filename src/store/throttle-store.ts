import { sqliteOf } from './sqlite-handle.js';
import type { ThrottleReads } from './contract/reads.js';
import type { Store } from './store.js';

// What the job sent recently (append_batches of 0001/0004), so that a new process honours the
// throttle window an interrupted or killed one had already used.

/** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages. */
export function recentAppends(store: Store, direction: 'forward' | 'reverse', sinceIso: string): { at: number; n: number }[] {
  const rows = sqliteOf(store)
    .prepare(
      `SELECT COALESCE(b.finished_at, b.created_at) AS at, b.messages AS n FROM append_batches b
       JOIN folder_pairs f ON f.id = b.folder_pair_id
       WHERE f.direction = ? AND b.state IN ('done', 'sent') AND COALESCE(b.finished_at, b.created_at) >= ?`,
    )
    .all(direction, sinceIso) as { at: string; n: number }[];
  return rows.map((r) => ({ at: Date.parse(r.at), n: r.n }));
}

/** The throttle's read of a SQLite store, as the contract's aggregate. */
export class SqliteThrottleReads implements ThrottleReads {
  constructor(private readonly store: Store) {}
  recentAppends(direction: 'forward' | 'reverse', sinceIso: string): { at: number; n: number }[] {
    return recentAppends(this.store, direction, sinceIso);
  }
}
