import { open, type FileHandle } from 'node:fs/promises';
import { chmodSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FatalError, LockedError } from '../errors.js';
import { isPostgresUrl, notYetOnPostgres } from './postgres/target.js';
import { ensureDir } from '../files/ensure-dir.js';
import { SqliteAssessRecords } from './assess-store.js';
import type { AssessRecords, CopyCheckpoints, CutoverRecords, DashboardReads, DualRunActions, DualRunHealth, DualRunState, GroupwareRecords, JobStore, KitReads, PipelineHistory, ThrottleReads, VerifyRecords } from './contract/index.js';
import { CutoverStore } from './cutover-store.js';
import { SqliteDashboardReads } from './dashboard-store.js';
import { DualRunActionsStore } from './dualrun-actions-store.js';
import { DualRunHealthStore } from './dualrun-health-store.js';
import { DualRunStore } from './dualrun-store.js';
import { GroupwareStore } from './groupware-store.js';
import { SqliteKitReads } from './kit-store.js';
import { PipelineStore } from './pipeline-store.js';
import { SyncStore } from './sync-store.js';
import { SqliteThrottleReads } from './throttle-store.js';
import { VerifyStore } from './verify-store.js';
import { checkSchemaReadOnly, migrate, missingTables } from './migrate.js';
import { describeStoreError } from './open-errors.js';
import { registerSqlite } from './sqlite-handle.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export type PhaseName = 'assess' | 'sync' | 'dual-run' | 'cutover' | 'kit' | 'verify' | 'report' | 'rollback';
export type PhaseOutcome = 'running' | 'complete' | 'incomplete' | 'failed' | 'interrupted';

export interface PhaseRun {
  id: number;
  phase: PhaseName;
  startedAt: string;
  finishedAt: string | null;
  outcome: PhaseOutcome;
  summary: unknown;
}

export interface StoredEvent {
  id: number;
  at: string;
  phase: string | null;
  accountId: number | null;
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
  data: unknown;
}

export interface AccountRow {
  id: number;
  sourceUser: string;
  destinationUser: string;
  state: 'pending' | 'syncing' | 'complete' | 'incomplete' | 'failed';
  lastError: string | null;
  updatedAt: string;
}

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  acquiredAt: string;
}

const now = () => new Date().toISOString();

/**
 * The job's SQLite store (WAL). This class holds the job-wide tables: the job row, the lock,
 * accounts, phase runs and events. Each phase keeps its own tables in a sibling module
 * (sync-store.ts, assess-store.ts, …) built on the same handle (`sqliteOf`, private to src/store).
 */
export class Store implements JobStore {
  readonly #db: Database.Database;
  readonly path: string;
  #locked = false;
  #wal: Promise<FileHandle> | undefined;
  readonly #aggregates = new Map<string, unknown>();

  private constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
    registerSqlite(this, db);
  }

  /** The handle, for this class only; sibling modules use `sqliteOf(store)`. */
  private get db(): Database.Database {
    return this.#db;
  }

  /**
   * Opens (creating if needed) and migrates the store, then checks that it has every table this
   * version expects. Anything unusable (not SQLite, damaged, newer or tampered schema, missing
   * tables, read-only or full disk) is one FatalError line naming the file and what to do.
   */
  static open(path: string, opts: { readonly?: boolean } = {}): Store {
    // A postgres:// store is opened by openJobStore (src/store/open.ts); what reaches here reads SQLite only.
    if (isPostgresUrl(path)) throw notYetOnPostgres(path);
    let db: Database.Database | undefined;
    try {
      if (!opts.readonly) ensureDir(dirname(path));
      db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
      db.pragma('busy_timeout = 5000');
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        // NORMAL in WAL mode: a commit survives a process crash; only an OS crash may lose the last one.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        migrate(db, path);
      }
      // Read-only (status) never migrates: an older store is read as it is.
      const current = opts.readonly ? checkSchemaReadOnly(db, path) : true;
      const missing = current ? missingTables(db, expectedTables()) : [];
      if (missing.length) {
        throw new FatalError(
          `${path} is missing tables (${missing.join(', ')}): restore it from a backup, or move it away to start a new job (a new job recognises the mail already on the destination)`,
        );
      }
    } catch (err) {
      db?.close();
      throw describeStoreError(err, path);
    }
    if (!opts.readonly) restrictToOwner(path);
    return new Store(db, path);
  }

  /** SQLite's own integrity check plus the schema check; the problems found, none when healthy. */
  check(): string[] {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    const missing = missingTables(this.db, expectedTables());
    if (missing.length) problems.push(`missing tables: ${missing.join(', ')}`);
    return problems;
  }

  /** An online, consistent copy through SQLite's backup API (safe while a sync is running). */
  async backup(to: string): Promise<void> {
    await this.db.backup(to);
    restrictToOwner(to);
  }

  /**
   * fsyncs the WAL (where commits live in WAL mode) on libuv's thread pool. The file is opened
   * once: SQLite rewrites it in place and deletes it only when the last connection closes.
   */
  async syncToDisk(): Promise<void> {
    // A store that copies checkpoints off the main thread from here on (wal-checkpointer.ts).
    this.#checkpointer ??= WalCheckpointer.start(this.db, this.path) ?? null;
    // Group commit: callers that arrive while an fsync is running share the one that starts
    // after it (their commits may have missed the running one); concurrent batches of the
    // copier then cost one fsync between them, not one each.
    if (!this.#syncing) {
      this.#syncing = this.#fsyncWal().finally(() => (this.#syncing = undefined));
      return this.#syncing;
    }
    this.#syncNext ??= this.#syncing
      .catch(() => undefined)
      .then(() => {
        this.#syncNext = undefined;
        return this.syncToDisk();
      });
    return this.#syncNext;
  }

  #syncing: Promise<void> | undefined;
  #checkpointer: WalCheckpointer | null | undefined;
  #syncNext: Promise<void> | undefined;

  async #fsyncWal(): Promise<void> {
    this.#wal ??= open(`${this.path}-wal`, 'r');
    let fh;
    try {
      fh = await this.#wal;
    } catch (err) {
      this.#wal = undefined;
      // No WAL file: nothing committed since the last checkpoint, which SQLite synced itself.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    await fh.sync();
  }

  close(): void {
    void this.#wal?.then((fh) => fh.close()).catch(() => undefined);
    this.#wal = undefined;
    if (this.#locked) this.releaseLock();
    this.#checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  // ---- aggregates (the contract's views; each created once per open store) ------------------

  #one<T>(key: string, make: () => T): T {
    let v = this.#aggregates.get(key) as T | undefined;
    if (v === undefined) this.#aggregates.set(key, (v = make()));
    return v;
  }
  /** The copy's checkpoints: folder pairs, messages, append batches. */
  get sync(): CopyCheckpoints {
    return this.#one('sync', () => new SyncStore(this));
  }
  get dualRun(): DualRunState {
    return this.#one('dualRun', () => new DualRunStore(this));
  }
  get dualRunActions(): DualRunActions {
    return this.#one('dualRunActions', () => new DualRunActionsStore(this));
  }
  get dualRunHealth(): DualRunHealth {
    return this.#one('dualRunHealth', () => new DualRunHealthStore(this));
  }
  get cutover(): CutoverRecords {
    return this.#one('cutover', () => new CutoverStore(this));
  }
  get verify(): VerifyRecords {
    return this.#one('verify', () => new VerifyStore(this));
  }
  get assess(): AssessRecords {
    return this.#one('assess', () => new SqliteAssessRecords(this));
  }
  /** The contacts/calendars tables (0008). */
  get groupware(): GroupwareRecords {
    return this.#one('groupware', () => new GroupwareStore(this));
  }
  get pipeline(): PipelineHistory {
    return this.#one('pipeline', () => new PipelineStore(this));
  }
  get throttle(): ThrottleReads {
    return this.#one('throttle', () => new SqliteThrottleReads(this));
  }
  get kit(): KitReads {
    return this.#one('kit', () => new SqliteKitReads(this));
  }
  get dashboard(): DashboardReads {
    return this.#one('dashboard', () => new SqliteDashboardReads(this));
  }

  // ---- job ----------------------------------------------------------------------------------

  /** Records the job's name and domain on first use; refuses a store that belongs to another job. */
  ensureJob(name: string, domain: string): void {
    const row = this.db.prepare('SELECT name FROM job WHERE id = 1').get() as { name: string } | undefined;
    if (!row) {
      this.db.prepare('INSERT INTO job (id, name, domain, created_at) VALUES (1, ?, ?, ?)').run(name, domain, now());
    } else if (row.name !== name) {
      throw new FatalError(`${this.path} belongs to job "${row.name}", not "${name}"; set a different "store:" in the config`);
    }
  }

  job(): { name: string; domain: string; createdAt: string } | undefined {
    return this.db.prepare('SELECT name, domain, created_at AS createdAt FROM job WHERE id = 1').get() as
      | { name: string; domain: string; createdAt: string }
      | undefined;
  }

  // ---- lock ---------------------------------------------------------------------------------

  /**
   * Takes the job lock for this process. A lock held by a live process is refused with who holds
   * it; a lock left by a process that no longer exists on this host is taken over.
   */
  acquireLock(command: string): void {
    const host = hostname();
    const take = this.db.transaction(() => {
      const held = this.lockHolder();
      if (held && !(held.host === host && (held.pid === process.pid || !isAlive(held.pid)))) {
        return held;
      }
      this.db
        .prepare('INSERT OR REPLACE INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, ?, ?, ?, ?)')
        .run(process.pid, host, command, now());
      return undefined;
    });
    const held = take.immediate();
    if (held) {
      throw new LockedError(
        `job is locked by "${held.command}" (pid ${held.pid} on ${held.host}, since ${held.acquiredAt}); wait for it to finish or stop it first`,
      );
    }
    this.#locked = true;
  }

  releaseLock(): void {
    this.db.prepare('DELETE FROM job_lock WHERE id = 1 AND pid = ? AND host = ?').run(process.pid, hostname());
    this.#locked = false;
  }

  lockHolder(): LockHolder | undefined {
    return this.db.prepare('SELECT pid, host, command, acquired_at AS acquiredAt FROM job_lock WHERE id = 1').get() as
      | LockHolder
      | undefined;
  }

  // ---- accounts -----------------------------------------------------------------------------

  /** Inserts or refreshes an account row and returns its id. */
  upsertAccount(sourceUser: string, destinationUser: string): number {
    this.db
      .prepare(
        `INSERT INTO accounts (source_user, destination_user, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (source_user) DO UPDATE SET destination_user = excluded.destination_user`,
      )
      .run(sourceUser, destinationUser, now());
    return (this.db.prepare('SELECT id FROM accounts WHERE source_user = ?').get(sourceUser) as { id: number }).id;
  }

  setAccountState(id: number, state: AccountRow['state'], lastError: string | null = null): void {
    this.db.prepare('UPDATE accounts SET state = ?, last_error = ?, updated_at = ? WHERE id = ?').run(state, lastError, now(), id);
  }

  accounts(): AccountRow[] {
    return this.db
      .prepare(
        `SELECT id, source_user AS sourceUser, destination_user AS destinationUser, state,
                last_error AS lastError, updated_at AS updatedAt FROM accounts ORDER BY id`,
      )
      .all() as AccountRow[];
  }

  // ---- phase runs ---------------------------------------------------------------------------

  startPhase(phase: PhaseName): number {
    return Number(this.db.prepare('INSERT INTO phase_runs (phase, started_at) VALUES (?, ?)').run(phase, now()).lastInsertRowid);
  }

  finishPhase(id: number, outcome: Exclude<PhaseOutcome, 'running'>, summary?: unknown): void {
    this.db
      .prepare('UPDATE phase_runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?')
      .run(now(), outcome, summary === undefined ? null : JSON.stringify(summary), id);
  }

  phaseRuns(phase?: PhaseName): PhaseRun[] {
    const rows = this.db
      .prepare(
        `SELECT id, phase, started_at AS startedAt, finished_at AS finishedAt, outcome, summary FROM phase_runs
         ${phase ? 'WHERE phase = ?' : ''} ORDER BY id`,
      )
      .all(...(phase ? [phase] : [])) as (Omit<PhaseRun, 'summary'> & { summary: string | null })[];
    return rows.map((r) => ({ ...r, summary: r.summary === null ? null : JSON.parse(r.summary) }));
  }

  lastPhaseRun(phase: PhaseName): PhaseRun | undefined {
    return this.phaseRuns(phase).at(-1);
  }

  // ---- events -------------------------------------------------------------------------------

  addEvent(e: { phase?: string; accountId?: number; level: StoredEvent['level']; kind: string; message: string; data?: unknown }): void {
    this.db
      .prepare('INSERT INTO events (at, phase, account_id, level, kind, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(now(), e.phase ?? null, e.accountId ?? null, e.level, e.kind, e.message, e.data === undefined ? null : JSON.stringify(e.data));
  }

  events(filter: { kind?: string; phase?: string; limit?: number } = {}): StoredEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.kind) (where.push('kind = ?'), args.push(filter.kind));
    if (filter.phase) (where.push('phase = ?'), args.push(filter.phase));
    const rows = this.db
      .prepare(
        `SELECT id, at, phase, account_id AS accountId, level, kind, message, data FROM events
         ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id LIMIT ?`,
      )
      .all(...args, filter.limit ?? -1) as (Omit<StoredEvent, 'data'> & { data: string | null })[];
    return rows.map((r) => ({ ...r, data: r.data === null ? null : JSON.parse(r.data) }));
  }
}

let expected: string[] | undefined;
/** The tables every migration together creates, from an in-memory run of them (cached). */
function expectedTables(): string[] {
  if (!expected) {
    const mem = new Database(':memory:');
    try {
      migrate(mem, ':memory:');
      expected = (mem.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    } finally {
      mem.close();
    }
  }
  return expected;
}

/** The store holds the job's mail metadata: only its owner may read it (and its WAL files). */
function restrictToOwner(path: string): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(f)) chmodSync(f, 0o600);
    } catch {
      // A file we cannot chmod (another owner) is still usable; the open would have failed otherwise.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
