import type { CutoverStateRow } from './contract/index.js';

/** cutover_state's column for each field of the row (the same in SQLite and PostgreSQL). */
export const STATE_COLUMNS: Record<keyof CutoverStateRow, string> = {
  plannedAt: 'planned_at',
  confirmedAt: 'confirmed_at',
  oldMx: 'old_mx',
  mtaStsId: 'mta_sts_id',
  mtaStsPolicy: 'mta_sts_policy',
  snapshotAt: 'snapshot_at',
  mxTtlMax: 'mx_ttl_max',
  mxTtlLowSince: 'mx_ttl_low_since',
  watchStartedAt: 'watch_started_at',
  lastDeltaAt: 'last_delta_at',
  finalizedAt: 'finalized_at',
  rolledBackAt: 'rolled_back_at',
};
