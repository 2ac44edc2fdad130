import type { JobStore } from './contract/job.js';
import type { KitReads } from './contract/reads.js';
import { existsSync } from 'node:fs';
import { isPostgresUrl, notYetOnPostgres } from './postgres/target.js';
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

/** Reads the view from an open store (e.g. `ctx.store`), through the aggregates that own the rows. */
export function readKitView(store: JobStore): KitStoreView {
  return kitViewOf(store.accounts(), store.sync.forwardFolderTotals(), store.cutover.state(), store.phaseRuns('sync').length > 0);
}

/** The view from what the aggregates return (shared by the synchronous and the asynchronous stores). */
export function kitViewOf(accounts: ReturnType<JobStore['accounts']>, totals: ReturnType<JobStore['sync']['forwardFolderTotals']>, st: KitCutoverDates, syncRan: boolean): KitStoreView {
  const users = new Map(accounts.map((a) => [a.id, a.destinationUser]));
  // Logical paths read better than wire paths ("客戶/2024" rather than "INBOX.客戶.2024");
  // rollback rows are not the person's folders. Ordered by person, then source path.
  const rows = totals.map((r) => ({ ...r, user: users.get(r.accountId) ?? '' })).sort((a, b) => binary(a.user, b.user) || binary(a.sourcePath, b.sourcePath));
  const folders = new Map<string, KitFolder[]>();
  let anyMessage = false;
  for (const r of rows) {
    if (r.total > 0) anyMessage = true;
    const key = r.user.toLowerCase();
    const list = folders.get(key) ?? [];
    list.push({ sourcePath: r.sourcePath, destinationPath: r.destinationPath, specialUse: r.specialUse, copied: r.copied, notCopied: r.notCopied });
    folders.set(key, list);
  }
  return { synced: syncRan || anyMessage, folders, cutover: { plannedAt: st.plannedAt, confirmedAt: st.confirmedAt, finalizedAt: st.finalizedAt } };
}

/** SQLite's default (BINARY) text order, by code point. */
const binary = (a: string, b: string) => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
};

/** Opens the store file read-only if it exists; no file means no sync and no plan yet. */
export function readKitViewFromFile(storePath: string): KitStoreView {
  if (isPostgresUrl(storePath)) throw notYetOnPostgres(storePath, 'kit');
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
