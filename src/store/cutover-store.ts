import { sqliteOf } from './sqlite-handle.js';
import type { CutoverRecords } from './contract/cutover.js';
import type { Store } from './store.js';
import { STATE_COLUMNS } from './cutover-columns.js';

// The cutover phase's tables (migrations/0003_cutover.sql). All SQL of the phase lives here.

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';
export type StepState = 'pending' | 'pass' | 'warn' | 'fail' | 'done';

export interface CutoverStateRow {
  plannedAt: string | null;
  confirmedAt: string | null;
  oldMx: { host: string; priority: number }[] | null;
  mtaStsId: string | null;
  mtaStsPolicy: string | null;
  snapshotAt: string | null;
  mxTtlMax: number | null;
  mxTtlLowSince: string | null;
  watchStartedAt: string | null;
  lastDeltaAt: string | null;
  finalizedAt: string | null;
  rolledBackAt: string | null;
}

export interface StepRow {
  key: string;
  seq: number;
  offsetSeconds: number;
  dueAt: string | null;
  title: string;
  who: string;
  how: string;
  checkIds: string[];
  state: StepState;
  note: string | null;
  updatedAt: string;
}

export interface CheckRow {
  runAt: string;
  checkId: string;
  title: string;
  status: CheckStatus;
  reason: string;
  fix: string | null;
  data: unknown;
  /** Reason and fix as catalogue keys (src/i18n/msg.ts Line[]), or null for rows from before 0016. */
  msg?: { reason: unknown[]; fix: unknown[] } | null;
}

export interface ServerRow {
  address: string;
  kind: 'authoritative' | 'resolver';
  state: 'old' | 'new' | 'mixed' | 'error';
  answer: string | null;
  flippedAt: string | null;
  lastSeenAt: string;
}

export interface LateMailRow {
  at: string;
  direction: 'forward' | 'reverse';
  account: string;
  sourcePath: string;
  destinationPath: string;
  srcUid: number;
  messageId: string | null;
  receivedFrom: string | null;
  receivedBy: string | null;
  receivedDate: string | null;
}

const now = () => new Date().toISOString();


export class CutoverStore implements CutoverRecords {
  constructor(private readonly store: Store) {}

  private get db() {
    return sqliteOf(this.store);
  }

  state(): CutoverStateRow {
    const row = this.db.prepare('SELECT * FROM cutover_state WHERE id = 1').get() as Record<string, unknown> | undefined;
    const out = {} as Record<string, unknown>;
    for (const [k, col] of Object.entries(STATE_COLUMNS)) out[k] = row?.[col] ?? null;
    if (typeof out.oldMx === 'string') out.oldMx = JSON.parse(out.oldMx);
    return out as unknown as CutoverStateRow;
  }

  /** Sets the given fields of the state row (creating it on first use). */
  updateState(fields: Partial<CutoverStateRow>): void {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [keyof CutoverStateRow, unknown][];
    this.db.prepare('INSERT OR IGNORE INTO cutover_state (id, updated_at) VALUES (1, ?)').run(now());
    if (!entries.length) return;
    const sets = entries.map(([k]) => `${STATE_COLUMNS[k]} = ?`).join(', ');
    const values = entries.map(([k, v]) => (k === 'oldMx' && v !== null ? JSON.stringify(v) : v));
    this.db.prepare(`UPDATE cutover_state SET ${sets}, updated_at = ? WHERE id = 1`).run(...values, now());
  }

  // ---- checklist ------------------------------------------------------------------------------

  /** Writes the checklist; steps already there keep their state (plan can be run again). */
  saveSteps(steps: Omit<StepRow, 'state' | 'note' | 'updatedAt'>[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO cutover_steps (key, seq, offset_seconds, due_at, title, who, how, check_ids, updated_at)
       VALUES (@key, @seq, @offsetSeconds, @dueAt, @title, @who, @how, @checkIds, @updatedAt)
       ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, offset_seconds = excluded.offset_seconds, due_at = excluded.due_at,
         title = excluded.title, who = excluded.who, how = excluded.how, check_ids = excluded.check_ids`,
    );
    this.db.transaction(() => {
      for (const s of steps) upsert.run({ ...s, checkIds: JSON.stringify(s.checkIds), updatedAt: now() });
    })();
  }

  steps(): StepRow[] {
    const rows = this.db
      .prepare(
        `SELECT key, seq, offset_seconds AS offsetSeconds, due_at AS dueAt, title, who, how, check_ids AS checkIds, state, note,
                updated_at AS updatedAt FROM cutover_steps ORDER BY seq`,
      )
      .all() as (Omit<StepRow, 'checkIds'> & { checkIds: string })[];
    return rows.map((r) => ({ ...r, checkIds: JSON.parse(r.checkIds) as string[] }));
  }

  setStepState(key: string, state: StepState, note?: string): void {
    this.db.prepare('UPDATE cutover_steps SET state = ?, note = COALESCE(?, note), updated_at = ? WHERE key = ?').run(state, note ?? null, now(), key);
  }

  // ---- checks ---------------------------------------------------------------------------------

  saveCheckRun(runAt: string, results: Omit<CheckRow, 'runAt'>[]): void {
    const ins = this.db.prepare(
      'INSERT INTO cutover_checks (run_at, check_id, title, status, reason, fix, data, msg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const r of results) ins.run(runAt, r.checkId, r.title, r.status, r.reason, r.fix, r.data === undefined ? null : JSON.stringify(r.data), r.msg ? JSON.stringify(r.msg) : null);
    })();
  }

  /** The results of the latest check run. */
  lastCheckRun(): CheckRow[] {
    const last = this.db.prepare('SELECT MAX(run_at) AS runAt FROM cutover_checks').get() as { runAt: string | null };
    if (!last.runAt) return [];
    const rows = this.db
      .prepare('SELECT run_at AS runAt, check_id AS checkId, title, status, reason, fix, data, msg FROM cutover_checks WHERE run_at = ? ORDER BY id')
      .all(last.runAt) as (Omit<CheckRow, 'data' | 'msg'> & { data: string | null; msg: string | null })[];
    return rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data), msg: r.msg === null ? null : JSON.parse(r.msg) }));
  }

  // ---- propagation ----------------------------------------------------------------------------

  servers(): ServerRow[] {
    return this.db
      .prepare('SELECT address, kind, state, answer, flipped_at AS flippedAt, last_seen_at AS lastSeenAt FROM cutover_servers ORDER BY kind, address')
      .all() as ServerRow[];
  }

  /**
   * Records what a server answered; returns true when it flipped to the new MX just now. A failed
   * query is not an answer: the server keeps its last known state (a server never reached stays
   * 'error'), so a timeout neither flips it nor takes a flip back.
   */
  recordServer(address: string, kind: ServerRow['kind'], state: ServerRow['state'], answer: string, at: string): boolean {
    const prev = this.db.prepare('SELECT state, flipped_at AS flippedAt FROM cutover_servers WHERE address = ?').get(address) as
      | { state: ServerRow['state']; flippedAt: string | null }
      | undefined;
    const effective = state === 'error' && prev ? prev.state : state;
    const flipped = effective === 'new' && prev?.state !== 'new';
    const flippedAt = effective === 'new' ? (prev?.flippedAt ?? at) : null;
    this.db
      .prepare(
        `INSERT INTO cutover_servers (address, kind, state, answer, flipped_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, state = excluded.state, answer = excluded.answer,
           flipped_at = excluded.flipped_at, last_seen_at = excluded.last_seen_at`,
      )
      .run(address, kind, effective, state === 'error' ? `no answer: ${answer}` : answer, flippedAt, at);
    return flipped;
  }

  // ---- late mail ------------------------------------------------------------------------------

  addLateMail(r: LateMailRow): void {
    this.db
      .prepare(
        `INSERT INTO cutover_late_mail (at, direction, account, source_path, destination_path, src_uid, message_id, received_from, received_by, received_date)
         VALUES (@at, @direction, @account, @sourcePath, @destinationPath, @srcUid, @messageId, @receivedFrom, @receivedBy, @receivedDate)`,
      )
      .run(r);
  }

  lateMail(): LateMailRow[] {
    return this.db
      .prepare(
        `SELECT at, direction, account, source_path AS sourcePath, destination_path AS destinationPath, src_uid AS srcUid,
                message_id AS messageId, received_from AS receivedFrom, received_by AS receivedBy, received_date AS receivedDate
         FROM cutover_late_mail ORDER BY id`,
      )
      .all() as LateMailRow[];
  }

  // ---- sync parity (read-only view of the sync tables) ------------------------------------

  /** Message rows per state across the job: the copy's aggregate owns the messages table. */
  messageStates(): Record<string, number> {
    return this.store.sync.messageStates();
  }
}
