import { sqliteOf } from './sqlite-handle.js';
import type { CopyCheckpoints, FolderPairInput } from './contract/copy.js';
import type Database from 'better-sqlite3';
import type { Store } from './store.js';
import { FP_COLS, MSG_COLS, msgOfRow, toFp, type RawFp, type RawMsgRow } from './copy-rows.js';

// The sync phase's tables: folder_pairs, messages and append_batches (0001 + 0004).
// Every state change that the exactly-once guarantee rests on is one transaction.

export type Direction = 'forward' | 'reverse';
export type MessageState = 'pending' | 'copying' | 'copied' | 'skipped' | 'failed' | 'gone';

const now = () => new Date().toISOString();

export interface FolderPairRow {
  id: number;
  accountId: number;
  direction: Direction;
  /** The path on the side copied from (the destination's path for a reverse pair). */
  sourcePath: string;
  destinationPath: string;
  sourceLogical: string | null;
  destinationLogical: string | null;
  specialUse: string | null;
  srcUidvalidity: string | null;
  srcUidnext: number | null;
  srcListedUid: number;
  dstUidvalidity: string | null;
  dstUidnext: number | null;
  /** MESSAGES of the source folder at the last folder listing (before the folder itself was read). */
  sourceMessagesListed: number | null;
  state: 'active' | 'excluded' | 'gone';
  notes: string[];
}

export interface MessageRow {
  id: number;
  srcUid: number;
  messageId: string | null;
  internalDate: string | null;
  size: number;
  headerHash: string | null;
  flags: string[];
  state: MessageState;
  batchId: number | null;
  dstUidvalidity: string | null;
  dstUid: number | null;
  attempts: number;
  lastError: string | null;
}

export interface ListedMessage {
  uid: number;
  internalDate?: Date;
  size: number;
  flags: string[];
  messageId?: string;
  headerHash?: string;
  state?: MessageState;
  lastError?: string;
  /** Set with state 'copied' for a message already present on the other side. */
  dstUidvalidity?: string;
  dstUid?: number;
}

export interface OpenBatch {
  id: number;
  dstUidvalidity: string | null;
  dstUidnextBefore: number | null;
  messages: MessageRow[];
}

export interface FolderCounts {
  found: number;
  copied: number;
  pending: number;
  skipped: number;
  failed: number;
  /** Of `copied`: found already in the destination and adopted, not copied by mailshift. */
  adopted: number;
  /** Copied, but not exactly as on the source (keywords the destination folder had no room for): exit 3. */
  copiedWithReason: number;
  reasons: { state: 'skipped' | 'failed' | 'copied'; reason: string; count: number }[];
}


/**
 * finishBatch's common case: each result's dstUid is the first one's plus its position (or every
 * one is absent), with no dropped flags, no reason and no id twice. The first UID (null when
 * absent) when so; undefined otherwise.
 */
function contiguousFrom(results: { id: number; dstUid?: number; droppedFlags?: string[]; reason?: string }[]): number | null | undefined {
  if (results.length < 2) return undefined;
  const first = results[0]!.dstUid;
  const ids = new Set<number>();
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (r.droppedFlags?.length || r.reason !== undefined || ids.has(r.id)) return undefined;
    if (first === undefined ? r.dstUid !== undefined : r.dstUid !== first + i) return undefined;
    ids.add(r.id);
  }
  return first ?? null;
}

export class SyncStore implements CopyCheckpoints {
  private readonly db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #store: Store;
  constructor(store: Store) {
    this.db = sqliteOf(store);
    this.#store = store;
  }

  /** Prepared once per store: the copier runs these statements for every batch. */
  private st(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) this.#statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** A SELECT of MSG_COLS returning arrays (raw mode), mapped by position: the hot reads. */
  private msgRows(where: string, ...args: unknown[]): MessageRow[] {
    const key = `raw:${where}`;
    let s = this.#statements.get(key);
    if (!s) this.#statements.set(key, (s = this.db.prepare(`SELECT ${MSG_COLS} FROM messages ${where}`).raw(true)));
    return (s.all(...args) as RawMsgRow[]).map(msgOfRow);
  }

  /** Runs `UPDATE … WHERE id IN (json_each(?))` for many ids at once, `one` for a single id. */
  private byIds(ids: number[], one: Database.Statement, many: Database.Statement, ...args: unknown[]): void {
    if (ids.length === 1) one.run(...args, ids[0]);
    else if (ids.length > 1) many.run(...args, JSON.stringify(ids));
  }

  // ---- folder pairs -------------------------------------------------------------------------

  upsertFolderPair(p: FolderPairInput): number {
    this.st(
        `INSERT INTO folder_pairs (account_id, direction, source_path, destination_path, special_use, state, updated_at,
           source_logical, destination_logical, notes, src_messages_listed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, direction, source_path) DO UPDATE SET destination_path = excluded.destination_path,
           special_use = excluded.special_use, state = excluded.state, updated_at = excluded.updated_at,
           source_logical = excluded.source_logical, destination_logical = excluded.destination_logical, notes = excluded.notes,
           src_messages_listed = coalesce(excluded.src_messages_listed, src_messages_listed)`,
      )
      .run(p.accountId, p.direction, p.sourcePath, p.destinationPath, p.specialUse ?? null, p.state, now(), p.sourceLogical, p.destinationLogical, JSON.stringify(p.notes), p.sourceMessages ?? null);
    return (this.st('SELECT id FROM folder_pairs WHERE account_id = ? AND direction = ? AND source_path = ?').get(p.accountId, p.direction, p.sourcePath) as { id: number }).id;
  }

  folderPair(id: number): FolderPairRow {
    return toFp(this.st(`SELECT ${FP_COLS} FROM folder_pairs WHERE id = ?`).get(id) as RawFp);
  }

  folderPairs(accountId?: number, direction?: Direction): FolderPairRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (accountId !== undefined) (where.push('account_id = ?'), args.push(accountId));
    if (direction) (where.push('direction = ?'), args.push(direction));
    return (this.st(`SELECT ${FP_COLS} FROM folder_pairs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id`).all(...args) as RawFp[]).map(toFp);
  }

  /** Folders no longer on the source keep their rows (what was copied stays copied). */
  markFolderGone(id: number): void {
    this.st(`UPDATE folder_pairs SET state = 'gone', updated_at = ? WHERE id = ?`).run(now(), id);
  }

  setSourceWatermark(id: number, w: { uidValidity: bigint; uidNext: number; highestModseq?: bigint; listedUid: number }): void {
    this.st('UPDATE folder_pairs SET src_uidvalidity = ?, src_uidnext = ?, src_highestmodseq = ?, src_listed_uid = ?, updated_at = ? WHERE id = ?')
      .run(String(w.uidValidity), w.uidNext, w.highestModseq === undefined ? null : String(w.highestModseq), w.listedUid, now(), id);
  }

  /** Whether the destination folder was already indexed for adoption (done once per pair). */
  adoptChecked(id: number): boolean {
    return (this.st('SELECT adopt_checked AS a FROM folder_pairs WHERE id = ?').get(id) as { a: number } | undefined)?.a === 1;
  }

  /**
   * Messages found already in the destination folder: copied, with their destination UIDs,
   * marked adopted; and the pair marked as indexed. One transaction.
   */
  adopt(fpId: number, dstUidvalidity: bigint, found: { id: number; dstUid: number; messageId?: string; headerHash: string }[]): void {
    this.db.transaction(() => {
      const t = now();
      const st = this.st(
        `UPDATE messages SET state = 'copied', adopted = 1, dst_uidvalidity = ?, dst_uid = ?, message_id = coalesce(message_id, ?), header_hash = coalesce(header_hash, ?),
           last_error = NULL, updated_at = ? WHERE id = ? AND state = 'pending'`,
      );
      for (const f of found) st.run(String(dstUidvalidity), f.dstUid, f.messageId ?? null, f.headerHash, t, f.id);
      this.st('UPDATE folder_pairs SET adopt_checked = 1, updated_at = ? WHERE id = ?').run(t, fpId);
    })();
  }

  setDestinationState(id: number, uidValidity: bigint, uidNext: number): void {
    this.st('UPDATE folder_pairs SET dst_uidvalidity = ?, dst_uidnext = ?, updated_at = ? WHERE id = ?').run(String(uidValidity), uidNext, now(), id);
  }

  // ---- messages -----------------------------------------------------------------------------

  /** Records newly listed source messages (idempotent: a UID already known is left alone). */
  insertListed(fpId: number, srcUidvalidity: bigint, rows: ListedMessage[]): void {
    const ins = this.st(
      `INSERT OR IGNORE INTO messages (folder_pair_id, src_uidvalidity, src_uid, message_id, internal_date, size, header_hash,
         flags, state, last_error, dst_uidvalidity, dst_uid, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const t = now();
    const uv = String(srcUidvalidity);
    this.db.transaction(() => {
      for (const r of rows) {
        ins.run(fpId, uv, r.uid, r.messageId ?? null, r.internalDate?.toISOString() ?? null, r.size, r.headerHash ?? null,
          JSON.stringify(r.flags), r.state ?? 'pending', r.lastError ?? null, r.dstUidvalidity ?? null, r.dstUid ?? null, t);
      }
    })();
  }

  messages(fpId: number, srcUidvalidity: string, states?: MessageState[]): MessageRow[] {
    const st = states?.length ? ` AND state IN (${states.map(() => '?').join(',')})` : '';
    return this.msgRows(`WHERE folder_pair_id = ? AND src_uidvalidity = ?${st} ORDER BY src_uid`, fpId, srcUidvalidity, ...(states ?? []));
  }

  /** Rows of other source UIDVALIDITY generations (for re-identification after a change). */
  messagesNotOf(fpId: number, srcUidvalidity: string): MessageRow[] {
    return this.msgRows('WHERE folder_pair_id = ? AND src_uidvalidity <> ? ORDER BY id', fpId, srcUidvalidity);
  }

  countOpen(fpId: number, srcUidvalidity: string): number {
    return (
      this.st(`SELECT count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND state IN ('pending','copying')`)
        .get(fpId, srcUidvalidity) as { n: number }
    ).n;
  }

  setMessageState(ids: number[], state: MessageState, reason: string | null): void {
    const set = 'UPDATE messages SET state = ?, last_error = ?, batch_id = NULL, updated_at = ? WHERE id';
    // One statement for the whole list (the values are shared): a single transaction as before.
    this.byIds(ids, this.st(`${set} = ?`), this.st(`${set} IN (SELECT value FROM json_each(?))`), state, reason, now());
  }

  /** A new run tries again what the destination refused last time (skipped stays skipped). */
  retryFailed(fpId: number): number {
    return this.st(`UPDATE messages SET state = 'pending', batch_id = NULL, updated_at = ? WHERE folder_pair_id = ? AND state = 'failed'`).run(now(), fpId).changes;
  }

  /** Old-generation rows proven to be these new source UIDs (same message, new UIDVALIDITY). */
  rebindSource(pairs: { id: number; uid: number }[], srcUidvalidity: bigint): void {
    const st = this.st('UPDATE messages SET src_uidvalidity = ?, src_uid = ?, updated_at = ? WHERE id = ?');
    const t = now();
    this.db.transaction(() => {
      for (const p of pairs) st.run(String(srcUidvalidity), p.uid, t, p.id);
    })();
  }

  /** Drops bookkeeping rows of an old source generation that were never copied. */
  forgetUncopied(fpId: number, srcUidvalidity: string): void {
    this.st(`DELETE FROM messages WHERE folder_pair_id = ? AND src_uidvalidity <> ? AND state NOT IN ('copied','copying')`).run(fpId, srcUidvalidity);
  }

  /** Destination UIDs already accounted for by copied rows of this pair, at or above `fromUid`. */
  claimedDestinationUids(fpId: number, dstUidvalidity: string, fromUid: number): Set<number> {
    const rows = this.st(`SELECT dst_uid AS u FROM messages WHERE folder_pair_id = ? AND state = 'copied' AND dst_uidvalidity = ? AND dst_uid >= ?`)
      .all(fpId, dstUidvalidity, fromUid) as { u: number }[];
    return new Set(rows.map((r) => r.u));
  }

  /** The pair that copies the other way between the same two folders (forward <-> rollback). */
  oppositePair(fp: FolderPairRow): FolderPairRow | undefined {
    return this.folderPairs(fp.accountId, fp.direction === 'forward' ? 'reverse' : 'forward').find(
      (p) => p.sourcePath === fp.destinationPath && p.destinationPath === fp.sourcePath,
    );
  }

  /**
   * Messages of this pair's source folder that the opposite direction put there (a rollback's
   * reverse copy, or a forward copy seen by a reverse run), by the UIDs its APPENDUID returned:
   * UID here -> the message it is a copy of, in the folder this pair copies to. Only when the
   * opposite pair joins the same two folders.
   */
  oppositeCopies(fp: FolderPairRow, uidValidity: bigint, fromUid: number): Map<number, { uid: number; uidValidity: string }> {
    const opposite = this.oppositePair(fp);
    if (!opposite) return new Map();
    const rows = this.st(
        `SELECT dst_uid AS here, src_uid AS there, src_uidvalidity AS thereUv FROM messages
         WHERE folder_pair_id = ? AND state = 'copied' AND dst_uidvalidity = ? AND dst_uid >= ?`,
      )
      .all(opposite.id, String(uidValidity), fromUid) as { here: number; there: number; thereUv: string }[];
    return new Map(rows.map((r) => [r.here, { uid: r.there, uidValidity: r.thereUv }]));
  }

  /** Copied rows re-found on the destination (after a destination UIDVALIDITY change). */
  rebindDestination(pairs: { id: number; dstUid: number }[], dstUidvalidity: bigint): void {
    const st = this.st('UPDATE messages SET dst_uidvalidity = ?, dst_uid = ?, updated_at = ? WHERE id = ?');
    const t = now();
    this.db.transaction(() => {
      for (const p of pairs) st.run(String(dstUidvalidity), p.dstUid, t, p.id);
    })();
  }

  // ---- batches (the exactly-once checkpoint) ------------------------------------------------

  /**
   * The intent, committed before the APPEND is sent: the batch with the destination folder's
   * UIDVALIDITY and UIDNEXT, and every message 'copying' with its identity.
   */
  beginBatch(fpId: number, dst: { uidValidity?: bigint; uidNext?: number }, msgs: { id: number; messageId?: string; headerHash: string; flags: string[] }[]): number {
    return this.db.transaction(() => {
      const t = now();
      const id = Number(
        this.st(`INSERT INTO append_batches (folder_pair_id, dst_uidvalidity, dst_uidnext_before, state, created_at, messages) VALUES (?, ?, ?, 'sent', ?, ?)`)
          .run(fpId, dst.uidValidity === undefined ? null : String(dst.uidValidity), dst.uidNext ?? null, t, msgs.length).lastInsertRowid,
      );
      const st = this.st(
        `UPDATE messages SET state = 'copying', batch_id = ?, message_id = ?, header_hash = ?, flags = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?`,
      );
      for (const m of msgs) st.run(id, m.messageId ?? null, m.headerHash, JSON.stringify(m.flags), t, m.id);
      return id;
    })();
  }

  /**
   * Waits until every commit so far is on disk (the WAL fsynced), without blocking the event
   * loop as synchronous=FULL would. The copier calls it between the intent and the APPEND: an
   * intent lost in a power cut would let a batch that did reach the server be copied again.
   */
  async durable(): Promise<void> {
    await this.#store.syncToDisk();
  }

  /** After the tagged OK: destination UIDs (when the server sent APPENDUID) and 'copied'. */
  finishBatch(batchId: number, dstUidvalidity: bigint | undefined, results: { id: number; dstUid?: number; droppedFlags?: string[]; reason?: string }[]): void {
    const uv = dstUidvalidity === undefined ? null : String(dstUidvalidity);
    const first = contiguousFrom(results);
    this.db.transaction(() => {
      const t = now();
      if (first !== undefined) {
        // The usual answer: APPENDUID's UIDs in order (or none at all) and nothing dropped, so
        // the n-th message gets first + n: one statement for the batch, the same rows written.
        this.st(
          `UPDATE messages SET state = 'copied', dst_uidvalidity = ?, dst_uid = ? + j.key, dropped_flags = NULL, last_error = NULL, updated_at = ?
           FROM json_each(?) AS j WHERE messages.id = j.value`,
        ).run(uv, first, t, JSON.stringify(results.map((r) => r.id)));
      } else {
        const st = this.st(
          `UPDATE messages SET state = 'copied', dst_uidvalidity = ?, dst_uid = ?, dropped_flags = ?, last_error = ?, updated_at = ? WHERE id = ?`,
        );
        for (const r of results) st.run(uv, r.dstUid ?? null, r.droppedFlags?.length ? JSON.stringify(r.droppedFlags) : null, r.reason ?? null, t, r.id);
      }
      this.st(`UPDATE append_batches SET state = 'done', finished_at = ? WHERE id = ?`).run(t, batchId);
    })();
  }

  /** The server refused the whole command (nothing was stored): its messages are free again. */
  failBatch(batchId: number, error: string, next: { state: MessageState; reason: string | null } = { state: 'pending', reason: null }): void {
    this.db.transaction(() => {
      const t = now();
      this.st(`UPDATE messages SET state = ?, last_error = ?, batch_id = NULL, updated_at = ? WHERE batch_id = ? AND state = 'copying'`).run(next.state, next.reason, t, batchId);
      this.st(`UPDATE append_batches SET state = 'failed', finished_at = ?, error = ? WHERE id = ?`).run(t, error, batchId);
    })();
  }

  /** Batches sent but never confirmed (a crash or a dropped connection): reconcile before retrying. */
  openBatches(fpId: number): OpenBatch[] {
    const batches = this.st(`SELECT id, dst_uidvalidity AS dstUidvalidity, dst_uidnext_before AS dstUidnextBefore FROM append_batches WHERE folder_pair_id = ? AND state = 'sent' ORDER BY id`)
      .all(fpId) as Omit<OpenBatch, 'messages'>[];
    return batches.map((b) => ({ ...b, messages: this.msgRows(`WHERE batch_id = ? AND state = 'copying' ORDER BY id`, b.id) }));
  }

  /** Reconciliation outcome of one open batch, in one transaction. */
  resolveBatch(batchId: number, dstUidvalidity: bigint | undefined, found: { id: number; dstUid: number }[], missing: number[]): void {
    this.db.transaction(() => {
      const t = now();
      const ok = this.st(`UPDATE messages SET state = 'copied', dst_uidvalidity = ?, dst_uid = ?, last_error = NULL, updated_at = ? WHERE id = ?`);
      for (const f of found) ok.run(dstUidvalidity === undefined ? null : String(dstUidvalidity), f.dstUid, t, f.id);
      const back = `UPDATE messages SET state = 'pending', batch_id = NULL, updated_at = ? WHERE id`;
      this.byIds(missing, this.st(`${back} = ?`), this.st(`${back} IN (SELECT value FROM json_each(?))`), t);
      this.st(`UPDATE append_batches SET state = ?, finished_at = ?, error = ? WHERE id = ?`)
        .run(found.length ? 'done' : 'failed', t, `reconciled: ${found.length} found on the destination, ${missing.length} to copy again`, batchId);
    })();
  }

  // ---- reporting ----------------------------------------------------------------------------

  folderCounts(fpId: number): FolderCounts {
    const fp = this.st('SELECT src_uidvalidity AS uv FROM folder_pairs WHERE id = ?').get(fpId) as { uv: string | null } | undefined;
    const uv = fp?.uv ?? '';
    const rows = this.st(`SELECT state, count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? GROUP BY state`)
      .all(fpId, uv) as { state: MessageState; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, r.n])) as Partial<Record<MessageState, number>>;
    const reasons = this.st(
        `SELECT state, coalesce(last_error, 'no reason recorded') AS reason, count(*) AS count FROM messages
         WHERE folder_pair_id = ? AND src_uidvalidity = ? AND (state IN ('skipped','failed') OR (state = 'copied' AND last_error IS NOT NULL))
         GROUP BY state, reason ORDER BY count DESC`,
      )
      .all(fpId, uv) as FolderCounts['reasons'];
    return {
      found: rows.filter((r) => r.state !== 'gone').reduce((a, r) => a + r.n, 0),
      copied: by.copied ?? 0,
      pending: (by.pending ?? 0) + (by.copying ?? 0),
      skipped: by.skipped ?? 0,
      failed: by.failed ?? 0,
      adopted: (this.st(`SELECT count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND state = 'copied' AND adopted = 1`).get(fpId, uv) as { n: number }).n,
      copiedWithReason: reasons.filter((r) => r.state === 'copied').reduce((n, r) => n + r.count, 0),
      reasons,
    };
  }

  /** Job-wide: what a crash or a dropped connection left in flight (0 and 0 after a clean stop). */
  inFlight(): { copying: number; openBatches: number } {
    const copying = (this.st(`SELECT count(*) AS n FROM messages WHERE state = 'copying'`).get() as { n: number }).n;
    const openBatches = (this.st(`SELECT count(*) AS n FROM append_batches WHERE state = 'sent'`).get() as { n: number }).n;
    return { copying, openBatches };
  }

  /** Job-wide, one direction: messages copied, and of them those with no destination UID recorded. */
  copiedTotals(direction: Direction = 'forward'): { copied: number; withoutDstUid: number } {
    const r = this.st(
      `SELECT count(*) AS n, coalesce(sum(m.dst_uid IS NULL), 0) AS missing FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id
       WHERE m.state = 'copied' AND fp.direction = ?`,
    ).get(direction) as { n: number; missing: number };
    return { copied: r.n, withoutDstUid: r.missing };
  }

  /** Job-wide: message rows per state (cutover's sync-parity check). */
  messageStates(): Record<string, number> {
    const rows = this.st('SELECT state, COUNT(*) AS n FROM messages GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages (the throttle's memory). */
  recentAppends(direction: Direction, sinceIso: string): { at: number; n: number }[] {
    const rows = this.st(
      `SELECT COALESCE(b.finished_at, b.created_at) AS at, b.messages AS n FROM append_batches b
       JOIN folder_pairs f ON f.id = b.folder_pair_id
       WHERE f.direction = ? AND b.state IN ('done', 'sent') AND COALESCE(b.finished_at, b.created_at) >= ?
       ORDER BY b.id`,
    ).all(direction, sinceIso) as { at: string; n: number }[];
    return rows.map((r) => ({ at: Date.parse(r.at), n: r.n }));
  }

  /**
   * Per active forward pair, in (account id, source path) order: its account, logical paths and
   * how many messages were copied / not copied / listed at all (the training kit's sheets).
   */
  forwardFolderTotals(): { accountId: number; sourcePath: string; destinationPath: string; specialUse: string | null; copied: number; notCopied: number; total: number }[] {
    return this.st(
      `SELECT f.account_id AS accountId, COALESCE(f.source_logical, f.source_path) AS sourcePath,
              COALESCE(f.destination_logical, f.destination_path) AS destinationPath, f.special_use AS specialUse,
              COALESCE(SUM(CASE WHEN m.state = 'copied' THEN 1 ELSE 0 END), 0) AS copied,
              COALESCE(SUM(CASE WHEN m.state IN ('skipped', 'failed') THEN 1 ELSE 0 END), 0) AS notCopied,
              COUNT(m.id) AS total
         FROM folder_pairs f LEFT JOIN messages m ON m.folder_pair_id = f.id
        WHERE f.state = 'active' AND f.direction = 'forward'
        GROUP BY f.id ORDER BY f.account_id, sourcePath`,
    ).all() as ReturnType<CopyCheckpoints['forwardFolderTotals']>;
  }

  /** Messages whose flags the destination would not take: source UID and the flags. */
  droppedFlags(fpId: number): { srcUid: number; flags: string[] }[] {
    return (this.st('SELECT src_uid AS srcUid, dropped_flags AS f FROM messages WHERE folder_pair_id = ? AND dropped_flags IS NOT NULL').all(fpId) as { srcUid: number; f: string }[]).map(
      (r) => ({ srcUid: r.srcUid, flags: JSON.parse(r.f) as string[] }),
    );
  }
}
export type { CopyCheckpoints } from './contract/copy.js';
