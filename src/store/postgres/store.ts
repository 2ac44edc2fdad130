import { hostname } from 'node:os';
import type pg from 'pg';
import { FatalError, LockedError } from '../../errors.js';
import type { AsyncJobStore, AsyncOf } from '../contract/async.js';
import type { AccountRow, AssessRecords, CopyCheckpoints, CutoverRecords, DashboardReads, DualRunActions, DualRunHealth, DualRunState, GroupwareRecords, KitReads, LockHolder, PhaseName, PhaseOutcome, PhaseRun, PipelineHistory, StoredEvent, ThrottleReads, VerifyRecords } from '../contract/index.js';
import { PgAssessRecords } from './assess-store.js';
import { PgCutoverRecords } from './cutover-store.js';
import { PgDb } from './db.js';
import { PgDualRunActions } from './dualrun-actions-store.js';
import { PgDualRunHealth } from './dualrun-health-store.js';
import { PgDualRunState } from './dualrun-store.js';
import { PgGroupwareRecords } from './groupware-store.js';
import { readKitViewAsync } from './kit-view.js';
import { checkPgSchema, LOCK_CLASS, migratePg } from './migrate.js';
import { PgPipelineHistory } from './pipeline-store.js';
import { PgCopyCheckpoints } from './sync-store.js';
import { PgVerifyRecords } from './verify-store.js';

// The job's store on PostgreSQL (issue 18): the same contract as SQLite, asynchronous. One
// database holds one job (the job row has id 1, as in SQLite).
//
// The job lock is a session-level advisory lock (pg_try_advisory_lock) held by one connection
// kept out of the pool for as long as the lock is held: a process that dies, on any host, drops
// its connection and with it the lock, so no liveness check by pid is needed. The job_lock row
// only says who holds it (pid, host, command) for the refusal message and `status`.

const now = () => new Date().toISOString();
const JOB_LOCK = 1;

export class PgStore implements AsyncJobStore {
  readonly path: string;
  readonly db: PgDb;
  #lockClient: pg.PoolClient | undefined;
  /** True once the connection holding the job lock was lost (the lock with it). */
  lockLost = false;

  readonly sync: AsyncOf<CopyCheckpoints>;
  readonly dualRun: AsyncOf<DualRunState>;
  readonly dualRunActions: AsyncOf<DualRunActions>;
  readonly dualRunHealth: AsyncOf<DualRunHealth>;
  readonly cutover: AsyncOf<CutoverRecords>;
  readonly verify: AsyncOf<VerifyRecords>;
  readonly assess: AsyncOf<AssessRecords>;
  readonly groupware: AsyncOf<GroupwareRecords>;
  readonly pipeline: AsyncOf<PipelineHistory>;
  readonly throttle: AsyncOf<ThrottleReads>;
  readonly kit: AsyncOf<KitReads>;
  readonly dashboard: AsyncOf<DashboardReads>;

  private constructor(db: PgDb, where: string) {
    this.db = db;
    this.path = where;
    const sync = new PgCopyCheckpoints(db);
    this.sync = sync;
    this.dualRun = new PgDualRunState(db);
    this.dualRunActions = new PgDualRunActions(db);
    this.dualRunHealth = new PgDualRunHealth(db);
    this.cutover = new PgCutoverRecords(db, sync);
    this.verify = new PgVerifyRecords(db, this);
    this.assess = new PgAssessRecords(db);
    this.groupware = new PgGroupwareRecords(db);
    this.pipeline = new PgPipelineHistory(db);
    this.throttle = { recentAppends: (direction, sinceIso) => sync.recentAppends(direction, sinceIso) };
    this.kit = { kitView: () => readKitViewAsync(this) };
    this.dashboard = {
      latestEvents: (limit) => this.#events('', [], limit),
      latestPhaseEvents: (phase, limit) => this.#events('WHERE phase = ? OR kind LIKE ?', [phase, `${phase.replace('-', '')}.%`], limit),
    };
  }

  /**
   * Connects and migrates. `where` names the store in messages (the URL without any password);
   * nothing on either mail server is touched before this succeeds.
   */
  static async open(config: pg.PoolConfig, where: string): Promise<PgStore> {
    const db = new PgDb({ max: 4, ...config });
    try {
      await migratePg(db, where);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw describePgError(err, where);
    }
    return new PgStore(db, where);
  }

  /** The schema record checked (nothing written), plus the tables each migration made. */
  async check(): Promise<string[]> {
    return checkPgSchema(this.db, this.path);
  }

  async backup(): Promise<void> {
    throw new FatalError(`${this.path}: back up a PostgreSQL store with pg_dump (or the provider's snapshots), not mailshift store backup`);
  }

  /** A commit on PostgreSQL is durable when COMMIT returns (synchronous_commit on, its default). */
  async syncToDisk(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#lockClient) await this.releaseLock();
    await this.db.close();
  }

  // ---- job ----------------------------------------------------------------------------------

  async ensureJob(name: string, domain: string): Promise<void> {
    await this.db.run('INSERT INTO job (id, name, domain, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING', name, domain, now());
    const row = (await this.db.get<{ name: string }>('SELECT name FROM job WHERE id = 1'))!;
    if (row.name !== name) throw new FatalError(`${this.path} belongs to job "${row.name}", not "${name}"; set a different "store:" in the config`);
  }

  async job(): Promise<{ name: string; domain: string; createdAt: string } | undefined> {
    return this.db.get('SELECT name, domain, created_at AS createdAt FROM job WHERE id = 1');
  }

  // ---- lock ---------------------------------------------------------------------------------

  async acquireLock(command: string): Promise<void> {
    if (this.#lockClient) return;
    const client = await this.db.pool.connect();
    // A held lock lives on this connection: when the server or the network drops it, the lock
    // is gone (another host may take the job) and `lockLost` says so; nothing is thrown here.
    client.on('error', () => {
      if (this.#lockClient === client) this.lockLost = true;
    });
    let ok = false;
    try {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, JOB_LOCK]);
      if (!got.rows[0]!.ok) {
        const held = await this.lockHolder();
        throw new LockedError(
          held
            ? `job is locked by "${held.command}" (pid ${held.pid} on ${held.host}, since ${held.acquiredAt}); wait for it to finish or stop it first`
            : `job is locked by another mailshift process on the same PostgreSQL database; wait for it to finish or stop it first`,
        );
      }
      // The row of a holder that died is stale: the advisory lock is ours now, so it is replaced.
      await client.query(
        `INSERT INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, command = excluded.command, acquired_at = excluded.acquired_at`,
        [process.pid, hostname(), command, now()],
      );
      ok = true;
      this.#lockClient = client;
    } finally {
      if (!ok) client.release();
    }
  }

  async releaseLock(): Promise<void> {
    const client = this.#lockClient;
    if (!client) return;
    this.#lockClient = undefined;
    try {
      await client.query('DELETE FROM job_lock WHERE id = 1 AND pid = $1 AND host = $2', [process.pid, hostname()]);
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, JOB_LOCK]);
      client.release();
    } catch {
      // A lost connection has already dropped the lock with it.
      client.release(true);
    }
  }

  async lockHolder(): Promise<LockHolder | undefined> {
    // Only a row whose advisory lock is held by some session names a live holder.
    const held = await this.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = ? AND objid = ? AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      LOCK_CLASS,
      JOB_LOCK,
    );
    if (!held?.n) return undefined;
    return this.db.get<LockHolder>('SELECT pid, host, command, acquired_at AS acquiredAt FROM job_lock WHERE id = 1');
  }

  // ---- accounts -----------------------------------------------------------------------------

  async upsertAccount(sourceUser: string, destinationUser: string): Promise<number> {
    return this.db.insertId(
      `INSERT INTO accounts (source_user, destination_user, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (source_user) DO UPDATE SET destination_user = excluded.destination_user RETURNING id`,
      sourceUser,
      destinationUser,
      now(),
    );
  }

  async setAccountState(id: number, state: AccountRow['state'], lastError: string | null = null): Promise<void> {
    await this.db.run('UPDATE accounts SET state = ?, last_error = ?, updated_at = ? WHERE id = ?', state, lastError, now(), id);
  }

  async accounts(): Promise<AccountRow[]> {
    return this.db.all<AccountRow>(
      `SELECT id, source_user AS sourceUser, destination_user AS destinationUser, state,
              last_error AS lastError, updated_at AS updatedAt FROM accounts ORDER BY id`,
    );
  }

  // ---- phase runs ---------------------------------------------------------------------------

  async startPhase(phase: PhaseName): Promise<number> {
    return this.db.insertId('INSERT INTO phase_runs (phase, started_at) VALUES (?, ?) RETURNING id', phase, now());
  }

  async finishPhase(id: number, outcome: Exclude<PhaseOutcome, 'running'>, summary?: unknown): Promise<void> {
    await this.db.run('UPDATE phase_runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?', now(), outcome, summary === undefined ? null : JSON.stringify(summary), id);
  }

  async phaseRuns(phase?: PhaseName): Promise<PhaseRun[]> {
    const rows = await this.db.all<Omit<PhaseRun, 'summary'> & { summary: string | null }>(
      `SELECT id, phase, started_at AS startedAt, finished_at AS finishedAt, outcome, summary FROM phase_runs
       ${phase ? 'WHERE phase = ?' : ''} ORDER BY id`,
      ...(phase ? [phase] : []),
    );
    return rows.map((r) => ({ ...r, summary: r.summary === null ? null : JSON.parse(r.summary) }));
  }

  async lastPhaseRun(phase: PhaseName): Promise<PhaseRun | undefined> {
    return (await this.phaseRuns(phase)).at(-1);
  }

  // ---- events -------------------------------------------------------------------------------

  async addEvent(e: { phase?: string; accountId?: number; level: StoredEvent['level']; kind: string; message: string; data?: unknown }): Promise<void> {
    await this.db.run(
      'INSERT INTO events (at, phase, account_id, level, kind, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      now(), e.phase ?? null, e.accountId ?? null, e.level, e.kind, e.message, e.data === undefined ? null : JSON.stringify(e.data),
    );
  }

  async events(filter: { kind?: string; phase?: string; limit?: number } = {}): Promise<StoredEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.kind) (where.push('kind = ?'), args.push(filter.kind));
    if (filter.phase) (where.push('phase = ?'), args.push(filter.phase));
    const rows = await this.db.all<Omit<StoredEvent, 'data'> & { data: string | null }>(
      `SELECT id, at, phase, account_id AS accountId, level, kind, message, data FROM events
       ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT ?`,
      ...args,
      filter.limit ?? null,
    );
    return rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) }));
  }

  /** The dashboard's feed: newest first. */
  async #events(where: string, args: unknown[], limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.all<Omit<StoredEvent, 'data'> & { data: string | null }>(
      `SELECT id, at, phase, account_id AS accountId, level, kind, message, data FROM events ${where} ORDER BY id DESC LIMIT ?`,
      ...args,
      limit,
    );
    return rows.map((r) => ({ ...r, data: r.data === null ? null : safeJson(r.data) }));
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** What the server or the network says when a store cannot be used, as one line. */
export function describePgError(err: unknown, where: string): FatalError {
  if (err instanceof FatalError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const message = (err as Error)?.message ?? String(err);
  if (code === '28P01' || code === '28000') return new FatalError(`cannot open the store ${where}: the server refused the login (${message}); check the user and its password (PGPASSWORD, ~/.pgpass or the config's env:/cmd: value)`, { cause: err });
  if (code === '3D000') return new FatalError(`cannot open the store ${where}: the database does not exist; create it first (createdb)`, { cause: err });
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') return new FatalError(`cannot reach the store ${where} (${code}); check the host and port, and that PostgreSQL is running`, { cause: err });
  if (/self[- ]signed|certificate|SSL|TLS/i.test(message)) return new FatalError(`cannot open the store ${where}: TLS failed (${message}); the server's certificate must be valid for the host, or put sslmode=disable in the URL on a trusted network`, { cause: err });
  return new FatalError(`cannot open the store ${where}: ${message}`, { cause: err });
}
