import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

// Read-only view of the sync tables for the training kit: which folders each person's mail went
// to and how many messages. The kit never writes to the store.

export interface KitFolder {
  sourcePath: string;
  destinationPath: string;
  specialUse: string | null;
  /** Messages copied (or found already there) into the destination folder. */
  copied: number;
  /** Messages skipped or failed: the person should know they are not there. */
  notCopied: number;
}

export interface KitStoreView {
  /** True when a sync has run (a sync phase run or any message row). */
  synced: boolean;
  /** Destination user (lower-cased) → folders, in source path order. */
  folders: Map<string, KitFolder[]>;
}

/** Reads the view from an open database (e.g. `ctx.store.db`). */
export function readKitView(db: Database.Database): KitStoreView {
  const syncRuns = db.prepare(`SELECT COUNT(*) AS n FROM phase_runs WHERE phase = 'sync'`).get() as { n: number };
  // Columns added by the sync migration (0004) when present: logical paths read better than
  // wire paths ("客戶/2024" rather than "INBOX.客戶.2024"), and rollback rows are not the person's folders.
  const cols = new Set((db.prepare(`PRAGMA table_info(folder_pairs)`).all() as { name: string }[]).map((c) => c.name));
  const src = cols.has('source_logical') ? 'COALESCE(f.source_logical, f.source_path)' : 'f.source_path';
  const dst = cols.has('destination_logical') ? 'COALESCE(f.destination_logical, f.destination_path)' : 'f.destination_path';
  const forward = cols.has('direction') ? `AND f.direction = 'forward'` : '';
  const rows = db
    .prepare(
      `SELECT a.destination_user AS user, ${src} AS sourcePath, ${dst} AS destinationPath,
              f.special_use AS specialUse,
              COALESCE(SUM(CASE WHEN m.state = 'copied' THEN 1 ELSE 0 END), 0) AS copied,
              COALESCE(SUM(CASE WHEN m.state IN ('skipped', 'failed') THEN 1 ELSE 0 END), 0) AS notCopied,
              COUNT(m.id) AS total
         FROM folder_pairs f
         JOIN accounts a ON a.id = f.account_id
         LEFT JOIN messages m ON m.folder_pair_id = f.id
        WHERE f.state = 'active' ${forward}
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
  return { synced: syncRuns.n > 0 || anyMessage, folders };
}

/** Opens the store file read-only if it exists; no file means no sync has run. */
export function readKitViewFromFile(storePath: string): KitStoreView {
  if (!existsSync(storePath)) return { synced: false, folders: new Map() };
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const hasTables = db.prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('folder_pairs', 'messages', 'phase_runs', 'accounts')`).get() as { n: number };
    if (hasTables.n < 4) return { synced: false, folders: new Map() };
    return readKitView(db);
  } finally {
    db.close();
  }
}
