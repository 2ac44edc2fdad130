import type { AsyncOf } from '../contract/async.js';
import type { CopyCheckpoints, Direction, FolderCounts, FolderPairInput, FolderPairRow, ListedMessage, MessageRow, MessageState, OpenBatch } from '../contract/copy.js';
import type { PgDb } from './db.js';
import { FP_COLS, MSG_COLS, toFp, toMsg, type RawFp, type RawMsg } from '../copy-rows.js';

// folder_pairs, messages and append_batches on PostgreSQL: the SQLite store's queries and
// transactions (src/store/sync-store.ts), each transition one unit of work. `durable()` needs
// nothing more: an awaited method has committed, and COMMIT returns once the WAL is flushed.

const now = () => new Date().toISOString();
/** Rows per statement for a listing (bounded parameter size). */
const CHUNK = 2000;


export class PgCopyCheckpoints implements AsyncOf<CopyCheckpoints> {
  constructor(private readonly db: PgDb) {}

  // ---- folder pairs -------------------------------------------------------------------------

  async upsertFolderPair(p: FolderPairInput): Promise<number> {
    return (await this.db.insertId(
        `INSERT INTO folder_pairs (account_id, direction, source_path, destination_path, special_use, state, updated_at,
           source_logical, destination_logical, notes, src_messages_listed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_id, direction, source_path) DO UPDATE SET destination_path = excluded.destination_path,
           special_use = excluded.special_use, state = excluded.state, updated_at = excluded.updated_at,
           source_logical = excluded.source_logical, destination_logical = excluded.destination_logical, notes = excluded.notes,
           src_messages_listed = coalesce(excluded.src_messages_listed, folder_pairs.src_messages_listed) RETURNING id`,
      p.accountId, p.direction, p.sourcePath, p.destinationPath, p.specialUse ?? null, p.state, now(), p.sourceLogical, p.destinationLogical, JSON.stringify(p.notes), p.sourceMessages ?? null));
  }

  async folderPair(id: number): Promise<FolderPairRow> {
    return toFp((await this.db.get(`SELECT ${FP_COLS} FROM folder_pairs WHERE id = ?`, id)) as RawFp);
  }

  async folderPairs(accountId?: number, direction?: Direction): Promise<FolderPairRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (accountId !== undefined) (where.push('account_id = ?'), args.push(accountId));
    if (direction) (where.push('direction = ?'), args.push(direction));
    return ((await this.db.all(`SELECT ${FP_COLS} FROM folder_pairs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id`, ...args)) as RawFp[]).map(toFp);
  }

  /** Folders no longer on the source keep their rows (what was copied stays copied). */
  async markFolderGone(id: number): Promise<void> {
    (await this.db.run(`UPDATE folder_pairs SET state = 'gone', updated_at = ? WHERE id = ?`, now(), id));
  }

  async setSourceWatermark(id: number, w: { uidValidity: bigint; uidNext: number; highestModseq?: bigint; listedUid: number }): Promise<void> {
    (await this.db.run('UPDATE folder_pairs SET src_uidvalidity = ?, src_uidnext = ?, src_highestmodseq = ?, src_listed_uid = ?, updated_at = ? WHERE id = ?', String(w.uidValidity), w.uidNext, w.highestModseq === undefined ? null : String(w.highestModseq), w.listedUid, now(), id));
  }

  /** Whether the destination folder was already indexed for adoption (done once per pair). */
  async adoptChecked(id: number): Promise<boolean> {
    return ((await this.db.get('SELECT adopt_checked AS a FROM folder_pairs WHERE id = ?', id)) as { a: number } | undefined)?.a === 1;
  }

  /**
   * Messages found already in the destination folder: copied, with their destination UIDs,
   * marked adopted; and the pair marked as indexed. One transaction.
   */
  async adopt(fpId: number, dstUidvalidity: bigint, found: { id: number; dstUid: number; messageId?: string; headerHash: string }[]): Promise<void> {
    (await this.db.tx(async () => {
      const t = now();
      for (let i = 0; i < found.length; i += CHUNK) {
        const part = found.slice(i, i + CHUNK);
        await this.db.run(
          `UPDATE messages m SET state = 'copied', adopted = 1, dst_uidvalidity = ?, dst_uid = u.dst_uid, message_id = coalesce(m.message_id, u.message_id),
             header_hash = coalesce(m.header_hash, u.header_hash), last_error = NULL, updated_at = ?
             FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS u(id, dst_uid, message_id, header_hash) WHERE m.id = u.id AND m.state = 'pending'`,
          String(dstUidvalidity), t, part.map((f) => f.id), part.map((f) => f.dstUid), part.map((f) => f.messageId ?? null), part.map((f) => f.headerHash),
        );
      }
      (await this.db.run('UPDATE folder_pairs SET adopt_checked = 1, updated_at = ? WHERE id = ?', t, fpId));
    }));
  }

  async setDestinationState(id: number, uidValidity: bigint, uidNext: number): Promise<void> {
    (await this.db.run('UPDATE folder_pairs SET dst_uidvalidity = ?, dst_uidnext = ?, updated_at = ? WHERE id = ?', String(uidValidity), uidNext, now(), id));
  }

  // ---- messages -----------------------------------------------------------------------------

  /** Records newly listed source messages (idempotent: a UID already known is left alone). */
  async insertListed(fpId: number, srcUidvalidity: bigint, rows: ListedMessage[]): Promise<void> {
    const t = now();
    await this.db.tx(async () => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        const part = rows.slice(i, i + CHUNK);
        await this.db.run(
          `INSERT INTO messages (folder_pair_id, src_uidvalidity, src_uid, message_id, internal_date, size, header_hash,
             flags, state, last_error, dst_uidvalidity, dst_uid, updated_at)
           SELECT ?, ?, u.src_uid, u.message_id, u.internal_date, u.size, u.header_hash, u.flags, u.state, u.last_error, u.dst_uidvalidity, u.dst_uid, ?
             FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])
                  AS u(src_uid, message_id, internal_date, size, header_hash, flags, state, last_error, dst_uidvalidity, dst_uid)
           ON CONFLICT (folder_pair_id, src_uidvalidity, src_uid) DO NOTHING`,
          fpId, String(srcUidvalidity), t,
          part.map((r) => r.uid), part.map((r) => r.messageId ?? null), part.map((r) => r.internalDate?.toISOString() ?? null),
          part.map((r) => r.size), part.map((r) => r.headerHash ?? null), part.map((r) => JSON.stringify(r.flags)),
          part.map((r) => r.state ?? 'pending'), part.map((r) => r.lastError ?? null), part.map((r) => r.dstUidvalidity ?? null), part.map((r) => r.dstUid ?? null),
        );
      }
    });
  }

  async messages(fpId: number, srcUidvalidity: string, states?: MessageState[]): Promise<MessageRow[]> {
    const st = states?.length ? ` AND state IN (${states.map(() => '?').join(',')})` : '';
    return (
      (await this.db.all(`SELECT ${MSG_COLS} FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ?${st} ORDER BY src_uid`, fpId, srcUidvalidity, ...(states ?? []))) as RawMsg[]
    ).map(toMsg);
  }

  /** Rows of other source UIDVALIDITY generations (for re-identification after a change). */
  async messagesNotOf(fpId: number, srcUidvalidity: string): Promise<MessageRow[]> {
    return ((await this.db.all(`SELECT ${MSG_COLS} FROM messages WHERE folder_pair_id = ? AND src_uidvalidity <> ? ORDER BY id`, fpId, srcUidvalidity)) as RawMsg[]).map(toMsg);
  }

  async countOpen(fpId: number, srcUidvalidity: string): Promise<number> {
    return (
      (await this.db.get(`SELECT count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND state IN ('pending','copying')`, fpId, srcUidvalidity)) as { n: number }
    ).n;
  }

  async setMessageState(ids: number[], state: MessageState, reason: string | null): Promise<void> {
    await this.db.run('UPDATE messages SET state = ?, last_error = ?, batch_id = NULL, updated_at = ? WHERE id = ANY(?::bigint[])', state, reason, now(), ids);
  }

  /** A new run tries again what the destination refused last time (skipped stays skipped). */
  async retryFailed(fpId: number): Promise<number> {
    return (await this.db.run(`UPDATE messages SET state = 'pending', batch_id = NULL, updated_at = ? WHERE folder_pair_id = ? AND state = 'failed'`, now(), fpId)).changes;
  }

  /** Old-generation rows proven to be these new source UIDs (same message, new UIDVALIDITY). */
  async rebindSource(pairs: { id: number; uid: number }[], srcUidvalidity: bigint): Promise<void> {
    await this.db.run(
      'UPDATE messages m SET src_uidvalidity = ?, src_uid = u.uid, updated_at = ? FROM unnest(?::bigint[], ?::bigint[]) AS u(id, uid) WHERE m.id = u.id',
      String(srcUidvalidity), now(), pairs.map((p) => p.id), pairs.map((p) => p.uid),
    );
  }

  /** Drops bookkeeping rows of an old source generation that were never copied. */
  async forgetUncopied(fpId: number, srcUidvalidity: string): Promise<void> {
    (await this.db.run(`DELETE FROM messages WHERE folder_pair_id = ? AND src_uidvalidity <> ? AND state NOT IN ('copied','copying')`, fpId, srcUidvalidity));
  }

  /** Destination UIDs already accounted for by copied rows of this pair, at or above `fromUid`. */
  async claimedDestinationUids(fpId: number, dstUidvalidity: string, fromUid: number): Promise<Set<number>> {
    const rows = (await this.db.all(`SELECT dst_uid AS u FROM messages WHERE folder_pair_id = ? AND state = 'copied' AND dst_uidvalidity = ? AND dst_uid >= ?`, fpId, dstUidvalidity, fromUid)) as { u: number }[];
    return new Set(rows.map((r) => r.u));
  }

  /** The pair that copies the other way between the same two folders (forward <-> rollback). */
  async oppositePair(fp: FolderPairRow): Promise<FolderPairRow | undefined> {
    return (await this.folderPairs(fp.accountId, fp.direction === 'forward' ? 'reverse' : 'forward')).find(
      (p) => p.sourcePath === fp.destinationPath && p.destinationPath === fp.sourcePath,
    );
  }

  /**
   * Messages of this pair's source folder that the opposite direction put there (a rollback's
   * reverse copy, or a forward copy seen by a reverse run), by the UIDs its APPENDUID returned:
   * UID here -> the message it is a copy of, in the folder this pair copies to. Only when the
   * opposite pair joins the same two folders.
   */
  async oppositeCopies(fp: FolderPairRow, uidValidity: bigint, fromUid: number): Promise<Map<number, { uid: number; uidValidity: string }>> {
    const opposite = await this.oppositePair(fp);
    if (!opposite) return new Map();
    const rows = (await this.db.all(
        `SELECT dst_uid AS here, src_uid AS there, src_uidvalidity AS thereUv FROM messages
         WHERE folder_pair_id = ? AND state = 'copied' AND dst_uidvalidity = ? AND dst_uid >= ?`,
      opposite.id, String(uidValidity), fromUid)) as { here: number; there: number; thereUv: string }[];
    return new Map(rows.map((r) => [r.here, { uid: r.there, uidValidity: r.thereUv }]));
  }

  /** Copied rows re-found on the destination (after a destination UIDVALIDITY change). */
  async rebindDestination(pairs: { id: number; dstUid: number }[], dstUidvalidity: bigint): Promise<void> {
    await this.db.run(
      'UPDATE messages m SET dst_uidvalidity = ?, dst_uid = u.dst_uid, updated_at = ? FROM unnest(?::bigint[], ?::bigint[]) AS u(id, dst_uid) WHERE m.id = u.id',
      String(dstUidvalidity), now(), pairs.map((p) => p.id), pairs.map((p) => p.dstUid),
    );
  }

  // ---- batches (the exactly-once checkpoint) ------------------------------------------------

  /**
   * The intent, committed before the APPEND is sent: the batch with the destination folder's
   * UIDVALIDITY and UIDNEXT, and every message 'copying' with its identity.
   */
  async beginBatch(fpId: number, dst: { uidValidity?: bigint; uidNext?: number }, msgs: { id: number; messageId?: string; headerHash: string; flags: string[] }[]): Promise<number> {
    return (await this.db.tx(async () => {
      const t = now();
      const id = await this.db.insertId(
        `INSERT INTO append_batches (folder_pair_id, dst_uidvalidity, dst_uidnext_before, state, created_at, messages) VALUES (?, ?, ?, 'sent', ?, ?) RETURNING id`,
        fpId, dst.uidValidity === undefined ? null : String(dst.uidValidity), dst.uidNext ?? null, t, msgs.length,
      );
      // One statement for the whole batch (the copier's hot path): a round trip per message
      // would cost more than the APPEND itself.
      await this.db.run(
        `UPDATE messages m SET state = 'copying', batch_id = ?, message_id = u.message_id, header_hash = u.header_hash, flags = u.flags,
           attempts = m.attempts + 1, updated_at = ?
           FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS u(id, message_id, header_hash, flags) WHERE m.id = u.id`,
        id, t, msgs.map((m) => m.id), msgs.map((m) => m.messageId ?? null), msgs.map((m) => m.headerHash), msgs.map((m) => JSON.stringify(m.flags)),
      );
      return id;
    }));
  }

  /**
   * Nothing to wait for: beginBatch resolved after its COMMIT, which PostgreSQL returns once
   * the WAL is flushed (synchronous_commit on, the default; a server set to off would weaken it).
   */
  async durable(): Promise<void> {}

  /** After the tagged OK: destination UIDs (when the server sent APPENDUID) and 'copied'. */
  async finishBatch(batchId: number, dstUidvalidity: bigint | undefined, results: { id: number; dstUid?: number; droppedFlags?: string[]; reason?: string }[]): Promise<void> {
    (await this.db.tx(async () => {
      const t = now();
      await this.db.run(
        `UPDATE messages m SET state = 'copied', dst_uidvalidity = ?, dst_uid = u.dst_uid, dropped_flags = u.dropped, last_error = u.reason, updated_at = ?
           FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS u(id, dst_uid, dropped, reason) WHERE m.id = u.id`,
        dstUidvalidity === undefined ? null : String(dstUidvalidity), t,
        results.map((r) => r.id), results.map((r) => r.dstUid ?? null), results.map((r) => (r.droppedFlags?.length ? JSON.stringify(r.droppedFlags) : null)), results.map((r) => r.reason ?? null),
      );
      (await this.db.run(`UPDATE append_batches SET state = 'done', finished_at = ? WHERE id = ?`, t, batchId));
    }));
  }

  /** The server refused the whole command (nothing was stored): its messages are free again. */
  async failBatch(batchId: number, error: string, next: { state: MessageState; reason: string | null } = { state: 'pending', reason: null }): Promise<void> {
    (await this.db.tx(async () => {
      const t = now();
      (await this.db.run(`UPDATE messages SET state = ?, last_error = ?, batch_id = NULL, updated_at = ? WHERE batch_id = ? AND state = 'copying'`, next.state, next.reason, t, batchId));
      (await this.db.run(`UPDATE append_batches SET state = 'failed', finished_at = ?, error = ? WHERE id = ?`, t, error, batchId));
    }));
  }

  /** Batches sent but never confirmed (a crash or a dropped connection): reconcile before retrying. */
  async openBatches(fpId: number): Promise<OpenBatch[]> {
    const batches = (await this.db.all(`SELECT id, dst_uidvalidity AS dstUidvalidity, dst_uidnext_before AS dstUidnextBefore FROM append_batches WHERE folder_pair_id = ? AND state = 'sent' ORDER BY id`, fpId)) as Omit<OpenBatch, 'messages'>[];
    const msgs = this.db.stmt(`SELECT ${MSG_COLS} FROM messages WHERE batch_id = ? AND state = 'copying' ORDER BY id`);
    const out: OpenBatch[] = [];
    for (const b of batches) out.push({ ...b, messages: ((await msgs.all(b.id)) as RawMsg[]).map(toMsg) });
    return out;
  }

  /** Reconciliation outcome of one open batch, in one transaction. */
  async resolveBatch(batchId: number, dstUidvalidity: bigint | undefined, found: { id: number; dstUid: number }[], missing: number[]): Promise<void> {
    (await this.db.tx(async () => {
      const t = now();
      await this.db.run(
        `UPDATE messages m SET state = 'copied', dst_uidvalidity = ?, dst_uid = u.dst_uid, last_error = NULL, updated_at = ?
           FROM unnest(?::bigint[], ?::bigint[]) AS u(id, dst_uid) WHERE m.id = u.id`,
        dstUidvalidity === undefined ? null : String(dstUidvalidity), t, found.map((f) => f.id), found.map((f) => f.dstUid),
      );
      await this.db.run(`UPDATE messages SET state = 'pending', batch_id = NULL, updated_at = ? WHERE id = ANY(?::bigint[])`, t, missing);
      (await this.db.run(`UPDATE append_batches SET state = ?, finished_at = ?, error = ? WHERE id = ?`, found.length ? 'done' : 'failed', t, `reconciled: ${found.length} found on the destination, ${missing.length} to copy again`, batchId));
    }));
  }

  // ---- reporting ----------------------------------------------------------------------------

  async folderCounts(fpId: number): Promise<FolderCounts> {
    const fp = (await this.db.get('SELECT src_uidvalidity AS uv FROM folder_pairs WHERE id = ?', fpId)) as { uv: string | null } | undefined;
    const uv = fp?.uv ?? '';
    const rows = (await this.db.all(`SELECT state, count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? GROUP BY state`, fpId, uv)) as { state: MessageState; n: number }[];
    const by = Object.fromEntries(rows.map((r) => [r.state, r.n])) as Partial<Record<MessageState, number>>;
    const reasons = (await this.db.all(
        `SELECT state, coalesce(last_error, 'no reason recorded') AS reason, count(*) AS count FROM messages
         WHERE folder_pair_id = ? AND src_uidvalidity = ? AND (state IN ('skipped','failed') OR (state = 'copied' AND last_error IS NOT NULL))
         GROUP BY state, reason ORDER BY count DESC`,
      fpId, uv)) as FolderCounts['reasons'];
    return {
      found: rows.filter((r) => r.state !== 'gone').reduce((a, r) => a + r.n, 0),
      copied: by.copied ?? 0,
      pending: (by.pending ?? 0) + (by.copying ?? 0),
      skipped: by.skipped ?? 0,
      failed: by.failed ?? 0,
      adopted: ((await this.db.get(`SELECT count(*) AS n FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND state = 'copied' AND adopted = 1`, fpId, uv)) as { n: number }).n,
      copiedWithReason: reasons.filter((r) => r.state === 'copied').reduce((n, r) => n + r.count, 0),
      reasons,
    };
  }

  /** Job-wide: what a crash or a dropped connection left in flight (0 and 0 after a clean stop). */
  async inFlight(): Promise<{ copying: number; openBatches: number }> {
    const copying = ((await this.db.get(`SELECT count(*) AS n FROM messages WHERE state = 'copying'`)) as { n: number }).n;
    const openBatches = ((await this.db.get(`SELECT count(*) AS n FROM append_batches WHERE state = 'sent'`)) as { n: number }).n;
    return { copying, openBatches };
  }

  /** Job-wide, one direction: messages copied, and of them those with no destination UID recorded. */
  async copiedTotals(direction: Direction = 'forward'): Promise<{ copied: number; withoutDstUid: number }> {
    const r = (await this.db.get(
      `SELECT count(*) AS n, coalesce(sum(CASE WHEN m.dst_uid IS NULL THEN 1 ELSE 0 END), 0) AS missing FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id
       WHERE m.state = 'copied' AND fp.direction = ?`,
    direction)) as { n: number; missing: number };
    return { copied: r.n, withoutDstUid: r.missing };
  }

  /** Job-wide: message rows per state (cutover's sync-parity check). */
  async messageStates(): Promise<Record<string, number>> {
    const rows = (await this.db.all('SELECT state, COUNT(*) AS n FROM messages GROUP BY state')) as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages (the throttle's memory). */
  async recentAppends(direction: Direction, sinceIso: string): Promise<{ at: number; n: number }[]> {
    const rows = (await this.db.all(
      `SELECT COALESCE(b.finished_at, b.created_at) AS at, b.messages AS n FROM append_batches b
       JOIN folder_pairs f ON f.id = b.folder_pair_id
       WHERE f.direction = ? AND b.state IN ('done', 'sent') AND COALESCE(b.finished_at, b.created_at) >= ?
       ORDER BY b.id`,
    direction, sinceIso)) as { at: string; n: number }[];
    return rows.map((r) => ({ at: Date.parse(r.at), n: r.n }));
  }

  /**
   * Per active forward pair, in (account id, source path) order: its account, logical paths and
   * how many messages were copied / not copied / listed at all (the training kit's sheets).
   */
  async forwardFolderTotals(): Promise<{ accountId: number; sourcePath: string; destinationPath: string; specialUse: string | null; copied: number; notCopied: number; total: number }[]> {
    return (await this.db.all(
      `SELECT f.account_id AS accountId, COALESCE(f.source_logical, f.source_path) AS sourcePath,
              COALESCE(f.destination_logical, f.destination_path) AS destinationPath, f.special_use AS specialUse,
              COALESCE(SUM(CASE WHEN m.state = 'copied' THEN 1 ELSE 0 END), 0) AS copied,
              COALESCE(SUM(CASE WHEN m.state IN ('skipped', 'failed') THEN 1 ELSE 0 END), 0) AS notCopied,
              COUNT(m.id) AS total
         FROM folder_pairs f LEFT JOIN messages m ON m.folder_pair_id = f.id
        WHERE f.state = 'active' AND f.direction = 'forward'
        GROUP BY f.id ORDER BY f.account_id, "sourcePath"`,
    )) as ReturnType<CopyCheckpoints['forwardFolderTotals']>;
  }

  /** Messages whose flags the destination would not take: source UID and the flags. */
  async droppedFlags(fpId: number): Promise<{ srcUid: number; flags: string[] }[]> {
    return ((await this.db.all('SELECT src_uid AS srcUid, dropped_flags AS f FROM messages WHERE folder_pair_id = ? AND dropped_flags IS NOT NULL', fpId)) as { srcUid: number; f: string }[]).map(
      (r) => ({ srcUid: r.srcUid, flags: JSON.parse(r.f) as string[] }),
    );
  }
}
