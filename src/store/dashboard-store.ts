import { sqliteOf } from './sqlite-handle.js';
import type { DashboardReads } from './contract/reads.js';
import type { StoredEvent, Store } from './store.js';

// Read-only queries for the live dashboard (mailshift serve) that the other store modules do not
// already offer: the newest events first, bounded, so a poll never reads the whole trail.

export function latestEvents(store: Store, limit: number): StoredEvent[] {
  const rows = sqliteOf(store)
    .prepare(`SELECT id, at, phase, account_id AS accountId, level, kind, message, data FROM events ORDER BY id DESC LIMIT ?`)
    .all(limit) as (Omit<StoredEvent, 'data'> & { data: string | null })[];
  return rows.map((r) => ({ ...r, data: r.data === null ? null : safeJson(r.data) }));
}

/** Events of one phase (e.g. dual-run health, canaries), newest first. */
export function latestPhaseEvents(store: Store, phase: string, limit: number): StoredEvent[] {
  const rows = sqliteOf(store)
    .prepare(`SELECT id, at, phase, account_id AS accountId, level, kind, message, data FROM events WHERE phase = ? OR kind LIKE ? ORDER BY id DESC LIMIT ?`)
    .all(phase, `${phase.replace('-', '')}.%`, limit) as (Omit<StoredEvent, 'data'> & { data: string | null })[];
  return rows.map((r) => ({ ...r, data: r.data === null ? null : safeJson(r.data) }));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** The dashboard's reads of a SQLite store, as the contract's aggregate. */
export class SqliteDashboardReads implements DashboardReads {
  constructor(private readonly store: Store) {}
  latestEvents(limit: number): StoredEvent[] {
    return latestEvents(this.store, limit);
  }
  latestPhaseEvents(phase: string, limit: number): StoredEvent[] {
    return latestPhaseEvents(this.store, phase, limit);
  }
}
