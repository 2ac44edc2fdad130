import type { AsyncOf } from '../contract/async.js';
import type { CollectionCounts, CollectionKind, CollectionRow, GroupwareAccountState, GroupwareRecords, Homes, ObjectRow, VerifyRow } from '../contract/groupware.js';
import type { PgDb } from './db.js';

// groupware_accounts, groupware_collections, groupware_objects and groupware_verify (0008) on
// PostgreSQL: the SQLite store's queries (src/store/groupware-store.ts).

const now = () => new Date().toISOString();

const COLLECTION_COLS = `id, account_id AS accountId, kind, source_href AS sourceHref, display_name AS displayName, color, description,
  destination_href AS destinationHref, source_ctag AS sourceCtag, source_sync_token AS sourceSyncToken, state, last_error AS lastError`;
const OBJECT_COLS = `id, collection_id AS collectionId, source_href AS sourceHref, source_etag AS sourceEtag, uid, component, bytes,
  destination_href AS destinationHref, destination_etag AS destinationEtag, state, reason`;

export class PgGroupwareRecords implements AsyncOf<GroupwareRecords> {
  constructor(private readonly db: PgDb) {}

  // ---- accounts -----------------------------------------------------------------------------

  async homes(accountId: number, side: 'source' | 'destination'): Promise<Homes | undefined> {
    const col = side === 'source' ? 'source_homes' : 'destination_homes';
    const row = (await this.db.get(`SELECT ${col} AS h FROM groupware_accounts WHERE account_id = ?`, accountId)) as { h: string | null } | undefined;
    return row?.h ? (JSON.parse(row.h) as Homes) : undefined;
  }

  async setHomes(accountId: number, side: 'source' | 'destination', homes: Homes): Promise<void> {
    const col = side === 'source' ? 'source_homes' : 'destination_homes';
    await this.ensureAccount(accountId);
    (await this.db.run(`UPDATE groupware_accounts SET ${col} = ?, updated_at = ? WHERE account_id = ?`, JSON.stringify(homes), now(), accountId));
  }

  async setAccountState(accountId: number, state: GroupwareAccountState, lastError: string | null = null): Promise<void> {
    await this.ensureAccount(accountId);
    (await this.db.run('UPDATE groupware_accounts SET state = ?, last_error = ?, updated_at = ? WHERE account_id = ?', state, lastError, now(), accountId));
  }

  async accountStates(): Promise<{ accountId: number; sourceUser: string; state: GroupwareAccountState; lastError: string | null }[]> {
    return (await this.db.all(
        `SELECT g.account_id AS accountId, a.source_user AS sourceUser, g.state, g.last_error AS lastError
           FROM groupware_accounts g JOIN accounts a ON a.id = g.account_id ORDER BY a.id`,
      )) as { accountId: number; sourceUser: string; state: GroupwareAccountState; lastError: string | null }[];
  }

  private async ensureAccount(accountId: number): Promise<void> {
    (await this.db.run('INSERT INTO groupware_accounts (account_id, updated_at) VALUES (?, ?) ON CONFLICT (account_id) DO NOTHING', accountId, now()));
  }

  // ---- collections --------------------------------------------------------------------------

  /** Inserts or refreshes a source collection's row (name, colour, description) and returns it. */
  async upsertCollection(c: { accountId: number; kind: CollectionKind; sourceHref: string; displayName: string | null; color: string | null; description: string | null }): Promise<CollectionRow> {
    (await this.db.run(
        `INSERT INTO groupware_collections (account_id, kind, source_href, display_name, color, description, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, source_href) DO UPDATE SET display_name = excluded.display_name, color = excluded.color,
           description = excluded.description`,
      c.accountId, c.kind, c.sourceHref, c.displayName, c.color, c.description, now()));
    return (await this.db.get(`SELECT ${COLLECTION_COLS} FROM groupware_collections WHERE account_id = ? AND source_href = ?`, c.accountId, c.sourceHref)) as CollectionRow;
  }

  async setCollectionDestination(id: number, destinationHref: string): Promise<void> {
    (await this.db.run('UPDATE groupware_collections SET destination_href = ?, updated_at = ? WHERE id = ?', destinationHref, now(), id));
  }

  /** Marks the source state (ctag, sync token) as copied completely; only after every object is done. */
  async setCollectionSynced(id: number, ctag: string | null, syncToken: string | null): Promise<void> {
    (await this.db.run(`UPDATE groupware_collections SET source_ctag = ?, source_sync_token = ?, state = 'active', last_error = NULL, updated_at = ? WHERE id = ?`, ctag, syncToken, now(), id));
  }

  async setCollectionFailed(id: number, reason: string): Promise<void> {
    (await this.db.run(`UPDATE groupware_collections SET state = 'failed', last_error = ?, updated_at = ? WHERE id = ?`, reason, now(), id));
  }

  async collections(accountId?: number): Promise<CollectionRow[]> {
    return (await this.db.all(`SELECT ${COLLECTION_COLS} FROM groupware_collections ${accountId === undefined ? '' : 'WHERE account_id = ?'} ORDER BY id`, ...(accountId === undefined ? [] : [accountId]))) as CollectionRow[];
  }

  // ---- objects ------------------------------------------------------------------------------

  async objects(collectionId: number): Promise<ObjectRow[]> {
    return (await this.db.all(`SELECT ${OBJECT_COLS} FROM groupware_objects WHERE collection_id = ? ORDER BY id`, collectionId)) as ObjectRow[];
  }

  async object(collectionId: number, sourceHref: string): Promise<ObjectRow | undefined> {
    return (await this.db.get(`SELECT ${OBJECT_COLS} FROM groupware_objects WHERE collection_id = ? AND source_href = ?`, collectionId, sourceHref)) as ObjectRow | undefined;
  }

  /** The checkpoint before a PUT: what we are about to write and where. */
  async recordIntent(o: { collectionId: number; sourceHref: string; sourceEtag: string | null; uid: string | null; component: string | null; bytes: number; destinationHref: string }): Promise<void> {
    (await this.db.run(
        `INSERT INTO groupware_objects (collection_id, source_href, source_etag, uid, component, bytes, destination_href, state, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'intent', ?)
         ON CONFLICT (collection_id, source_href) DO UPDATE SET source_etag = excluded.source_etag, uid = excluded.uid,
           component = excluded.component, bytes = excluded.bytes, destination_href = excluded.destination_href,
           state = 'intent', reason = NULL, updated_at = excluded.updated_at`,
      o.collectionId, o.sourceHref, o.sourceEtag, o.uid, o.component, o.bytes, o.destinationHref, now()));
  }

  /**
   * Intent for an update of an object already copied: the state stays 'put' with the old
   * destination ETag (the If-Match condition) until the PUT answers, so a kill in between only
   * means the update is tried again.
   */
  async recordPut(collectionId: number, sourceHref: string, sourceEtag: string | null, destinationEtag: string | null, bytes?: number): Promise<void> {
    (await this.db.run(
        `UPDATE groupware_objects SET state = 'put', source_etag = ?, destination_etag = ?, bytes = COALESCE(?, bytes), reason = NULL, updated_at = ?
          WHERE collection_id = ? AND source_href = ?`,
      sourceEtag, destinationEtag, bytes ?? null, now(), collectionId, sourceHref));
  }

  /** The destination copy was edited by its user: it wins; the source state seen is recorded. */
  async recordKept(collectionId: number, sourceHref: string, sourceEtag: string | null, reason: string): Promise<void> {
    (await this.db.run(`UPDATE groupware_objects SET state = 'kept', source_etag = ?, reason = ?, updated_at = ? WHERE collection_id = ? AND source_href = ?`, sourceEtag, reason, now(), collectionId, sourceHref));
  }

  async recordFailed(collectionId: number, sourceHref: string, reason: string): Promise<void> {
    (await this.db.run(`UPDATE groupware_objects SET state = 'failed', reason = ?, updated_at = ? WHERE collection_id = ? AND source_href = ?`, reason, now(), collectionId, sourceHref));
  }

  /** Per collection: objects by state, for status, verify and the report. */
  async counts(): Promise<CollectionCounts[]> {
    return (await this.db.all(
        `SELECT c.id AS collectionId, c.account_id AS accountId, a.source_user AS sourceUser, c.kind, c.source_href AS sourceHref,
                c.display_name AS displayName, c.destination_href AS destinationHref, c.state, c.last_error AS lastError,
                count(*) FILTER (WHERE o.state = 'put') AS put, count(*) FILTER (WHERE o.state = 'kept') AS kept,
                count(*) FILTER (WHERE o.state = 'failed') AS failed, count(*) FILTER (WHERE o.state = 'intent') AS inFlight,
                COALESCE(SUM(CASE WHEN o.state IN ('put', 'kept') THEN o.bytes ELSE 0 END), 0) AS bytes
           FROM groupware_collections c JOIN accounts a ON a.id = c.account_id
           LEFT JOIN groupware_objects o ON o.collection_id = c.id
          GROUP BY c.id, a.id ORDER BY a.id, c.id`,
      )) as CollectionCounts[];
  }

  async failures(limit = 50): Promise<{ sourceUser: string; collection: string; sourceHref: string; reason: string }[]> {
    return (await this.db.all(
        `SELECT a.source_user AS sourceUser, COALESCE(c.display_name, c.source_href) AS collection, o.source_href AS sourceHref, o.reason
           FROM groupware_objects o JOIN groupware_collections c ON c.id = o.collection_id JOIN accounts a ON a.id = c.account_id
          WHERE o.state = 'failed' ORDER BY o.id LIMIT ?`,
      limit)) as { sourceUser: string; collection: string; sourceHref: string; reason: string }[];
  }

  // ---- verify -------------------------------------------------------------------------------

  async saveVerify(v: VerifyRow): Promise<void> {
    (await this.db.run(
        `INSERT INTO groupware_verify (collection_id, checked_at, source_objects, destination_objects, missing, duplicated, altered, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (collection_id) DO UPDATE SET checked_at = excluded.checked_at, source_objects = excluded.source_objects,
           destination_objects = excluded.destination_objects, missing = excluded.missing, duplicated = excluded.duplicated,
           altered = excluded.altered, details = excluded.details`,
      v.collectionId, v.checkedAt, v.sourceObjects, v.destinationObjects, v.missing, v.duplicated, v.altered, JSON.stringify(v.details)));
  }

  async verifyRows(): Promise<VerifyRow[]> {
    const rows = (await this.db.all(
        `SELECT collection_id AS collectionId, checked_at AS checkedAt, source_objects AS sourceObjects, destination_objects AS destinationObjects,
                missing, duplicated, altered, details FROM groupware_verify ORDER BY collection_id`,
      )) as (Omit<VerifyRow, 'details'> & { details: string })[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) }));
  }

  /** True when the groupware tables exist and hold anything (the report shows its table then). */
  async hasData(): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 FROM groupware_collections LIMIT 1'));
  }
}
