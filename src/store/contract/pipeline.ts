import type { HistoryRow } from '../pipeline-store.js';

// The run pipeline's history: which phase finished when.

export type { HistoryRow };

export interface PipelineHistory {
  /** Records that `phase` is done (once: the first time wins, so re-runs keep the history). */
  markDone(phase: string, seq: number, at?: string): void;
  history(): HistoryRow[];
}
