import type { AsyncOf } from '../contract/async.js';
import type { ActionMethod, ActionRow, DualRunActions, LiveRow } from '../contract/dualrun.js';
import type { PgDb } from './db.js';

// dualrun_actions (0009) on PostgreSQL: each move or expunge an intent written before the IMAP
// command and finished after it, in one unit of work with the message row it changes (the
// SQLite store's queries, src/store/dualrun-actions-store.ts).

const now = () => new Date().toISOString();

const COLS = `id, kind, message_row_id AS messageRowId, from_pair_id AS fromPairId, from_dst_path AS fromDstPath,
  from_dst_uidvalidity AS fromDstUidvalidity, from_dst_uid AS fromDstUid, to_pair_id AS toPairId,
  to_src_uidvalidity AS toSrcUidvalidity, to_src_uid AS toSrcUid, to_dst_path AS toDstPath,
  to_dst_uidvalidity AS toDstUidvalidity, to_dst_uidnext AS toDstUidnext, method, state, to_dst_uid AS toDstUid, note`;

export class PgDualRunActions implements AsyncOf<DualRunActions> {
  constructor(private readonly db: PgDb) {}

  /** The intent is durable once its method has resolved: COMMIT returned. */
  async durable(): Promise<void> {}

  /** Copied rows of a folder pair not yet seen deleted on the source, with their identity. */
  async liveRows(fpId: number, srcUidvalidity: string): Promise<LiveRow[]> {
    const rows = (await this.db.all(
        `SELECT m.id, m.folder_pair_id AS folderPairId, m.src_uid AS srcUid, m.message_id AS messageId, m.internal_date AS internalDate,
           m.header_hash AS headerHash, m.size, m.flags, m.dropped_flags AS dropped, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid
         FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state = 'copied' AND d.message_row_id IS NULL ORDER BY m.src_uid`,
      fpId, srcUidvalidity)) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null })[];
    return rows.map(({ dropped, flags, ...r }) => ({ ...r, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] }));
  }

  /** Source-deleted copied rows of these pairs that no trash/expunge action has handled yet. */
  async deletedWithoutAction(pairIds: number[]): Promise<LiveRow[]> {
    if (!pairIds.length) return [];
    const rows = (await this.db.all(
        `SELECT m.id, m.folder_pair_id AS folderPairId, m.src_uid AS srcUid, m.message_id AS messageId, m.internal_date AS internalDate,
           m.header_hash AS headerHash, m.size, m.flags, m.dropped_flags AS dropped, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid
         FROM messages m JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id IN (${pairIds.map(() => '?').join(',')}) AND m.state = 'copied' AND m.dst_uid IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM dualrun_actions a WHERE a.message_row_id = m.id AND a.kind IN ('trash','expunge') AND a.state IN ('done','declined','intent'))
         ORDER BY m.id`,
      ...pairIds)) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null })[];
    return rows.map(({ dropped, flags, ...r }) => ({ ...r, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] }));
  }

  /** Pending (not yet copied) rows of a pair: a move the sync listed before the move step saw it. */
  async pendingRows(fpId: number): Promise<{ id: number; srcUid: number; srcUidvalidity: string }[]> {
    return (await this.db.all(`SELECT id, src_uid AS srcUid, src_uidvalidity AS srcUidvalidity FROM messages WHERE folder_pair_id = ? AND state IN ('pending','copying') AND batch_id IS NULL`, fpId)) as { id: number; srcUid: number; srcUidvalidity: string }[];
  }

  /** One message row with its identity (any state), for reconciling an action. */
  async row(rowId: number): Promise<LiveRow | undefined> {
    const r = (await this.db.get(
        `SELECT id, folder_pair_id AS folderPairId, src_uid AS srcUid, message_id AS messageId, internal_date AS internalDate, header_hash AS headerHash,
           size, flags, dropped_flags AS dropped, dst_uidvalidity AS dstUidvalidity, dst_uid AS dstUid FROM messages WHERE id = ?`,
      rowId)) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null }) | undefined;
    if (!r) return undefined;
    const { dropped, flags, ...rest } = r;
    return { ...rest, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] };
  }

  async keptRow(rowId: number): Promise<boolean> {
    return (await this.db.get('SELECT 1 FROM dualrun_kept WHERE message_row_id = ?', rowId)) !== undefined;
  }

  async open(pairIds: number[]): Promise<ActionRow[]> {
    if (!pairIds.length) return [];
    return (await this.db.all(`SELECT ${COLS} FROM dualrun_actions WHERE state = 'intent' AND from_pair_id IN (${pairIds.map(() => '?').join(',')}) ORDER BY id`, ...pairIds)) as ActionRow[];
  }

  /** The intent, durable before the command is sent. */
  async begin(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note'> & { runId?: number }): Promise<number> {
    return this.db.insertId(
        `INSERT INTO dualrun_actions (kind, message_row_id, from_pair_id, from_dst_path, from_dst_uidvalidity, from_dst_uid, to_pair_id,
           to_src_uidvalidity, to_src_uid, to_dst_path, to_dst_uidvalidity, to_dst_uidnext, method, state, pass_run_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?) RETURNING id`,
      a.kind, a.messageRowId, a.fromPairId, a.fromDstPath, a.fromDstUidvalidity, a.fromDstUid, a.toPairId, a.toSrcUidvalidity, a.toSrcUid, a.toDstPath,
        a.toDstUidvalidity, a.toDstUidnext, a.method, a.runId ?? null, now());
  }

  /**
   * A move applied: the message row now stands for the source message in its new folder and
   * its copy in the new destination folder. A row the sync listed for the same source UID
   * before it could be matched (never copied) is dropped, so nothing is copied twice.
   */
  async finishMove(actionId: number, a: ActionRow, toDstUid: number | null, method: ActionMethod): Promise<void> {
    const t = now();
    (await this.db.tx(async () => {
      (await this.db.run(`DELETE FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND src_uid = ? AND id <> ? AND state IN ('pending','copying','failed')`, a.toPairId, a.toSrcUidvalidity, a.toSrcUid, a.messageRowId));
      (await this.db.run(`UPDATE messages SET folder_pair_id = ?, src_uidvalidity = ?, src_uid = ?, dst_uidvalidity = ?, dst_uid = ?, updated_at = ? WHERE id = ?`, a.toPairId, a.toSrcUidvalidity, a.toSrcUid, toDstUid === null ? null : a.toDstUidvalidity, toDstUid, t, a.messageRowId));
      (await this.db.run('UPDATE dualrun_kept SET folder_pair_id = ? WHERE message_row_id = ?', a.toPairId, a.messageRowId));
      (await this.db.run(`UPDATE dualrun_actions SET state = 'done', method = ?, to_dst_uid = ?, finished_at = ? WHERE id = ?`, method, toDstUid, t, actionId));
    }));
  }

  /** A source expunge carried to the destination (trash: the copy's new place in Trash). */
  async finishDeletion(actionId: number, method: ActionMethod, toDstUid: number | null): Promise<void> {
    (await this.db.run(`UPDATE dualrun_actions SET state = 'done', method = ?, to_dst_uid = ?, finished_at = ? WHERE id = ?`, method, toDstUid, now(), actionId));
  }

  async close(actionId: number, state: 'abandoned' | 'declined', note: string): Promise<void> {
    (await this.db.run(`UPDATE dualrun_actions SET state = ?, note = ?, finished_at = ? WHERE id = ?`, state, note, now(), actionId));
  }

  /** Records a deletion not carried (the user changed the copy): so it is not looked at again. */
  async decline(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note' | 'toPairId' | 'toSrcUidvalidity' | 'toSrcUid' | 'toDstPath' | 'toDstUidvalidity' | 'toDstUidnext' | 'method'>, note: string): Promise<void> {
    (await this.db.run(
        `INSERT INTO dualrun_actions (kind, message_row_id, from_pair_id, from_dst_path, from_dst_uidvalidity, from_dst_uid, state, note, created_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, 'declined', ?, ?, ?)`,
      a.kind, a.messageRowId, a.fromPairId, a.fromDstPath, a.fromDstUidvalidity, a.fromDstUid, note, now(), now()));
  }

  /** Every action by kind and state (what a kill left behind, for tests and `store check`-like reads). */
  async tally(): Promise<{ kind: ActionRow['kind']; state: string; n: number }[]> {
    return (await this.db.all(`SELECT kind, state, count(*) AS n FROM dualrun_actions GROUP BY kind, state ORDER BY kind, state`)) as {
      kind: ActionRow['kind'];
      state: string;
      n: number;
    }[];
  }

  /** The same, split by the method used (UID MOVE, COPY + EXPUNGE, COPY + \\Deleted …). */
  async tallyByMethod(): Promise<{ kind: ActionRow['kind']; method: ActionMethod | null; state: string; n: number }[]> {
    return (await this.db.all(`SELECT kind, method, state, count(*) AS n FROM dualrun_actions GROUP BY kind, method, state ORDER BY kind, method NULLS FIRST, state`)) as {
      kind: ActionRow['kind'];
      method: ActionMethod | null;
      state: string;
      n: number;
    }[];
  }

  async counts(): Promise<{ moved: number; trashed: number; expunged: number; declined: number }> {
    const r = (await this.db.get(
        `SELECT count(*) FILTER (WHERE kind = 'move' AND state = 'done') AS moved, count(*) FILTER (WHERE kind = 'trash' AND state = 'done') AS trashed,
           count(*) FILTER (WHERE kind = 'expunge' AND state = 'done') AS expunged, count(*) FILTER (WHERE state = 'declined') AS declined FROM dualrun_actions`,
      )) as Record<string, number | null>;
    return { moved: r.moved ?? 0, trashed: r.trashed ?? 0, expunged: r.expunged ?? 0, declined: r.declined ?? 0 };
  }
}
