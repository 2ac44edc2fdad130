import { sqliteOf } from './sqlite-handle.js';
import type { PipelineHistory } from './contract/pipeline.js';
import type { Store } from './store.js';

// The pipeline's own table (migrations/0012_pipeline.sql): the order in which `mailshift run`
// first saw each phase of the job done. All SQL of the pipeline lives here.

export interface HistoryRow {
  phase: string;
  seq: number;
  doneAt: string;
}

export class PipelineStore implements PipelineHistory {
  constructor(private readonly store: Store) {}

  /** Records that `phase` is done (once: the first time wins, so re-runs keep the history). */
  markDone(phase: string, seq: number, at = new Date().toISOString()): void {
    sqliteOf(this.store).prepare('INSERT OR IGNORE INTO pipeline_history (phase, seq, done_at) VALUES (?, ?, ?)').run(phase, seq, at);
  }

  history(): HistoryRow[] {
    // A store of an older version opened read-only (status) has no such table yet.
    if (!sqliteOf(this.store).prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pipeline_history'").get()) return [];
    return sqliteOf(this.store).prepare('SELECT phase, seq, done_at AS doneAt FROM pipeline_history ORDER BY done_at, seq').all() as HistoryRow[];
  }
}
