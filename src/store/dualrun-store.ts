import { sqliteOf } from './sqlite-handle.js';
import type { DualRunState } from './contract/dualrun.js';
import type Database from 'better-sqlite3';
import type { Store } from './store.js';

// The dual-run phase's tables (0006) and the few writes it makes to the sync's tables: the flags
// last written to a destination copy (messages.flags / dropped_flags) and the source folder's
// HIGHESTMODSEQ (folder_pairs.src_highestmodseq).

const now = () => new Date().toISOString();

export interface PassRecord {
  pass: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  syncSeconds: number;
  copied: number;
  newFolders: number;
  flagsApplied: number;
  destinationKept: number;
  sourceDeleted: number;
  /** Messages moved on the destination because they moved between source folders. */
  moved: number;
  /** Copied messages seen expunged on the source in this pass (sourceDeleted included). */
  expunged: number;
  /** Source expunges carried to the destination (dualRun.deletes trash|propagate). */
  deletesApplied: number;
  complete: boolean;
  errors: string[];
}

export interface StoredPass extends PassRecord {
  id: number;
  runId: number;
}

export interface FlagWatermark {
  srcUidvalidity: string;
  flagsModseq: string | null;
  srcExists: number;
  srcUidnext: number;
}

/** A copied message as the flag pass needs it: where its copy is and what was written there. */
export interface CopiedRow {
  id: number;
  srcUid: number;
  /** Source flags when mailshift last wrote the destination copy. */
  flags: string[];
  /** Those of `flags` the destination would not take. */
  droppedFlags: string[];
  dstUidvalidity: string | null;
  dstUid: number | null;
}

type RawCopied = { id: number; srcUid: number; flags: string; dropped: string | null; dstUidvalidity: string | null; dstUid: number | null };
const toCopied = (r: RawCopied): CopiedRow => ({
  id: r.id,
  srcUid: r.srcUid,
  flags: JSON.parse(r.flags) as string[],
  droppedFlags: r.dropped ? (JSON.parse(r.dropped) as string[]) : [],
  dstUidvalidity: r.dstUidvalidity,
  dstUid: r.dstUid,
});

export class DualRunStore implements DualRunState {
  private readonly db: Database.Database;
  // The flag pass looks up one row per changed message: prepare those statements once.
  readonly #stmts = new Map<string, Database.Statement>();
  constructor(store: Store) {
    this.db = sqliteOf(store);
  }

  #st(sql: string): Database.Statement {
    let st = this.#stmts.get(sql);
    if (!st) this.#stmts.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  // ---- passes -------------------------------------------------------------------------------

  addPass(runId: number, p: PassRecord): void {
    this.db
      .prepare(
        `INSERT INTO dualrun_passes (run_id, pass, started_at, finished_at, seconds, sync_seconds, copied, new_folders, flags_applied,
           destination_kept, source_deleted, complete, errors, moved, expunged, deletes_applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, p.pass, p.startedAt, p.finishedAt, p.seconds, p.syncSeconds, p.copied, p.newFolders, p.flagsApplied, p.destinationKept, p.sourceDeleted, p.complete ? 1 : 0, JSON.stringify(p.errors),
        p.moved, p.expunged, p.deletesApplied);
  }

  /** Passes of one invocation, or of every invocation (oldest first). */
  passes(runId?: number): StoredPass[] {
    const rows = this.db
      .prepare(
        `SELECT id, run_id AS runId, pass, started_at AS startedAt, finished_at AS finishedAt, seconds, sync_seconds AS syncSeconds, copied,
           new_folders AS newFolders, flags_applied AS flagsApplied, destination_kept AS destinationKept, source_deleted AS sourceDeleted,
           moved, expunged, deletes_applied AS deletesApplied, complete, errors FROM dualrun_passes ${runId === undefined ? '' : 'WHERE run_id = ?'} ORDER BY id`,
      )
      .all(...(runId === undefined ? [] : [runId])) as (Omit<StoredPass, 'complete' | 'errors'> & { complete: number; errors: string })[];
    return rows.map((r) => ({ ...r, complete: r.complete === 1, errors: JSON.parse(r.errors) as string[] }));
  }

  // ---- flag watermarks ----------------------------------------------------------------------

  watermark(fpId: number): FlagWatermark | undefined {
    return this.db
      .prepare(`SELECT src_uidvalidity AS srcUidvalidity, flags_modseq AS flagsModseq, src_exists AS srcExists, src_uidnext AS srcUidnext FROM dualrun_folders WHERE folder_pair_id = ?`)
      .get(fpId) as FlagWatermark | undefined;
  }

  /** After a folder's flag pass: our watermark, and the pair's src_highestmodseq for everyone else. */
  setWatermark(fpId: number, w: { uidValidity: bigint; modseq?: bigint; exists: number; uidNext: number }): void {
    const t = now();
    const modseq = w.modseq === undefined ? null : String(w.modseq);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO dualrun_folders (folder_pair_id, src_uidvalidity, flags_modseq, src_exists, src_uidnext, checked_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (folder_pair_id) DO UPDATE SET src_uidvalidity = excluded.src_uidvalidity, flags_modseq = excluded.flags_modseq,
             src_exists = excluded.src_exists, src_uidnext = excluded.src_uidnext, checked_at = excluded.checked_at`,
        )
        .run(fpId, String(w.uidValidity), modseq, w.exists, w.uidNext, t);
      // Only move it forward: the sync may have recorded a later value while listing.
      if (modseq !== null) {
        this.db
          .prepare(
            `UPDATE folder_pairs SET src_highestmodseq = ?, updated_at = ? WHERE id = ? AND src_uidvalidity = ?
               AND (src_highestmodseq IS NULL OR CAST(src_highestmodseq AS INTEGER) < CAST(? AS INTEGER))`,
          )
          .run(modseq, t, fpId, String(w.uidValidity), modseq);
      }
    })();
  }

  // ---- messages -----------------------------------------------------------------------------

  /** The copied row of one source UID (undefined when not copied, e.g. still pending). */
  copiedRow(fpId: number, srcUidvalidity: string, srcUid: number): CopiedRow | undefined {
    const r = this.#st(
      `SELECT id, src_uid AS srcUid, flags, dropped_flags AS dropped, dst_uidvalidity AS dstUidvalidity, dst_uid AS dstUid FROM messages
       WHERE folder_pair_id = ? AND src_uidvalidity = ? AND src_uid = ? AND state = 'copied'`,
    ).get(fpId, srcUidvalidity, srcUid) as RawCopied | undefined;
    return r ? toCopied(r) : undefined;
  }

  /** Source UIDs of copied messages not yet known to be deleted on the source. */
  liveCopiedUids(fpId: number, srcUidvalidity: string): { id: number; srcUid: number }[] {
    return this.db
      .prepare(
        `SELECT m.id, m.src_uid AS srcUid FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state = 'copied' AND d.message_row_id IS NULL ORDER BY m.src_uid`,
      )
      .all(fpId, srcUidvalidity) as { id: number; srcUid: number }[];
  }

  /** Messages the source should still hold by the store's account: listed, not gone, not seen deleted. */
  expectedOnSource(fpId: number, srcUidvalidity: string): number {
    return (
      this.db
        .prepare(
          `SELECT count(*) AS n FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
           WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state <> 'gone' AND d.message_row_id IS NULL`,
        )
        .get(fpId, srcUidvalidity) as { n: number }
    ).n;
  }

  markSourceDeleted(fpId: number, rowIds: number[]): void {
    const st = this.db.prepare('INSERT OR IGNORE INTO dualrun_source_deleted (message_row_id, folder_pair_id, seen_at) VALUES (?, ?, ?)');
    const t = now();
    this.db.transaction(() => {
      for (const id of rowIds) st.run(id, fpId, t);
    })();
  }

  sourceDeletedCount(fpId?: number): number {
    return (
      this.db.prepare(`SELECT count(*) AS n FROM dualrun_source_deleted ${fpId === undefined ? '' : 'WHERE folder_pair_id = ?'}`).get(...(fpId === undefined ? [] : [fpId])) as {
        n: number;
      }
    ).n;
  }

  /** Flags now written to destination copies: the source flags and those the destination refused. */
  recordWritten(rows: { id: number; flags: string[]; dropped: string[] }[]): void {
    const st = this.db.prepare('UPDATE messages SET flags = ?, dropped_flags = ?, updated_at = ? WHERE id = ?');
    const clear = this.db.prepare('DELETE FROM dualrun_kept WHERE message_row_id = ?');
    const t = now();
    this.db.transaction(() => {
      for (const r of rows) {
        st.run(JSON.stringify(r.flags), r.dropped.length ? JSON.stringify(r.dropped) : null, t, r.id);
        clear.run(r.id);
      }
    })();
  }

  /** Source flags last seen for a message whose destination change was kept (undefined: none). */
  keptSourceFlags(rowId: number): string | undefined {
    return (this.#st('SELECT src_flags AS f FROM dualrun_kept WHERE message_row_id = ?').get(rowId) as { f: string } | undefined)?.f;
  }

  recordKept(fpId: number, rowId: number, srcFlags: string[], dstFlags: string[]): void {
    this.db
      .prepare(
        `INSERT INTO dualrun_kept (message_row_id, folder_pair_id, src_flags, dst_flags, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (message_row_id) DO UPDATE SET src_flags = excluded.src_flags, dst_flags = excluded.dst_flags, at = excluded.at`,
      )
      .run(rowId, fpId, JSON.stringify(srcFlags), JSON.stringify(dstFlags), now());
  }

  keptCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dualrun_kept').get() as { n: number }).n;
  }
}
