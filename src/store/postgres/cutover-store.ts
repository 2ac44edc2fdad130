import type { AsyncOf } from '../contract/async.js';
import type { CheckRow, CopyCheckpoints, CutoverRecords, CutoverStateRow, LateMailRow, ServerRow, StepRow, StepState } from '../contract/index.js';
import type { PgDb } from './db.js';
import { STATE_COLUMNS } from '../cutover-columns.js';

// cutover_state, cutover_steps, cutover_checks, cutover_servers and cutover_late_mail (0003) on
// PostgreSQL: the SQLite store's queries (src/store/cutover-store.ts).

const now = () => new Date().toISOString();


export class PgCutoverRecords implements AsyncOf<CutoverRecords> {
  constructor(
    private readonly db: PgDb,
    private readonly sync: Pick<AsyncOf<CopyCheckpoints>, 'messageStates'>,
  ) {}

  async state(): Promise<CutoverStateRow> {
    const row = (await this.db.get('SELECT * FROM cutover_state WHERE id = 1')) as Record<string, unknown> | undefined;
    const out = {} as Record<string, unknown>;
    for (const [k, col] of Object.entries(STATE_COLUMNS)) out[k] = row?.[col] ?? null;
    if (typeof out.oldMx === 'string') out.oldMx = JSON.parse(out.oldMx);
    return out as unknown as CutoverStateRow;
  }

  /** Sets the given fields of the state row (creating it on first use). */
  async updateState(fields: Partial<CutoverStateRow>): Promise<void> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [keyof CutoverStateRow, unknown][];
    (await this.db.run('INSERT INTO cutover_state (id, updated_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING', now()));
    if (!entries.length) return;
    const sets = entries.map(([k]) => `${STATE_COLUMNS[k]} = ?`).join(', ');
    const values = entries.map(([k, v]) => (k === 'oldMx' && v !== null ? JSON.stringify(v) : v));
    (await this.db.run(`UPDATE cutover_state SET ${sets}, updated_at = ? WHERE id = 1`, ...values, now()));
  }

  // ---- checklist ------------------------------------------------------------------------------

  /** Writes the checklist; steps already there keep their state (plan can be run again). */
  async saveSteps(steps: Omit<StepRow, 'state' | 'note' | 'updatedAt'>[]): Promise<void> {
    const upsert = this.db.stmt(
      `INSERT INTO cutover_steps (key, seq, offset_seconds, due_at, title, who, how, check_ids, updated_at)
       VALUES (@key, @seq, @offsetSeconds, @dueAt, @title, @who, @how, @checkIds, @updatedAt)
       ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, offset_seconds = excluded.offset_seconds, due_at = excluded.due_at,
         title = excluded.title, who = excluded.who, how = excluded.how, check_ids = excluded.check_ids`,
    );
    (await this.db.tx(async () => {
      for (const s of steps) await upsert.run({ ...s, checkIds: JSON.stringify(s.checkIds), updatedAt: now() });
    }));
  }

  async steps(): Promise<StepRow[]> {
    const rows = (await this.db.all(
        `SELECT key, seq, offset_seconds AS offsetSeconds, due_at AS dueAt, title, who, how, check_ids AS checkIds, state, note,
                updated_at AS updatedAt FROM cutover_steps ORDER BY seq`,
      )) as (Omit<StepRow, 'checkIds'> & { checkIds: string })[];
    return rows.map((r) => ({ ...r, checkIds: JSON.parse(r.checkIds) as string[] }));
  }

  async setStepState(key: string, state: StepState, note?: string): Promise<void> {
    (await this.db.run('UPDATE cutover_steps SET state = ?, note = COALESCE(?, note), updated_at = ? WHERE key = ?', state, note ?? null, now(), key));
  }

  // ---- checks ---------------------------------------------------------------------------------

  async saveCheckRun(runAt: string, results: Omit<CheckRow, 'runAt'>[]): Promise<void> {
    const ins = this.db.stmt(
      'INSERT INTO cutover_checks (run_at, check_id, title, status, reason, fix, data, msg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    (await this.db.tx(async () => {
      for (const r of results) await ins.run(runAt, r.checkId, r.title, r.status, r.reason, r.fix, r.data === undefined ? null : JSON.stringify(r.data), r.msg ? JSON.stringify(r.msg) : null);
    }));
  }

  /** The results of the latest check run. */
  async lastCheckRun(): Promise<CheckRow[]> {
    const last = (await this.db.get('SELECT MAX(run_at) AS runAt FROM cutover_checks')) as { runAt: string | null };
    if (!last.runAt) return [];
    const rows = (await this.db.all('SELECT run_at AS runAt, check_id AS checkId, title, status, reason, fix, data, msg FROM cutover_checks WHERE run_at = ? ORDER BY id', last.runAt)) as (Omit<CheckRow, 'data' | 'msg'> & { data: string | null; msg: string | null })[];
    return rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data), msg: r.msg === null ? null : JSON.parse(r.msg) }));
  }

  // ---- propagation ----------------------------------------------------------------------------

  async servers(): Promise<ServerRow[]> {
    return (await this.db.all('SELECT address, kind, state, answer, flipped_at AS flippedAt, last_seen_at AS lastSeenAt FROM cutover_servers ORDER BY kind, address')) as ServerRow[];
  }

  /**
   * Records what a server answered; returns true when it flipped to the new MX just now. A failed
   * query is not an answer: the server keeps its last known state (a server never reached stays
   * 'error'), so a timeout neither flips it nor takes a flip back.
   */
  async recordServer(address: string, kind: ServerRow['kind'], state: ServerRow['state'], answer: string, at: string): Promise<boolean> {
    const prev = (await this.db.get('SELECT state, flipped_at AS flippedAt FROM cutover_servers WHERE address = ?', address)) as
      | { state: ServerRow['state']; flippedAt: string | null }
      | undefined;
    const effective = state === 'error' && prev ? prev.state : state;
    const flipped = effective === 'new' && prev?.state !== 'new';
    const flippedAt = effective === 'new' ? (prev?.flippedAt ?? at) : null;
    (await this.db.run(
        `INSERT INTO cutover_servers (address, kind, state, answer, flipped_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET kind = excluded.kind, state = excluded.state, answer = excluded.answer,
           flipped_at = excluded.flipped_at, last_seen_at = excluded.last_seen_at`,
      address, kind, effective, state === 'error' ? `no answer: ${answer}` : answer, flippedAt, at));
    return flipped;
  }

  // ---- late mail ------------------------------------------------------------------------------

  async addLateMail(r: LateMailRow): Promise<void> {
    (await this.db.run(
        `INSERT INTO cutover_late_mail (at, direction, account, source_path, destination_path, src_uid, message_id, received_from, received_by, received_date)
         VALUES (@at, @direction, @account, @sourcePath, @destinationPath, @srcUid, @messageId, @receivedFrom, @receivedBy, @receivedDate)`,
      r));
  }

  async lateMail(): Promise<LateMailRow[]> {
    return (await this.db.all(
        `SELECT at, direction, account, source_path AS sourcePath, destination_path AS destinationPath, src_uid AS srcUid,
                message_id AS messageId, received_from AS receivedFrom, received_by AS receivedBy, received_date AS receivedDate
         FROM cutover_late_mail ORDER BY id`,
      )) as LateMailRow[];
  }

  // ---- sync parity (read-only view of the sync tables) ------------------------------------

  /** Message rows per state across the job: the copy's aggregate owns the messages table. */
  async messageStates(): Promise<Record<string, number>> {
    return this.sync.messageStates();
  }
}
