import { sqliteOf } from './sqlite-handle.js';
import type { GroupwareRecords } from './contract/groupware.js';
import type { Store } from './store.js';

// The groupware tables (0008): per-object checkpoints for contacts and calendars, so that a kill
// at any instant and a re-run leaves every object on the destination once.

const now = () => new Date().toISOString();

export type CollectionKind = 'addressbook' | 'calendar';
export type ObjectState = 'intent' | 'put' | 'kept' | 'failed';
export type GroupwareAccountState = 'pending' | 'syncing' | 'complete' | 'incomplete' | 'failed';

export interface CollectionRow {
  id: number;
  accountId: number;
  kind: CollectionKind;
  sourceHref: string;
  displayName: string | null;
  color: string | null;
  description: string | null;
  destinationHref: string | null;
  sourceCtag: string | null;
  sourceSyncToken: string | null;
  state: 'active' | 'failed';
  lastError: string | null;
}

export interface ObjectRow {
  id: number;
  collectionId: number;
  sourceHref: string;
  sourceEtag: string | null;
  uid: string | null;
  component: string | null;
  bytes: number;
  destinationHref: string;
  destinationEtag: string | null;
  state: ObjectState;
  reason: string | null;
}

export interface Homes {
  addressbook?: string;
  calendar?: string;
}

export interface CollectionCounts {
  collectionId: number;
  accountId: number;
  sourceUser: string;
  kind: CollectionKind;
  sourceHref: string;
  displayName: string | null;
  destinationHref: string | null;
  state: string;
  lastError: string | null;
  put: number;
  kept: number;
  failed: number;
  inFlight: number;
  bytes: number;
}

export interface VerifyRow {
  collectionId: number;
  checkedAt: string;
  sourceObjects: number;
  destinationObjects: number;
  missing: number;
  duplicated: number;
  altered: number;
  details: { uid: string; problem: string }[];
}

const COLLECTION_COLS = `id, account_id AS accountId, kind, source_href AS sourceHref, display_name AS displayName, color, description,
  destination_href AS destinationHref, source_ctag AS sourceCtag, source_sync_token AS sourceSyncToken, state, last_error AS lastError`;
const OBJECT_COLS = `id, collection_id AS collectionId, source_href AS sourceHref, source_etag AS sourceEtag, uid, component, bytes,
  destination_href AS destinationHref, destination_etag AS destinationEtag, state, reason`;

export class GroupwareStore implements GroupwareRecords {
  constructor(private readonly store: Store) {}

  private get db() {
    return sqliteOf(this.store);
  }

  // ---- accounts -----------------------------------------------------------------------------

  homes(accountId: number, side: 'source' | 'destination'): Homes | undefined {
    const col = side === 'source' ? 'source_homes' : 'destination_homes';
    const row = this.db.prepare(`SELECT ${col} AS h FROM groupware_accounts WHERE account_id = ?`).get(accountId) as { h: string | null } | undefined;
    return row?.h ? (JSON.parse(row.h) as Homes) : undefined;
  }

  setHomes(accountId: number, side: 'source' | 'destination', homes: Homes): void {
    const col = side === 'source' ? 'source_homes' : 'destination_homes';
    this.ensureAccount(accountId);
    this.db.prepare(`UPDATE groupware_accounts SET ${col} = ?, updated_at = ? WHERE account_id = ?`).run(JSON.stringify(homes), now(), accountId);
  }

  setAccountState(accountId: number, state: GroupwareAccountState, lastError: string | null = null): void {
    this.ensureAccount(accountId);
    this.db.prepare('UPDATE groupware_accounts SET state = ?, last_error = ?, updated_at = ? WHERE account_id = ?').run(state, lastError, now(), accountId);
  }

  accountStates(): { accountId: number; sourceUser: string; state: GroupwareAccountState; lastError: string | null }[] {
    return this.db
      .prepare(
        `SELECT g.account_id AS accountId, a.source_user AS sourceUser, g.state, g.last_error AS lastError
           FROM groupware_accounts g JOIN accounts a ON a.id = g.account_id ORDER BY a.id`,
      )
      .all() as { accountId: number; sourceUser: string; state: GroupwareAccountState; lastError: string | null }[];
  }

  private ensureAccount(accountId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO groupware_accounts (account_id, updated_at) VALUES (?, ?)').run(accountId, now());
  }

  // ---- collections --------------------------------------------------------------------------

  /** Inserts or refreshes a source collection's row (name, colour, description) and returns it. */
  upsertCollection(c: { accountId: number; kind: CollectionKind; sourceHref: string; displayName: string | null; color: string | null; description: string | null }): CollectionRow {
    this.db
      .prepare(
        `INSERT INTO groupware_collections (account_id, kind, source_href, display_name, color, description, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, source_href) DO UPDATE SET display_name = excluded.display_name, color = excluded.color,
           description = excluded.description`,
      )
      .run(c.accountId, c.kind, c.sourceHref, c.displayName, c.color, c.description, now());
    return this.db.prepare(`SELECT ${COLLECTION_COLS} FROM groupware_collections WHERE account_id = ? AND source_href = ?`).get(c.accountId, c.sourceHref) as CollectionRow;
  }

  setCollectionDestination(id: number, destinationHref: string): void {
    this.db.prepare('UPDATE groupware_collections SET destination_href = ?, updated_at = ? WHERE id = ?').run(destinationHref, now(), id);
  }

  /** Marks the source state (ctag, sync token) as copied completely; only after every object is done. */
  setCollectionSynced(id: number, ctag: string | null, syncToken: string | null): void {
    this.db
      .prepare(`UPDATE groupware_collections SET source_ctag = ?, source_sync_token = ?, state = 'active', last_error = NULL, updated_at = ? WHERE id = ?`)
      .run(ctag, syncToken, now(), id);
  }

  setCollectionFailed(id: number, reason: string): void {
    this.db.prepare(`UPDATE groupware_collections SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?`).run(reason, now(), id);
  }

  collections(accountId?: number): CollectionRow[] {
    return this.db
      .prepare(`SELECT ${COLLECTION_COLS} FROM groupware_collections ${accountId === undefined ? '' : 'WHERE account_id = ?'} ORDER BY id`)
      .all(...(accountId === undefined ? [] : [accountId])) as CollectionRow[];
  }

  // ---- objects ------------------------------------------------------------------------------

  objects(collectionId: number): ObjectRow[] {
    return this.db.prepare(`SELECT ${OBJECT_COLS} FROM groupware_objects WHERE collection_id = ? ORDER BY id`).all(collectionId) as ObjectRow[];
  }

  object(collectionId: number, sourceHref: string): ObjectRow | undefined {
    return this.db.prepare(`SELECT ${OBJECT_COLS} FROM groupware_objects WHERE collection_id = ? AND source_href = ?`).get(collectionId, sourceHref) as ObjectRow | undefined;
  }

  /** The checkpoint before a PUT: what we are about to write and where. */
  recordIntent(o: { collectionId: number; sourceHref: string; sourceEtag: string | null; uid: string | null; component: string | null; bytes: number; destinationHref: string }): void {
    this.db
      .prepare(
        `INSERT INTO groupware_objects (collection_id, source_href, source_etag, uid, component, bytes, destination_href, state, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', ?)
         ON CONFLICT (collection_id, source_href) DO UPDATE SET source_etag = excluded.source_etag, uid = excluded.uid,
           component = excluded.component, bytes = excluded.bytes, destination_href = excluded.destination_href,
           state = 'intent', reason = NULL, updated_at = excluded.updated_at`,
      )
      .run(o.collectionId, o.sourceHref, o.sourceEtag, o.uid, o.component, o.bytes, o.destinationHref, now());
  }

  /**
   * Intent for an update of an object already copied: the state stays 'put' with the old
   * destination ETag (the If-Match condition) until the PUT answers, so a kill in between only
   * means the update is tried again.
   */
  recordPut(collectionId: number, sourceHref: string, sourceEtag: string | null, destinationEtag: string | null, bytes?: number): void {
    this.db
      .prepare(
        `UPDATE groupware_objects SET state = 'put', source_etag = ?, destination_etag = ?, bytes = COALESCE(?, bytes), reason = NULL, updated_at = ?
          WHERE collection_id = ? AND source_href = ?`,
      )
      .run(sourceEtag, destinationEtag, bytes ?? null, now(), collectionId, sourceHref);
  }

  /** The destination copy was edited by its user: it wins; the source state seen is recorded. */
  recordKept(collectionId: number, sourceHref: string, sourceEtag: string | null, reason: string): void {
    this.db
      .prepare(`UPDATE groupware_objects SET state = 'kept', source_etag = ?, reason = ?, updated_at = ? WHERE collection_id = ? AND source_href = ?`)
      .run(sourceEtag, reason, now(), collectionId, sourceHref);
  }

  recordFailed(collectionId: number, sourceHref: string, reason: string): void {
    this.db
      .prepare(`UPDATE groupware_objects SET state = 'failed', reason = ?, updated_at = ? WHERE collection_id = ? AND source_href = ?`)
      .run(reason, now(), collectionId, sourceHref);
  }

  /** Per collection: objects by state, for status, verify and the report. */
  counts(): CollectionCounts[] {
    return this.db
      .prepare(
        `SELECT c.id AS collectionId, c.account_id AS accountId, a.source_user AS sourceUser, c.kind, c.source_href AS sourceHref,
                c.display_name AS displayName, c.destination_href AS destinationHref, c.state, c.last_error AS lastError,
                COALESCE(SUM(o.state = 'put'), 0) AS put, COALESCE(SUM(o.state = 'kept'), 0) AS kept,
                COALESCE(SUM(o.state = 'failed'), 0) AS failed, COALESCE(SUM(o.state = 'intent'), 0) AS inFlight,
                COALESCE(SUM(CASE WHEN o.state IN ('put', 'kept') THEN o.bytes ELSE 0 END), 0) AS bytes
           FROM groupware_collections c JOIN accounts a ON a.id = c.account_id
           LEFT JOIN groupware_objects o ON o.collection_id = c.id
          GROUP BY c.id ORDER BY a.id, c.id`,
      )
      .all() as CollectionCounts[];
  }

  failures(limit = 50): { sourceUser: string; collection: string; sourceHref: string; reason: string }[] {
    return this.db
      .prepare(
        `SELECT a.source_user AS sourceUser, COALESCE(c.display_name, c.source_href) AS collection, o.source_href AS sourceHref, o.reason
           FROM groupware_objects o JOIN groupware_collections c ON c.id = o.collection_id JOIN accounts a ON a.id = c.account_id
          WHERE o.state = 'failed' ORDER BY o.id LIMIT ?`,
      )
      .all(limit) as { sourceUser: string; collection: string; sourceHref: string; reason: string }[];
  }

  // ---- verify -------------------------------------------------------------------------------

  saveVerify(v: VerifyRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO groupware_verify (collection_id, checked_at, source_objects, destination_objects, missing, duplicated, altered, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(v.collectionId, v.checkedAt, v.sourceObjects, v.destinationObjects, v.missing, v.duplicated, v.altered, JSON.stringify(v.details));
  }

  verifyRows(): VerifyRow[] {
    const rows = this.db
      .prepare(
        `SELECT collection_id AS collectionId, checked_at AS checkedAt, source_objects AS sourceObjects, destination_objects AS destinationObjects,
                missing, duplicated, altered, details FROM groupware_verify ORDER BY collection_id`,
      )
      .all() as (Omit<VerifyRow, 'details'> & { details: string })[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) }));
  }

  /** True when the groupware tables exist and hold anything (the report shows its table then). */
  hasData(): boolean {
    const t = this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'groupware_collections'`).get();
    if (!t) return false;
    return !!this.db.prepare('SELECT 1 FROM groupware_collections LIMIT 1').get();
  }
}
export type { GroupwareRecords } from './contract/groupware.js';
