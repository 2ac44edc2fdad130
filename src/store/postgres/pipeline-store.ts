import type { PipelineHistory } from '../contract/pipeline.js';
import type { AsyncOf } from '../contract/async.js';
import type { HistoryRow } from '../pipeline-store.js';
import type { PgDb } from './db.js';

// pipeline_history (0012) on PostgreSQL.

export class PgPipelineHistory implements AsyncOf<PipelineHistory> {
  constructor(private readonly db: PgDb) {}

  async markDone(phase: string, seq: number, at = new Date().toISOString()): Promise<void> {
    await this.db.run('INSERT INTO pipeline_history (phase, seq, done_at) VALUES (?, ?, ?) ON CONFLICT (phase) DO NOTHING', phase, seq, at);
  }

  async history(): Promise<HistoryRow[]> {
    return this.db.all<HistoryRow>('SELECT phase, seq, done_at AS doneAt FROM pipeline_history ORDER BY done_at, seq');
  }
}
