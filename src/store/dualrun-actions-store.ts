import { sqliteOf } from './sqlite-handle.js';
import type { DualRunActions } from './contract/dualrun.js';
import type Database from 'better-sqlite3';
import type { Store } from './store.js';

// Destination actions of the dual-run (0009 dualrun_actions): moves between folders and source
// expunges carried to the destination. Each one is an intent written before the IMAP command and
// finished after it, in one transaction with the message row it changes.

const now = () => new Date().toISOString();

export type ActionKind = 'move' | 'trash' | 'expunge';
export type ActionMethod = 'move' | 'copy-expunge' | 'copy-mark' | 'mark' | 'expunge';

export interface ActionRow {
  id: number;
  kind: ActionKind;
  messageRowId: number;
  fromPairId: number;
  fromDstPath: string;
  fromDstUidvalidity: string;
  fromDstUid: number;
  toPairId: number | null;
  toSrcUidvalidity: string | null;
  toSrcUid: number | null;
  toDstPath: string | null;
  toDstUidvalidity: string | null;
  toDstUidnext: number | null;
  method: ActionMethod | null;
  state: 'intent' | 'done' | 'abandoned' | 'declined';
  toDstUid: number | null;
  note: string | null;
}

/** A copied message with what identifies it, as the move step matches it. */
export interface LiveRow {
  id: number;
  folderPairId: number;
  srcUid: number;
  messageId: string | null;
  internalDate: string | null;
  headerHash: string | null;
  size: number;
  flags: string[];
  droppedFlags: string[];
  dstUidvalidity: string | null;
  dstUid: number | null;
}

const COLS = `id, kind, message_row_id AS messageRowId, from_pair_id AS fromPairId, from_dst_path AS fromDstPath,
  from_dst_uidvalidity AS fromDstUidvalidity, from_dst_uid AS fromDstUid, to_pair_id AS toPairId,
  to_src_uidvalidity AS toSrcUidvalidity, to_src_uid AS toSrcUid, to_dst_path AS toDstPath,
  to_dst_uidvalidity AS toDstUidvalidity, to_dst_uidnext AS toDstUidnext, method, state, to_dst_uid AS toDstUid, note`;

export class DualRunActionsStore implements DualRunActions {
  private readonly db: Database.Database;
  readonly #store: Store;
  constructor(store: Store) {
    this.db = sqliteOf(store);
    this.#store = store;
  }

  /** The intent on disk before the IMAP command goes out. */
  async durable(): Promise<void> {
    await this.#store.syncToDisk();
  }

  /** Copied rows of a folder pair not yet seen deleted on the source, with their identity. */
  liveRows(fpId: number, srcUidvalidity: string): LiveRow[] {
    const rows = this.db
      .prepare(
        `SELECT m.id, m.folder_pair_id AS folderPairId, m.src_uid AS srcUid, m.message_id AS messageId, m.internal_date AS internalDate,
           m.header_hash AS headerHash, m.size, m.flags, m.dropped_flags AS dropped, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid
         FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state = 'copied' AND d.message_row_id IS NULL ORDER BY m.src_uid`,
      )
      .all(fpId, srcUidvalidity) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null })[];
    return rows.map(({ dropped, flags, ...r }) => ({ ...r, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] }));
  }

  /** Source-deleted copied rows of these pairs that no trash/expunge action has handled yet. */
  deletedWithoutAction(pairIds: number[]): LiveRow[] {
    if (!pairIds.length) return [];
    const rows = this.db
      .prepare(
        `SELECT m.id, m.folder_pair_id AS folderPairId, m.src_uid AS srcUid, m.message_id AS messageId, m.internal_date AS internalDate,
           m.header_hash AS headerHash, m.size, m.flags, m.dropped_flags AS dropped, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid
         FROM messages m JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id IN (${pairIds.map(() => '?').join(',')}) AND m.state = 'copied' AND m.dst_uid IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM dualrun_actions a WHERE a.message_row_id = m.id AND a.kind IN ('trash','expunge') AND a.state IN ('done','declined','intent'))
         ORDER BY m.id`,
      )
      .all(...pairIds) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null })[];
    return rows.map(({ dropped, flags, ...r }) => ({ ...r, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] }));
  }

  /** Pending (not yet copied) rows of a pair: a move the sync listed before the move step saw it. */
  pendingRows(fpId: number): { id: number; srcUid: number; srcUidvalidity: string }[] {
    return this.db
      .prepare(`SELECT id, src_uid AS srcUid, src_uidvalidity AS srcUidvalidity FROM messages WHERE folder_pair_id = ? AND state IN ('pending','copying') AND batch_id IS NULL`)
      .all(fpId) as { id: number; srcUid: number; srcUidvalidity: string }[];
  }

  /** One message row with its identity (any state), for reconciling an action. */
  row(rowId: number): LiveRow | undefined {
    const r = this.db
      .prepare(
        `SELECT id, folder_pair_id AS folderPairId, src_uid AS srcUid, message_id AS messageId, internal_date AS internalDate, header_hash AS headerHash,
           size, flags, dropped_flags AS dropped, dst_uidvalidity AS dstUidvalidity, dst_uid AS dstUid FROM messages WHERE id = ?`,
      )
      .get(rowId) as (Omit<LiveRow, 'flags' | 'droppedFlags'> & { flags: string; dropped: string | null }) | undefined;
    if (!r) return undefined;
    const { dropped, flags, ...rest } = r;
    return { ...rest, flags: JSON.parse(flags) as string[], droppedFlags: dropped ? (JSON.parse(dropped) as string[]) : [] };
  }

  keptRow(rowId: number): boolean {
    return this.db.prepare('SELECT 1 FROM dualrun_kept WHERE message_row_id = ?').get(rowId) !== undefined;
  }

  open(pairIds: number[]): ActionRow[] {
    if (!pairIds.length) return [];
    return this.db
      .prepare(`SELECT ${COLS} FROM dualrun_actions WHERE state = 'intent' AND from_pair_id IN (${pairIds.map(() => '?').join(',')}) ORDER BY id`)
      .all(...pairIds) as ActionRow[];
  }

  /** The intent, durable before the command is sent. */
  begin(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note'> & { runId?: number }): number {
    const r = this.db
      .prepare(
        `INSERT INTO dualrun_actions (kind, message_row_id, from_pair_id, from_dst_path, from_dst_uidvalidity, from_dst_uid, to_pair_id,
           to_src_uidvalidity, to_src_uid, to_dst_path, to_dst_uidvalidity, to_dst_uidnext, method, state, pass_run_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intent', ?, ?)`,
      )
      .run(a.kind, a.messageRowId, a.fromPairId, a.fromDstPath, a.fromDstUidvalidity, a.fromDstUid, a.toPairId, a.toSrcUidvalidity, a.toSrcUid, a.toDstPath,
        a.toDstUidvalidity, a.toDstUidnext, a.method, a.runId ?? null, now());
    return Number(r.lastInsertRowid);
  }

  /**
   * A move applied: the message row now stands for the source message in its new folder and
   * its copy in the new destination folder. A row the sync listed for the same source UID
   * before it could be matched (never copied) is dropped, so nothing is copied twice.
   */
  finishMove(actionId: number, a: ActionRow, toDstUid: number | null, method: ActionMethod): void {
    const t = now();
    this.db.transaction(() => {
      this.db
        .prepare(`DELETE FROM messages WHERE folder_pair_id = ? AND src_uidvalidity = ? AND src_uid = ? AND id <> ? AND state IN ('pending','copying','failed')`)
        .run(a.toPairId, a.toSrcUidvalidity, a.toSrcUid, a.messageRowId);
      this.db
        .prepare(`UPDATE messages SET folder_pair_id = ?, src_uidvalidity = ?, src_uid = ?, dst_uidvalidity = ?, dst_uid = ?, updated_at = ? WHERE id = ?`)
        .run(a.toPairId, a.toSrcUidvalidity, a.toSrcUid, toDstUid === null ? null : a.toDstUidvalidity, toDstUid, t, a.messageRowId);
      this.db.prepare('UPDATE dualrun_kept SET folder_pair_id = ? WHERE message_row_id = ?').run(a.toPairId, a.messageRowId);
      this.db.prepare(`UPDATE dualrun_actions SET state = 'done', method = ?, to_dst_uid = ?, finished_at = ? WHERE id = ?`).run(method, toDstUid, t, actionId);
    })();
  }

  /** A source expunge carried to the destination (trash: the copy's new place in Trash). */
  finishDeletion(actionId: number, method: ActionMethod, toDstUid: number | null): void {
    this.db.prepare(`UPDATE dualrun_actions SET state = 'done', method = ?, to_dst_uid = ?, finished_at = ? WHERE id = ?`).run(method, toDstUid, now(), actionId);
  }

  close(actionId: number, state: 'abandoned' | 'declined', note: string): void {
    this.db.prepare(`UPDATE dualrun_actions SET state = ?, note = ?, finished_at = ? WHERE id = ?`).run(state, note, now(), actionId);
  }

  /** Records a deletion not carried (the user changed the copy): so it is not looked at again. */
  decline(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note' | 'toPairId' | 'toSrcUidvalidity' | 'toSrcUid' | 'toDstPath' | 'toDstUidvalidity' | 'toDstUidnext' | 'method'>, note: string): void {
    this.db
      .prepare(
        `INSERT INTO dualrun_actions (kind, message_row_id, from_pair_id, from_dst_path, from_dst_uidvalidity, from_dst_uid, state, note, created_at, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, 'declined', ?, ?, ?)`,
      )
      .run(a.kind, a.messageRowId, a.fromPairId, a.fromDstPath, a.fromDstUidvalidity, a.fromDstUid, note, now(), now());
  }

  /** Every action by kind and state (what a kill left behind, for tests and `store check`-like reads). */
  tally(): { kind: ActionRow['kind']; state: string; n: number }[] {
    return this.db.prepare(`SELECT kind, state, count(*) AS n FROM dualrun_actions GROUP BY kind, state ORDER BY kind, state`).all() as {
      kind: ActionRow['kind'];
      state: string;
      n: number;
    }[];
  }

  /** The same, split by the method used (UID MOVE, COPY + EXPUNGE, COPY + \\Deleted …). */
  tallyByMethod(): { kind: ActionRow['kind']; method: ActionMethod | null; state: string; n: number }[] {
    return this.db.prepare(`SELECT kind, method, state, count(*) AS n FROM dualrun_actions GROUP BY kind, method, state ORDER BY kind, method, state`).all() as {
      kind: ActionRow['kind'];
      method: ActionMethod | null;
      state: string;
      n: number;
    }[];
  }

  counts(): { moved: number; trashed: number; expunged: number; declined: number } {
    const r = this.db
      .prepare(
        `SELECT sum(kind = 'move' AND state = 'done') AS moved, sum(kind = 'trash' AND state = 'done') AS trashed,
           sum(kind = 'expunge' AND state = 'done') AS expunged, sum(state = 'declined') AS declined FROM dualrun_actions`,
      )
      .get() as Record<string, number | null>;
    return { moved: r.moved ?? 0, trashed: r.trashed ?? 0, expunged: r.expunged ?? 0, declined: r.declined ?? 0 };
  }
}
