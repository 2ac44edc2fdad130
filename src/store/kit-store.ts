import { sqliteOf } from './sqlite-handle.js';
import type { KitReads } from './contract/reads.js';
import { existsSync } from 'node:fs';
import { CutoverStore } from './cutover-store.js';
import { Store } from './store.js';

// Read-only view of the store for the training kit: which folders each person's mail went to
// and how many messages, and the switch dates of the cutover plan (planned, confirmed,
// finalized). The kit never writes to the store.

export interface KitFolder {
  sourcePath: string;
  destinationPath: string;
  specialUse: string | null;
  /** Messages copied (or found already there) into the destination folder. */
  copied: number;
  /** Messages skipped or failed: the person should know they are not there. */
  notCopied: number;
}

export interface KitCutoverDates {
  plannedAt: string | null;
  confirmedAt: string | null;
  finalizedAt: string | null;
}

export interface KitStoreView {
  /** True when a sync has run (a sync phase run or any message row). */
  synced: boolean;
  /** Destination user (lower-cased) → folders, in source path order. */
  folders: Map<string, KitFolder[]>;
  cutover: KitCutoverDates;
}

const NO_DATES: KitCutoverDates = { plannedAt: null, confirmedAt: null, finalizedAt: null };

/** Reads the view from an open store (e.g. `ctx.store`). */
export function readKitView(store: Store): KitStoreView {
  const db = sqliteOf(store);
  const syncRuns = db.prepare(`SELECT COUNT(*) AS n FROM phase_runs WHERE phase = 'sync'`).get() as { n: number };
  // Logical paths read better than wire paths ("客戶/2024" rather than "INBOX.客戶.2024");
  // rollback rows are not the person's folders.
  const rows = db
    .prepare(
      `SELECT a.destination_user AS user, COALESCE(f.source_logical, f.source_path) AS sourcePath,
              COALESCE(f.destination_logical, f.destination_path) AS destinationPath,
              f.special_use AS specialUse,
              COALESCE(SUM(CASE WHEN m.state = 'copied' THEN 1 ELSE 0 END), 0) AS copied,
              COALESCE(SUM(CASE WHEN m.state IN ('skipped', 'failed') THEN 1 ELSE 0 END), 0) AS notCopied,
              COUNT(m.id) AS total
         FROM folder_pairs f
         JOIN accounts a ON a.id = f.account_id
         LEFT JOIN messages m ON m.folder_pair_id = f.id
        WHERE f.state = 'active' AND f.direction = 'forward'
        GROUP BY f.id
        ORDER BY a.destination_user, sourcePath`,
    )
    .all() as (KitFolder & { user: string; total: number })[];
  const folders = new Map<string, KitFolder[]>();
  let anyMessage = false;
  for (const r of rows) {
    if (r.total > 0) anyMessage = true;
    const key = r.user.toLowerCase();
    const list = folders.get(key) ?? [];
    list.push({ sourcePath: r.sourcePath, destinationPath: r.destinationPath, specialUse: r.specialUse, copied: r.copied, notCopied: r.notCopied });
    folders.set(key, list);
  }
  const st = new CutoverStore(store).state();
  return { synced: syncRuns.n > 0 || anyMessage, folders, cutover: { plannedAt: st.plannedAt, confirmedAt: st.confirmedAt, finalizedAt: st.finalizedAt } };
}

/** Opens the store file read-only if it exists; no file means no sync and no plan yet. */
export function readKitViewFromFile(storePath: string): KitStoreView {
  if (!existsSync(storePath)) return { synced: false, folders: new Map(), cutover: NO_DATES };
  const store = Store.open(storePath, { readonly: true });
  try {
    return readKitView(store);
  } finally {
    store.close();
  }
}

/** The kit's read of a SQLite store, as the contract's aggregate. */
export class SqliteKitReads implements KitReads {
  constructor(private readonly store: Store) {}
  kitView(): KitStoreView {
    return readKitView(this.store);
  }
}
