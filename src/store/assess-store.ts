// The assess phase's tables (migrations/0002_assess.sql): each assessment with its full result,
import type { AssessRecords } from './contract/assess.js';
// per-folder figures and ranked risks.
import { sqliteOf } from './sqlite-handle.js';
import type { Assessment, Risk, Severity, Verdict } from '../assess/types.js';
import type { Store } from './store.js';

export interface AssessRunRow {
  id: number;
  generatedAt: string;
  verdict: Verdict;
  blockers: number;
  warnings: number;
  messages: number;
  bytes: number;
  estimatedSeconds: number | null;
  reportDir: string | null;
}

export interface AssessFolderRow {
  sourceUser: string;
  side: 'source' | 'destination';
  path: string;
  logicalPath: string;
  specialUse: string | null;
  messages: number;
  bytes: number;
  oldest: string | null;
  newest: string | null;
  destinationPath: string | null;
  action: string | null;
  error: string | null;
}

/** Saves one assessment; returns its run id. */
export function saveAssessment(store: Store, a: Assessment, opts: { phaseRunId?: number; reportDir?: string } = {}): number {
  const db = sqliteOf(store);
  const tx = db.transaction(() => {
    const runId = Number(
      db
        .prepare(
          `INSERT INTO assess_runs (phase_run_id, generated_at, verdict, blockers, warnings, messages, bytes, estimated_seconds, report_dir, result)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          opts.phaseRunId ?? null,
          a.generatedAt,
          a.verdict,
          a.summary.blockers,
          a.summary.warnings,
          a.summary.messages,
          a.summary.bytes,
          a.summary.estimatedSeconds ?? null,
          opts.reportDir ?? null,
          JSON.stringify(a),
        ).lastInsertRowid,
    );
    const folder = db.prepare(
      `INSERT INTO assess_folders (run_id, source_user, side, path, logical_path, special_use, messages, bytes, oldest, newest, destination_path, action, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const acc of a.accounts) {
      for (const side of [acc.source, acc.destination]) {
        for (const f of side.folders) {
          const m = side.side === 'source' ? acc.mapping.find((x) => x.sourcePath === f.path) : undefined;
          folder.run(runId, acc.sourceUser, side.side, f.path, f.logicalPath, f.specialUse ?? null, f.messages, f.bytes, f.oldest ?? null, f.newest ?? null, m?.destinationPath ?? null, m?.action ?? null, f.error ?? null);
        }
      }
    }
    const risk = db.prepare(`INSERT INTO assess_risks (run_id, rank, risk_id, severity, title, fix, accounts, folders) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    a.risks.forEach((r, i) => risk.run(runId, i + 1, r.id, r.severity, r.title, r.fix, JSON.stringify(r.accounts), JSON.stringify(r.folders)));
    return runId;
  });
  return tx();
}

export function latestAssessRun(store: Store): AssessRunRow | undefined {
  return sqliteOf(store)
    .prepare(
      `SELECT id, generated_at AS generatedAt, verdict, blockers, warnings, messages, bytes, estimated_seconds AS estimatedSeconds,
              report_dir AS reportDir FROM assess_runs ORDER BY id DESC LIMIT 1`,
    )
    .get() as AssessRunRow | undefined;
}

/** The full result of an assessment (the latest when no id is given). */
export function loadAssessment(store: Store, runId?: number): Assessment | undefined {
  const row = (
    runId === undefined
      ? sqliteOf(store).prepare('SELECT result FROM assess_runs ORDER BY id DESC LIMIT 1').get()
      : sqliteOf(store).prepare('SELECT result FROM assess_runs WHERE id = ?').get(runId)
  ) as { result: string } | undefined;
  return row ? (JSON.parse(row.result) as Assessment) : undefined;
}

export function assessFolders(store: Store, runId: number, filter: { sourceUser?: string; side?: 'source' | 'destination' } = {}): AssessFolderRow[] {
  const where = ['run_id = ?'];
  const args: unknown[] = [runId];
  if (filter.sourceUser) (where.push('source_user = ?'), args.push(filter.sourceUser));
  if (filter.side) (where.push('side = ?'), args.push(filter.side));
  return sqliteOf(store)
    .prepare(
      `SELECT source_user AS sourceUser, side, path, logical_path AS logicalPath, special_use AS specialUse, messages, bytes, oldest, newest,
              destination_path AS destinationPath, action, error FROM assess_folders WHERE ${where.join(' AND ')} ORDER BY id`,
    )
    .all(...args) as AssessFolderRow[];
}

export function assessRisks(store: Store, runId: number): (Pick<Risk, 'id' | 'severity' | 'title' | 'fix' | 'accounts' | 'folders'> & { rank: number })[] {
  const rows = sqliteOf(store)
    .prepare('SELECT rank, risk_id AS id, severity, title, fix, accounts, folders FROM assess_risks WHERE run_id = ? ORDER BY rank')
    .all(runId) as { rank: number; id: string; severity: Severity; title: string; fix: string; accounts: string; folders: string }[];
  return rows.map((r) => ({ ...r, accounts: JSON.parse(r.accounts) as string[], folders: JSON.parse(r.folders) as string[] }));
}

/** The assessment records of a SQLite store, as the contract's aggregate. */
export class SqliteAssessRecords implements AssessRecords {
  constructor(private readonly store: Store) {}
  saveAssessment(a: Assessment, opts?: { phaseRunId?: number; reportDir?: string }): number {
    return saveAssessment(this.store, a, opts);
  }
  latestAssessRun(): AssessRunRow | undefined {
    return latestAssessRun(this.store);
  }
  loadAssessment(runId?: number): Assessment | undefined {
    return loadAssessment(this.store, runId);
  }
  assessFolders(runId: number, filter?: { sourceUser?: string; side?: 'source' | 'destination' }): AssessFolderRow[] {
    return assessFolders(this.store, runId, filter);
  }
  assessRisks(runId: number): ReturnType<AssessRecords['assessRisks']> {
    return assessRisks(this.store, runId);
  }
}
