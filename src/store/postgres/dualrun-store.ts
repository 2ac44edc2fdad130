import type { AsyncOf } from '../contract/async.js';
import type { CopiedRow, DualRunState, FlagWatermark, PassRecord, StoredPass } from '../contract/dualrun.js';
import type { PgDb } from './db.js';

// dualrun_passes, dualrun_folders, dualrun_source_deleted and dualrun_kept (0006) on PostgreSQL,
// and dual-run's writes to the sync's tables: the SQLite store's queries (src/store/dualrun-store.ts).

const now = () => new Date().toISOString();

type RawCopied = { id: number; srcUid: number; flags: string; dropped: string | null; dstUidvalidity: string | null; dstUid: number | null };
const toCopied = (r: RawCopied): CopiedRow => ({
  id: r.id,
  srcUid: r.srcUid,
  flags: JSON.parse(r.flags) as string[],
  droppedFlags: r.dropped ? (JSON.parse(r.dropped) as string[]) : [],
  dstUidvalidity: r.dstUidvalidity,
  dstUid: r.dstUid,
});

export class PgDualRunState implements AsyncOf<DualRunState> {
  constructor(private readonly db: PgDb) {}

  // ---- passes -------------------------------------------------------------------------------

  async addPass(runId: number, p: PassRecord): Promise<void> {
    (await this.db.run(
        `INSERT INTO dualrun_passes (run_id, pass, started_at, finished_at, seconds, sync_seconds, copied, new_folders, flags_applied,
           destination_kept, source_deleted, complete, errors, moved, expunged, deletes_applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      runId, p.pass, p.startedAt, p.finishedAt, p.seconds, p.syncSeconds, p.copied, p.newFolders, p.flagsApplied, p.destinationKept, p.sourceDeleted, p.complete ? 1 : 0, JSON.stringify(p.errors),
        p.moved, p.expunged, p.deletesApplied));
  }

  /** Passes of one invocation, or of every invocation (oldest first). */
  async passes(runId?: number): Promise<StoredPass[]> {
    const rows = (await this.db.all(
        `SELECT id, run_id AS runId, pass, started_at AS startedAt, finished_at AS finishedAt, seconds, sync_seconds AS syncSeconds, copied,
           new_folders AS newFolders, flags_applied AS flagsApplied, destination_kept AS destinationKept, source_deleted AS sourceDeleted,
           moved, expunged, deletes_applied AS deletesApplied, complete, errors FROM dualrun_passes ${runId === undefined ? '' : 'WHERE run_id = ?'} ORDER BY id`,
      ...(runId === undefined ? [] : [runId]))) as (Omit<StoredPass, 'complete' | 'errors'> & { complete: number; errors: string })[];
    return rows.map((r) => ({ ...r, complete: r.complete === 1, errors: JSON.parse(r.errors) as string[] }));
  }

  // ---- flag watermarks ----------------------------------------------------------------------

  async watermark(fpId: number): Promise<FlagWatermark | undefined> {
    return (await this.db.get(`SELECT src_uidvalidity AS srcUidvalidity, flags_modseq AS flagsModseq, src_exists AS srcExists, src_uidnext AS srcUidnext FROM dualrun_folders WHERE folder_pair_id = ?`, fpId)) as FlagWatermark | undefined;
  }

  /** After a folder's flag pass: our watermark, and the pair's src_highestmodseq for everyone else. */
  async setWatermark(fpId: number, w: { uidValidity: bigint; modseq?: bigint; exists: number; uidNext: number }): Promise<void> {
    const t = now();
    const modseq = w.modseq === undefined ? null : String(w.modseq);
    (await this.db.tx(async () => {
      (await this.db.run(
          `INSERT INTO dualrun_folders (folder_pair_id, src_uidvalidity, flags_modseq, src_exists, src_uidnext, checked_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (folder_pair_id) DO UPDATE SET src_uidvalidity = excluded.src_uidvalidity, flags_modseq = excluded.flags_modseq,
             src_exists = excluded.src_exists, src_uidnext = excluded.src_uidnext, checked_at = excluded.checked_at`,
        fpId, String(w.uidValidity), modseq, w.exists, w.uidNext, t));
      // Only move it forward: the sync may have recorded a later value while listing.
      if (modseq !== null) {
        (await this.db.run(
            `UPDATE folder_pairs SET src_highestmodseq = ?, updated_at = ? WHERE id = ? AND src_uidvalidity = ?
               AND (src_highestmodseq IS NULL OR CAST(src_highestmodseq AS NUMERIC) < CAST(? AS NUMERIC))`,
          modseq, t, fpId, String(w.uidValidity), modseq));
      }
    }));
  }

  // ---- messages -----------------------------------------------------------------------------

  /** The copied row of one source UID (undefined when not copied, e.g. still pending). */
  async copiedRow(fpId: number, srcUidvalidity: string, srcUid: number): Promise<CopiedRow | undefined> {
    const r = (await this.db.get(
      `SELECT id, src_uid AS srcUid, flags, dropped_flags AS dropped, dst_uidvalidity AS dstUidvalidity, dst_uid AS dstUid FROM messages
       WHERE folder_pair_id = ? AND src_uidvalidity = ? AND src_uid = ? AND state = 'copied'`,
    fpId, srcUidvalidity, srcUid)) as RawCopied | undefined;
    return r ? toCopied(r) : undefined;
  }

  /** Source UIDs of copied messages not yet known to be deleted on the source. */
  async liveCopiedUids(fpId: number, srcUidvalidity: string): Promise<{ id: number; srcUid: number }[]> {
    return (await this.db.all(
        `SELECT m.id, m.src_uid AS srcUid FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
         WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state = 'copied' AND d.message_row_id IS NULL ORDER BY m.src_uid`,
      fpId, srcUidvalidity)) as { id: number; srcUid: number }[];
  }

  /** Messages the source should still hold by the store's account: listed, not gone, not seen deleted. */
  async expectedOnSource(fpId: number, srcUidvalidity: string): Promise<number> {
    return (
      (await this.db.get(
          `SELECT count(*) AS n FROM messages m LEFT JOIN dualrun_source_deleted d ON d.message_row_id = m.id
           WHERE m.folder_pair_id = ? AND m.src_uidvalidity = ? AND m.state <> 'gone' AND d.message_row_id IS NULL`,
        fpId, srcUidvalidity)) as { n: number }
    ).n;
  }

  async markSourceDeleted(fpId: number, rowIds: number[]): Promise<void> {
    const st = this.db.stmt('INSERT INTO dualrun_source_deleted (message_row_id, folder_pair_id, seen_at) VALUES (?, ?, ?) ON CONFLICT (message_row_id) DO NOTHING');
    const t = now();
    (await this.db.tx(async () => {
      for (const id of rowIds) await st.run(id, fpId, t);
    }));
  }

  async sourceDeletedCount(fpId?: number): Promise<number> {
    return (
      (await this.db.get(`SELECT count(*) AS n FROM dualrun_source_deleted ${fpId === undefined ? '' : 'WHERE folder_pair_id = ?'}`, ...(fpId === undefined ? [] : [fpId]))) as {
        n: number;
      }
    ).n;
  }

  /** Flags now written to destination copies: the source flags and those the destination refused. */
  async recordWritten(rows: { id: number; flags: string[]; dropped: string[] }[]): Promise<void> {
    const st = this.db.stmt('UPDATE messages SET flags = ?, dropped_flags = ?, updated_at = ? WHERE id = ?');
    const clear = this.db.stmt('DELETE FROM dualrun_kept WHERE message_row_id = ?');
    const t = now();
    (await this.db.tx(async () => {
      for (const r of rows) {
        await st.run(JSON.stringify(r.flags), r.dropped.length ? JSON.stringify(r.dropped) : null, t, r.id);
        await clear.run(r.id);
      }
    }));
  }

  /** Source flags last seen for a message whose destination change was kept (undefined: none). */
  async keptSourceFlags(rowId: number): Promise<string | undefined> {
    return ((await this.db.get('SELECT src_flags AS f FROM dualrun_kept WHERE message_row_id = ?', rowId)) as { f: string } | undefined)?.f;
  }

  async recordKept(fpId: number, rowId: number, srcFlags: string[], dstFlags: string[]): Promise<void> {
    (await this.db.run(
        `INSERT INTO dualrun_kept (message_row_id, folder_pair_id, src_flags, dst_flags, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (message_row_id) DO UPDATE SET src_flags = excluded.src_flags, dst_flags = excluded.dst_flags, at = excluded.at`,
      rowId, fpId, JSON.stringify(srcFlags), JSON.stringify(dstFlags), now()));
  }

  async keptCount(): Promise<number> {
    return ((await this.db.get('SELECT count(*) AS n FROM dualrun_kept')) as { n: number }).n;
  }
}
