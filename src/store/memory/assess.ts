import type { Assessment } from '../../assess/types.js';
import type { AssessFolderRow, AssessRecords, AssessRunRow } from '../contract/assess.js';
import type { MemoryData } from './data.js';

// Assessments in memory: the full result as JSON (what the SQLite row keeps), folder and risk
// rows derived from it the way the SQLite store writes them.

export interface AssessRunRecord {
  row: AssessRunRow;
  result: string;
  folders: AssessFolderRow[];
  risks: ReturnType<AssessRecords['assessRisks']>;
}

export class MemoryAssessRecords implements AssessRecords {
  constructor(private readonly d: MemoryData) {}

  saveAssessment(a: Assessment, opts: { phaseRunId?: number; reportDir?: string } = {}): number {
    const id = this.d.nextId('assess_runs');
    const folders: AssessFolderRow[] = [];
    for (const acc of a.accounts) {
      for (const side of [acc.source, acc.destination]) {
        for (const f of side.folders) {
          const m = side.side === 'source' ? acc.mapping.find((x) => x.sourcePath === f.path) : undefined;
          folders.push({
            sourceUser: acc.sourceUser, side: side.side, path: f.path, logicalPath: f.logicalPath, specialUse: f.specialUse ?? null, messages: f.messages, bytes: f.bytes,
            oldest: f.oldest ?? null, newest: f.newest ?? null, destinationPath: m?.destinationPath ?? null, action: m?.action ?? null, error: f.error ?? null,
          });
        }
      }
    }
    this.d.assessRuns.set(id, {
      row: {
        id, generatedAt: a.generatedAt, verdict: a.verdict, blockers: a.summary.blockers, warnings: a.summary.warnings, messages: a.summary.messages, bytes: a.summary.bytes,
        estimatedSeconds: a.summary.estimatedSeconds ?? null, reportDir: opts.reportDir ?? null,
      },
      result: JSON.stringify(a),
      folders,
      risks: a.risks.map((r, i) => ({ rank: i + 1, id: r.id, severity: r.severity, title: r.title, fix: r.fix, accounts: [...r.accounts], folders: [...r.folders] })),
    });
    return id;
  }

  latestAssessRun(): AssessRunRow | undefined {
    const r = this.#latest();
    return r && { ...r.row };
  }

  loadAssessment(runId?: number): Assessment | undefined {
    const r = runId === undefined ? this.#latest() : this.d.assessRuns.get(runId);
    return r ? (JSON.parse(r.result) as Assessment) : undefined;
  }

  assessFolders(runId: number, filter: { sourceUser?: string; side?: 'source' | 'destination' } = {}): AssessFolderRow[] {
    return (this.d.assessRuns.get(runId)?.folders ?? [])
      .filter((f) => (!filter.sourceUser || f.sourceUser === filter.sourceUser) && (!filter.side || f.side === filter.side))
      .map((f) => ({ ...f }));
  }

  assessRisks(runId: number): ReturnType<AssessRecords['assessRisks']> {
    return (this.d.assessRuns.get(runId)?.risks ?? []).map((r) => structuredClone(r));
  }

  #latest() {
    const ids = [...this.d.assessRuns.keys()];
    return ids.length ? this.d.assessRuns.get(Math.max(...ids)) : undefined;
  }
}
