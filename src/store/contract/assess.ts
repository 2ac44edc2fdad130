import type { Assessment, Risk } from '../../assess/types.js';
import type { AssessFolderRow, AssessRunRow } from '../assess-store.js';

// Assessments: one run per `assess`, with its folders and ranked risks (0002).

export type { AssessFolderRow, AssessRunRow };

export interface AssessRecords {
  /** Saves one assessment; returns its run id. */
  saveAssessment(a: Assessment, opts?: { phaseRunId?: number; reportDir?: string }): number;
  latestAssessRun(): AssessRunRow | undefined;
  /** The full result of an assessment (the latest when no id is given). */
  loadAssessment(runId?: number): Assessment | undefined;
  assessFolders(runId: number, filter?: { sourceUser?: string; side?: 'source' | 'destination' }): AssessFolderRow[];
  assessRisks(runId: number): (Pick<Risk, 'id' | 'severity' | 'title' | 'fix' | 'accounts' | 'folders'> & { rank: number })[];
}
