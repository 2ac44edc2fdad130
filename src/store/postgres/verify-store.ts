import type { AsyncOf } from '../contract/async.js';
import type { FolderTotalsRow, ProblemRow, VerifyRecords } from '../contract/verify.js';
import type { StoredEvent } from '../contract/job.js';
import { DIFFERENCES_KEPT, type VerifiedFolder, type VerifyResult, type VerifyTotals } from '../../verify/result.js';
import type { PgDb } from './db.js';
import { verifiedFolderOf, verifyResultOf, type Row } from '../verify-rows.js';

// verify_runs, verify_folders and verify_differences (0005) on PostgreSQL, and verify's reads of
// the copy: the SQLite store's queries (src/store/verify-store.ts).

const now = () => new Date().toISOString();

export class PgVerifyRecords implements AsyncOf<VerifyRecords> {
  constructor(
    private readonly db: PgDb,
    private readonly store: { events(): Promise<StoredEvent[]> },
  ) {}

  // ---- verify runs ------------------------------------------------------------------------

  async startRun(deep: boolean): Promise<number> {
    return this.db.insertId('INSERT INTO verify_runs (started_at, deep) VALUES (?, ?) RETURNING id', now(), deep ? 1 : 0);
  }

  async addFolder(runId: number, f: VerifiedFolder): Promise<void> {
    await this.db.tx(async () => {
      const id = await this.db.insertId(
            `INSERT INTO verify_folders (run_id, account, destination_account, source_path, destination_path, method,
               source_count, destination_count, matched, missing, duplicated, extra, altered, refused_flags,
               source_digest, destination_digest, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          runId, f.account, f.destinationAccount, f.sourcePath, f.destinationPath, f.method, f.sourceCount, f.destinationCount,
            f.matched, f.missing, f.duplicated, f.extra, f.altered, JSON.stringify(f.refusedFlags), f.sourceDigest ?? null,
            f.destinationDigest ?? null, f.error ?? null);
      const ins = this.db.stmt(
        `INSERT INTO verify_differences (folder_id, kind, message_id, subject, src_uid, dst_uid, internal_date, parts, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const d of f.differences.slice(0, DIFFERENCES_KEPT)) {
        await ins.run(id, d.kind, d.messageId ?? null, d.subject ?? null, d.srcUid ?? null, d.dstUid ?? null, d.internalDate ?? null,
          d.parts ? JSON.stringify(d.parts) : null, d.detail);
      }
    });
  }

  async finishRun(runId: number, outcome: VerifyResult['outcome'], t: VerifyTotals): Promise<void> {
    (await this.db.run(
        `UPDATE verify_runs SET finished_at = ?, outcome = ?, accounts = ?, folders = ?, source_messages = ?, destination_messages = ?,
           matched = ?, missing = ?, duplicated = ?, extra = ?, altered = ?, errors = ? WHERE id = ?`,
      now(), outcome, t.accounts, t.folders, t.sourceMessages, t.destinationMessages, t.matched, t.missing, t.duplicated, t.extra,
        t.altered, t.errors, runId));
  }

  /** The latest finished (or still running) verify run with its folders and differences. */
  async latestRun(): Promise<VerifyResult | undefined> {
    const run = (await this.db.get('SELECT * FROM verify_runs ORDER BY id DESC LIMIT 1')) as Record<string, unknown> | undefined;
    if (!run) return undefined;
    const diffs = new Map<unknown, Record<string, unknown>[]>();
    for (const d of (await this.db.all(
      'SELECT d.* FROM verify_differences d JOIN verify_folders f ON f.id = d.folder_id WHERE f.run_id = ? ORDER BY d.id',
      run.id,
    )) as Record<string, unknown>[]) {
      diffs.set(d.folder_id, [...(diffs.get(d.folder_id) ?? []), d]);
    }
    const folders = ((await this.db.all('SELECT * FROM verify_folders WHERE run_id = ? ORDER BY account, id', run.id)) as Row[]).map((f) => verifiedFolderOf(f, diffs.get(f.id) ?? []));
    return verifyResultOf(run, folders);
  }

  // ---- the sync's rows, read only ---------------------------------------------------------

  /**
   * The checkpoint's pairing for one folder: source UID -> destination UID of every copied row,
   * kept only while both UIDVALIDITYs are still the ones the rows were written under. Also the
   * reasons recorded for rows that were not copied.
   */
  async folderCheckpoint(
    sourceUser: string,
    sourcePaths: string[],
    srcUidValidity: bigint | undefined,
    dstUidValidity: bigint | undefined,
  ): Promise<{
    found: boolean;
    mapping: Map<number, number>;
    notCopied: Map<number, { state: string; reason: string | null }>;
    droppedFlags: Map<number, string[]>;
  }> {
    const mapping = new Map<number, number>();
    const notCopied = new Map<number, { state: string; reason: string | null }>();
    const droppedFlags = new Map<number, string[]>();
    const paths = [...new Set(sourcePaths)];
    if (!paths.length) return { found: false, mapping, notCopied, droppedFlags };
    const pair = (await this.db.get(
        `SELECT fp.id FROM folder_pairs fp JOIN accounts a ON a.id = fp.account_id
         WHERE lower(a.source_user) = lower(?) AND fp.direction = 'forward' AND fp.source_path IN (${paths.map(() => '?').join(',')}) ORDER BY fp.id LIMIT 1`,
      sourceUser, ...paths)) as { id: number } | undefined;
    if (!pair) return { found: false, mapping, notCopied, droppedFlags };
    const rows = (await this.db.all('SELECT src_uidvalidity, src_uid, state, dst_uidvalidity, dst_uid, last_error, dropped_flags FROM messages WHERE folder_pair_id = ? ORDER BY id', pair.id)) as {
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

  async folderTotals(): Promise<FolderTotalsRow[]> {
    return (await this.db.all(
        `SELECT a.source_user AS account, a.destination_user AS destinationAccount, a.state AS accountState,
                fp.source_path AS sourcePath, fp.destination_path AS destinationPath, fp.special_use AS specialUse,
                fp.state AS folderState,
                count(*) FILTER (WHERE m.state != 'gone') AS total,
                count(*) FILTER (WHERE m.state = 'copied') AS copied,
                count(*) FILTER (WHERE m.state = 'copied' AND m.adopted = 1) AS adopted,
                count(*) FILTER (WHERE m.state = 'skipped') AS skipped,
                count(*) FILTER (WHERE m.state = 'failed') AS failed,
                count(*) FILTER (WHERE m.state IN ('pending', 'copying')) AS pending,
                COALESCE(SUM(CASE WHEN m.state = 'copied' THEN m.size END), 0) AS bytesCopied,
                MIN(CASE WHEN m.state = 'copied' THEN m.updated_at END) AS firstCopiedAt,
                MAX(CASE WHEN m.state = 'copied' THEN m.updated_at END) AS lastCopiedAt
         FROM folder_pairs fp JOIN accounts a ON a.id = fp.account_id
         LEFT JOIN messages m ON m.folder_pair_id = fp.id
         WHERE fp.direction = 'forward'
         GROUP BY fp.id, a.id ORDER BY a.id, fp.source_path`,
      )) as FolderTotalsRow[];
  }

  /** Messages and bytes copied per minute (from the rows' last update), for the throughput chart. */
  async throughputPerMinute(): Promise<{ minute: string; messages: number; bytes: number }[]> {
    return (await this.db.all(
        `SELECT substr(m.updated_at, 1, 16) AS minute, COUNT(*) AS messages, COALESCE(SUM(m.size), 0) AS bytes
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id
         WHERE m.state = 'copied' AND fp.direction = 'forward' GROUP BY minute ORDER BY minute`,
      )) as { minute: string; messages: number; bytes: number }[];
  }

  /** Every message that was skipped or failed, with its recorded reason. */
  async problems(): Promise<ProblemRow[]> {
    return (await this.db.all(
        `SELECT a.source_user AS account, fp.source_path AS sourcePath, fp.destination_path AS destinationPath, m.src_uid AS srcUid,
                m.message_id AS messageId, m.internal_date AS internalDate, m.size AS size, m.state AS state,
                m.last_error AS reason, m.attempts AS attempts, m.updated_at AS updatedAt
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.state IN ('skipped', 'failed') AND fp.direction = 'forward' ORDER BY a.id, fp.source_path, m.src_uid`,
      )) as ProblemRow[];
  }

  /**
   * Per account: number of copied messages and the sorted list of their fingerprints
   * ("Message-ID|INTERNALDATE|header hash|size"), streamed to the caller's hash.
   */
  async eachCopiedFingerprint(fn: (account: string, fingerprint: string) => void): Promise<void> {
    const it = (await this.db.all(
        `SELECT a.source_user AS account, COALESCE(m.message_id, '') || '|' || COALESCE(m.internal_date, '') || '|' ||
                COALESCE(m.header_hash, '') || '|' || m.size AS fp
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.state = 'copied' AND fp.direction = 'forward' ORDER BY a.id, 2
         `,
      )) as { account: string; fp: string }[];
    for (const r of it) fn(r.account, r.fp);
  }

  /** Flags the sync recorded as refused by the destination (not in its PERMANENTFLAGS), per folder. */
  async droppedFlagTotals(): Promise<{ account: string; folder: string; flag: string; messages: number }[]> {
    const rows = (await this.db.all(
        `SELECT a.source_user AS account, fp.source_path AS folder, m.dropped_flags AS flags
         FROM messages m JOIN folder_pairs fp ON fp.id = m.folder_pair_id JOIN accounts a ON a.id = fp.account_id
         WHERE m.dropped_flags IS NOT NULL AND fp.direction = 'forward' ORDER BY a.id, fp.source_path`,
      )) as { account: string; folder: string; flags: string }[];
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
  async flagEvents(): Promise<{ at: string; message: string; data: unknown }[]> {
    return (await this.store.events())
      .filter((e) => /flag/i.test(e.kind))
      .map((e) => ({ at: e.at, message: e.message, data: e.data }));
  }
}
