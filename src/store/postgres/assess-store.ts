import type { Assessment, Severity } from '../../assess/types.js';
import type { AsyncOf } from '../contract/async.js';
import type { AssessFolderRow, AssessRecords, AssessRunRow } from '../contract/assess.js';
import type { PgDb } from './db.js';

// assess_runs, assess_folders and assess_risks (0002) on PostgreSQL.

export class PgAssessRecords implements AsyncOf<AssessRecords> {
  constructor(private readonly db: PgDb) {}

  async saveAssessment(a: Assessment, opts: { phaseRunId?: number; reportDir?: string } = {}): Promise<number> {
    return this.db.tx(async () => {
      const runId = await this.db.insertId(
        `INSERT INTO assess_runs (phase_run_id, generated_at, verdict, blockers, warnings, messages, bytes, estimated_seconds, report_dir, result)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        opts.phaseRunId ?? null, a.generatedAt, a.verdict, a.summary.blockers, a.summary.warnings, a.summary.messages, a.summary.bytes,
        a.summary.estimatedSeconds ?? null, opts.reportDir ?? null, JSON.stringify(a),
      );
      for (const acc of a.accounts) {
        for (const side of [acc.source, acc.destination]) {
          for (const f of side.folders) {
            const m = side.side === 'source' ? acc.mapping.find((x) => x.sourcePath === f.path) : undefined;
            await this.db.run(
              `INSERT INTO assess_folders (run_id, source_user, side, path, logical_path, special_use, messages, bytes, oldest, newest, destination_path, action, error)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
              runId, acc.sourceUser, side.side, f.path, f.logicalPath, f.specialUse ?? null, f.messages, f.bytes, f.oldest ?? null, f.newest ?? null, m?.destinationPath ?? null, m?.action ?? null, f.error ?? null,
            );
          }
        }
      }
      for (const [i, r] of a.risks.entries()) {
        await this.db.run(
          'INSERT INTO assess_risks (run_id, rank, risk_id, severity, title, fix, accounts, folders) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          runId, i + 1, r.id, r.severity, r.title, r.fix, JSON.stringify(r.accounts), JSON.stringify(r.folders),
        );
      }
      return runId;
    });
  }

  async latestAssessRun(): Promise<AssessRunRow | undefined> {
    return this.db.get<AssessRunRow>(
      `SELECT id, generated_at AS generatedAt, verdict, blockers, warnings, messages, bytes, estimated_seconds AS estimatedSeconds,
              report_dir AS reportDir FROM assess_runs ORDER BY id DESC LIMIT 1`,
    );
  }

  async loadAssessment(runId?: number): Promise<Assessment | undefined> {
    const row =
      runId === undefined
        ? await this.db.get<{ result: string }>('SELECT result FROM assess_runs ORDER BY id DESC LIMIT 1')
        : await this.db.get<{ result: string }>('SELECT result FROM assess_runs WHERE id = ?', runId);
    return row ? (JSON.parse(row.result) as Assessment) : undefined;
  }

  async assessFolders(runId: number, filter: { sourceUser?: string; side?: 'source' | 'destination' } = {}): Promise<AssessFolderRow[]> {
    const where = ['run_id = ?'];
    const args: unknown[] = [runId];
    if (filter.sourceUser) (where.push('source_user = ?'), args.push(filter.sourceUser));
    if (filter.side) (where.push('side = ?'), args.push(filter.side));
    return this.db.all<AssessFolderRow>(
      `SELECT source_user AS sourceUser, side, path, logical_path AS logicalPath, special_use AS specialUse, messages, bytes, oldest, newest,
              destination_path AS destinationPath, action, error FROM assess_folders WHERE ${where.join(' AND ')} ORDER BY id`,
      ...args,
    );
  }

  async assessRisks(runId: number): Promise<ReturnType<AssessRecords['assessRisks']>> {
    const rows = await this.db.all<{ rank: number; id: string; severity: Severity; title: string; fix: string; accounts: string; folders: string }>(
      'SELECT rank, risk_id AS id, severity, title, fix, accounts, folders FROM assess_risks WHERE run_id = ? ORDER BY rank',
      runId,
    );
    return rows.map((r) => ({ ...r, accounts: JSON.parse(r.accounts) as string[], folders: JSON.parse(r.folders) as string[] }));
  }
}
