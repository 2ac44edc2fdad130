import { sqliteOf } from './sqlite-handle.js';
import { verifiedFolderOf, verifyResultOf, type Row } from './verify-rows.js';
import type { VerifyRecords } from './contract/verify.js';
import { DIFFERENCES_KEPT, type VerifiedFolder, type VerifyResult, type VerifyTotals } from '../verify/result.js';
import type { Store } from './store.js';

const now = () => new Date().toISOString();

/** Per folder pair totals of the copy, from the sync's message rows (the report's main table). */
export interface FolderTotalsRow {
  account: string;
  destinationAccount: string;
  accountState: string;
  sourcePath: string;
  destinationPath: string;
  specialUse: string | null;
  folderState: string;
  total: number;
  copied: number;
  /** Of copied: already in the destination and adopted (migration 0007). */
  adopted: number;
  skipped: number;
  failed: number;
  pending: number;
  bytesCopied: number;
  firstCopiedAt: string | null;
  lastCopiedAt: string | null;
}

export interface ProblemRow {
  account: string;
  sourcePath: string;
  destinationPath: string;
  srcUid: number;
  messageId: string | null;
  internalDate: string | null;
  size: number;
  state: 'skipped' | 'failed';
  reason: string | null;
  attempts: number;
  updatedAt: string;
}

/**
 * verify's tables (0005) and the read-only queries verify and report make on the sync's rows
 * (0001's folder_pairs and messages, with 0004's direction and dropped_flags). Only the forward
 * copy is counted: a rollback's reverse pairs are not part of the migration's totals. Rows in
 * state 'gone' (deleted on the source before they were copied) are not counted as messages.
 * Nothing here writes to another phase's tables.
 */
export class VerifyStore implements VerifyRecords {
  constructor(private readonly store: Store) {}

  private get db() {
    return sqliteOf(this.store);
  }

  // ---- verify runs ------------------------------------------------------------------------

  startRun(deep: boolean): number {
    return Number(this.db.prepare('INSERT INTO verify_runs (started_at, deep) VALUES (?, ?)').run(now(), deep ? 1 : 0).lastInsertRowid);
  }

  addFolder(runId: number, f: VerifiedFolder): void {
    const tx = this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO verify_folders (run_id, account, destination_account, source_path, destination_path, method,
               source_count, destination_count, matched, missing, duplicated, extra, altered, refused_flags,
               source_digest, destination_digest, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(runId, f.account, f.destinationAccount, f.sourcePath, f.destinationPath, f.method, f.sourceCount, f.destinationCount,
            f.matched, f.missing, f.duplicated, f.extra, f.altered, JSON.stringify(f.refusedFlags), f.sourceDigest ?? null,
            f.destinationDigest ?? null, f.error ?? null).lastInsertRowid,
      );
      const ins = this.db.prepare(
        `INSERT INTO verify_differences (folder_id, kind, message_id, subject, src_uid, dst_uid, internal_date, parts, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const d of f.differences.slice(0, DIFFERENCES_KEPT)) {
        ins.run(id, d.kind, d.messageId ?? null, d.subject ?? null, d.srcUid ?? null, d.dstUid ?? null, d.internalDate ?? null,
          d.parts ? JSON.stringify(d.parts) : null, d.detail);
      }
    });
    tx();
  }

  finishRun(runId: number, outcome: VerifyResult['outcome'], t: VerifyTotals): void {
    this.db
      .prepare(
        `UPDATE verify_runs SET finished_at = ?, outcome = ?, accounts = ?, folders = ?, source_messages = ?, destination_messages = ?,
           matched = ?, missing = ?, duplicated = ?, extra = ?, altered = ?, errors = ? WHERE id = ?`,
      )
      .run(now(), outcome, t.accounts, t.folders, t.sourceMessages, t.destinationMessages, t.matched, t.missing, t.duplicated, t.extra,
        t.altered, t.errors, runId);
  }

  /** The latest finished (or still running) verify run with its folders and differences. */
  latestRun(): VerifyResult | undefined {
    const run = this.db.prepare('SELECT * FROM verify_runs ORDER BY id DESC LIMIT 1').get() as Record<string, unknown> | undefined;
    if (!run) return undefined;
    const folders = (this.db.prepare('SELECT * FROM verify_folders WHERE run_id = ? ORDER BY account, id').all(run.id) as Row[]).map((f) =>
      verifiedFolderOf(f, this.db.prepare('SELECT * FROM verify_differences WHERE folder_id = ? ORDER BY id').all(f.id) as Row[]),
    );
    return verifyResultOf(run, folders);
  }

  // ---- the sync's rows, read only ---------------------------------------------------------

  /**
   * The checkpoint's pairing for one folder: source UID -> destination UID of every copied row,
   * kept only while both UIDVALIDITYs are still the ones the rows were written under. Also the
   * reasons recorded for rows that were not copied.
   */
  folderCheckpoint(
    sourceUser: string,
    sourcePaths: string[],
    srcUidValidity: bigint | undefined,
    dstUidValidity: bigint | undefined,
  ): {
    found: boolean;
    mapping: Map<number, number>;
    notCopied: Map<number, { state: string; reason: string | null }>;
    droppedFlags: Map<number, string[]>;
  } {
    const mapping = new Map<number, number>();
    const notCopied = new Map<number, { state: string; reason: string | null }>();
    const droppedFlags = new Map<number, string[]>();
    const paths = [...new Set(sourcePaths)];
    const pair = this.db
      .prepare(
        `SELECT fp.id FROM folder_pairs fp JOIN accounts a ON a.id = fp.account_id
         WHERE lower(a.source_user) = lower(?) AND fp.direction = 'forward' AND fp.source_path IN (${paths.map(() => '?').join(',')}) ORDER BY fp.id LIMIT 1`,
      )
      .get(sourceUser, ...paths) as { id: number } | undefined;
    if (!pair) return { found: false, mapping, notCopied, droppedFlags };
    const rows = this.db
      .prepare('SELECT src_uidvalidity, src_uid, state, dst_uidvalidity, dst_uid, last_error, dropped_flags FROM messages WHERE folder_pair_id = ?')
      .all(pair.id) as {
      src_uidvalidity: string;
      src_uid: number;
      state: string;
      dst_uidvalidity: string | null;
      dst_uid: number | null;
      last_error: string | null;
      dropped_flags: string | null;
    }[];
    for (const r of rows) {
      if (srcUidValidity !== undefined && r.src_uidvalidity !== String(srcUidValidity)) continue;
      if (r.dropped_flags) {
        try {
          const list = JSON.parse(r.dropped_flags) as unknown;
          if (Array.isArray(list) && list.length) droppedFlags.set(r.src_uid, list.map(String));
        } catch {
          // Not ours to repair; the flag is then compared like any other.
        }
      }
      if (r.state === 'copied' && r.dst_uid != null) {
        if (dstUidValidity === undefined || r.dst_uidvalidity === null || r.dst_uidvalidity === String(dstUidValidity)) mapping.set(r.src_uid, r.dst_uid);
      } else if (r.state === 'skipped' || r.state === 'failed') {
        notCopied.set(r.src_uid, { state: r.state, reason: r.last_error });
      }
    }
    return { found: true, mapping, notCopied, droppedFlags };
  }

  folderTotals(): FolderTotalsRow[] {
    return this.db
      .prepare(
        `SELECT a.source_user AS account, a.destination_user AS destinationAccount, a.state AS accountState,
                fp.source_path AS sourcePath, fp.destination_path AS destinationPath, fp.special_use AS specialUse,
                fp.state AS folderState,
                COALESCE(SUM(m.state != 'gone'), 0) AS total,
                COALESCE(SUM(m.state = 'copied'), 0) AS copied,
                COALESCE(SUM(m.state = 'copied' AND m.adopted = 1), 0) AS adopted,
                COALESCE(SUM(m.state = 'skipped'), 0) AS skipped,
                COALESCE(SUM(m.state = 'failed'), 0) AS failed,
                COALESCE(SUM(m.state IN ('pending', 'copying')), 0) AS pending,
                COALESCE(SUM(CASE WHEN m.state = 'copied' THEN m.size END), 0) AS bytesCopied,
                MIN(CASE WHEN m.state = 'copied' THEN m.updated_at END) AS firstCopiedAt,
                MAX(CASE WHEN m.state = 'copied' THEN m.updated_at END) AS lastCopiedAt
         FROM folder_pairs fp JOIN accounts a ON a.id = fp.account_id
         LEFT JOIN messages m ON m.folder_pair_id = fp.id
         WHERE fp.direction = 'forward'
         GROUP BY fp.id ORDER BY a.id, fp.source_path`,
      )
      .all() as FolderTotalsRow[];
  }

  /** Messages and bytes copied per minute (from the rows' last update), for the throughput chart. */
  throughputPerMinute(): { minute: string; messages: number; bytes: number }[] {
    return this.db
      .prepare(
        `SELECT substr(m.updated_at, 1, 16) AS minute, COUNT(*) AS messages, COALESCE(SUM(m.size), 0) AS bytes
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id
         WHERE m.state = 'copied' AND fp.direction = 'forward' GROUP BY minute ORDER BY minute`,
      )
      .all() as { minute: string; messages: number; bytes: number }[];
  }

  /** Every message that was skipped or failed, with its recorded reason. */
  problems(): ProblemRow[] {
    return this.db
      .prepare(
        `SELECT a.source_user AS account, fp.source_path AS sourcePath, fp.destination_path AS destinationPath, m.src_uid AS srcUid,
                m.message_id AS messageId, m.internal_date AS internalDate, m.size AS size, m.state AS state,
                m.last_error AS reason, m.attempts AS attempts, m.updated_at AS updatedAt
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.state IN ('skipped', 'failed') AND fp.direction = 'forward' ORDER BY a.id, fp.source_path, m.src_uid`,
      )
      .all() as ProblemRow[];
  }

  /**
   * Per account: number of copied messages and the sorted list of their fingerprints
   * ("Message-ID|INTERNALDATE|header hash|size"), streamed to the caller's hash.
   */
  eachCopiedFingerprint(fn: (account: string, fingerprint: string) => void): void {
    const it = this.db
      .prepare(
        `SELECT a.source_user AS account, COALESCE(m.message_id, '') || '|' || COALESCE(m.internal_date, '') || '|' ||
                COALESCE(m.header_hash, '') || '|' || m.size AS fp
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.state = 'copied' AND fp.direction = 'forward' ORDER BY a.id, fp
         `,
      )
      .iterate() as IterableIterator<{ account: string; fp: string }>;
    for (const r of it) fn(r.account, r.fp);
  }

  /** Flags the sync recorded as refused by the destination (not in its PERMANENTFLAGS), per folder. */
  droppedFlagTotals(): { account: string; folder: string; flag: string; messages: number }[] {
    const rows = this.db
      .prepare(
        `SELECT a.source_user AS account, fp.source_path AS folder, m.dropped_flags AS flags
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.dropped_flags IS NOT NULL AND fp.direction = 'forward' ORDER BY a.id, fp.source_path`,
      )
      .iterate() as IterableIterator<{ account: string; folder: string; flags: string }>;
    const out = new Map<string, { account: string; folder: string; flag: string; messages: number }>();
    for (const r of rows) {
      let flags: unknown;
      try {
        flags = JSON.parse(r.flags);
      } catch {
        continue;
      }
      if (!Array.isArray(flags)) continue;
      for (const flag of flags.map(String)) {
        const k = `${r.account}\u0000${r.folder}\u0000${flag}`;
        const e = out.get(k) ?? { account: r.account, folder: r.folder, flag, messages: 0 };
        e.messages++;
        out.set(k, e);
      }
    }
    return [...out.values()];
  }

  /** Events other phases recorded about flags the destination would not keep. */
  flagEvents(): { at: string; message: string; data: unknown }[] {
    return this.store
      .events()
      .filter((e) => /flag/i.test(e.kind))
      .map((e) => ({ at: e.at, message: e.message, data: e.data }));
  }
}
