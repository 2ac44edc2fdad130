import { hostname } from 'node:os';
import { FatalError, LockedError } from '../../errors.js';
import type { AssessRecords } from '../contract/assess.js';
import type { CutoverRecords } from '../contract/cutover.js';
import type { DualRunActions, DualRunHealth, DualRunState } from '../contract/dualrun.js';
import type { GroupwareRecords } from '../contract/groupware.js';
import type { AccountRow, JobStore, LockHolder, PhaseName, PhaseOutcome, PhaseRun, StoredEvent } from '../contract/job.js';
import type { PipelineHistory } from '../contract/pipeline.js';
import type { DashboardReads, KitReads, ThrottleReads } from '../contract/reads.js';
import type { VerifyRecords } from '../contract/verify.js';
import { readKitView } from '../kit-store.js';
import { MemoryCopyCheckpoints } from './copy.js';
import { MemoryCutoverRecords } from './cutover.js';
import { MemoryAssessRecords } from './assess.js';
import { MemoryData } from './data.js';
import { MemoryGroupwareRecords } from './groupware.js';
import { MemoryVerifyRecords } from './verify.js';
import { MemoryDualRunActions, MemoryDualRunHealth, MemoryDualRunState } from './dualrun.js';

// The in-memory twin of the SQLite store, for tests of the engines' state machines without a
// file or a server. Same contract (src/store/contract/), same behaviour (test/contract/).

const now = () => new Date().toISOString();
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
const parse = (s: string | null) => (s === null ? null : (JSON.parse(s) as unknown));

export interface MemoryStoreOptions {
  /** Open on the data a previous store left (a crash, then the next process). */
  data?: MemoryData;
  /** Runs where the SQLite store would fsync the intent (a test's crash point). */
  onDurable?: () => Promise<void>;
}

export class MemoryStore implements JobStore {
  readonly path = ':memory:';
  readonly data: MemoryData;
  readonly sync: MemoryCopyCheckpoints;
  readonly cutover: CutoverRecords;
  readonly dualRun: DualRunState;
  readonly dualRunActions: DualRunActions;
  readonly dualRunHealth: DualRunHealth;
  readonly verify: VerifyRecords;
  readonly assess: AssessRecords;
  readonly groupware: GroupwareRecords;
  readonly kit: KitReads = { kitView: () => readKitView(this) };
  #locked = false;
  #closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.data = opts.data ?? new MemoryData();
    this.sync = new MemoryCopyCheckpoints(this.data, opts.onDurable);
    this.cutover = new MemoryCutoverRecords(this.data.cutover, this.sync);
    this.dualRun = new MemoryDualRunState(this.data);
    this.dualRunActions = new MemoryDualRunActions(this.data, opts.onDurable);
    this.dualRunHealth = new MemoryDualRunHealth(this.data);
    this.verify = new MemoryVerifyRecords(this.data, () => this.events());
    this.assess = new MemoryAssessRecords(this.data);
    this.groupware = new MemoryGroupwareRecords(this.data);
  }

  check(): string[] {
    return [];
  }

  async backup(): Promise<void> {
    throw new FatalError('an in-memory store has no file to back up');
  }

  async syncToDisk(): Promise<void> {}

  close(): void {
    if (this.#locked) this.releaseLock();
    this.#closed = true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- aggregates ---------------------------------------------------------------------------

  readonly pipeline: PipelineHistory = {
    markDone: (phase, seq, at = now()) => {
      if (!this.data.pipelineHistory.some((h) => h.phase === phase)) this.data.pipelineHistory.push({ phase, seq, doneAt: at });
    },
    history: () =>
      this.data.pipelineHistory
        .map((h) => ({ ...h }))
        .sort((a, b) => (a.doneAt < b.doneAt ? -1 : a.doneAt > b.doneAt ? 1 : a.seq - b.seq)),
  };

  readonly throttle: ThrottleReads = {
    recentAppends: (direction, sinceIso) => this.sync.recentAppends(direction, sinceIso),
  };

  readonly dashboard: DashboardReads = {
    latestEvents: (limit) => this.#events([...this.data.events].reverse().slice(0, limit)),
    latestPhaseEvents: (phase, limit) =>
      this.#events(
        [...this.data.events]
          .reverse()
          .filter((e) => e.phase === phase || e.kind.startsWith(`${phase.replace('-', '')}.`))
          .slice(0, limit),
      ),
  };


  // ---- job ----------------------------------------------------------------------------------

  ensureJob(name: string, domain: string): void {
    if (!this.data.job) this.data.job = { name, domain, createdAt: now() };
    else if (this.data.job.name !== name) {
      throw new FatalError(`${this.path} belongs to job "${this.data.job.name}", not "${name}"; set a different "store:" in the config`);
    }
  }

  job(): { name: string; domain: string; createdAt: string } | undefined {
    return this.data.job && { ...this.data.job };
  }

  // ---- lock ---------------------------------------------------------------------------------

  acquireLock(command: string): void {
    const host = hostname();
    const held = this.data.lock;
    if (held && !(held.host === host && (held.pid === process.pid || !isAlive(held.pid)))) {
      throw new LockedError(
        `job is locked by "${held.command}" (pid ${held.pid} on ${held.host}, since ${held.acquiredAt}); wait for it to finish or stop it first`,
      );
    }
    this.data.lock = { pid: process.pid, host, command, acquiredAt: now() };
    this.#locked = true;
  }

  releaseLock(): void {
    const held = this.data.lock;
    if (held && held.pid === process.pid && held.host === hostname()) this.data.lock = undefined;
    this.#locked = false;
  }

  lockHolder(): LockHolder | undefined {
    return this.data.lock && { ...this.data.lock };
  }

  // ---- accounts -----------------------------------------------------------------------------

  upsertAccount(sourceUser: string, destinationUser: string): number {
    const found = [...this.data.accounts.values()].find((a) => a.sourceUser === sourceUser);
    if (found) {
      found.destinationUser = destinationUser;
      return found.id;
    }
    const id = this.data.nextId('accounts');
    this.data.accounts.set(id, { id, sourceUser, destinationUser, state: 'pending', lastError: null, updatedAt: now() });
    return id;
  }

  setAccountState(id: number, state: AccountRow['state'], lastError: string | null = null): void {
    const a = this.data.accounts.get(id);
    if (a) Object.assign(a, { state, lastError, updatedAt: now() });
  }

  accounts(): AccountRow[] {
    return [...this.data.accounts.values()].sort((a, b) => a.id - b.id).map((a) => ({ ...a }));
  }

  // ---- phase runs ---------------------------------------------------------------------------

  startPhase(phase: PhaseName): number {
    const id = this.data.nextId('phase_runs');
    this.data.phaseRuns.set(id, { id, phase, startedAt: now(), finishedAt: null, outcome: 'running', summary: null });
    return id;
  }

  finishPhase(id: number, outcome: Exclude<PhaseOutcome, 'running'>, summary?: unknown): void {
    const r = this.data.phaseRuns.get(id);
    if (r) Object.assign(r, { finishedAt: now(), outcome, summary: json(summary) });
  }

  phaseRuns(phase?: PhaseName): PhaseRun[] {
    return [...this.data.phaseRuns.values()]
      .filter((r) => !phase || r.phase === phase)
      .sort((a, b) => a.id - b.id)
      .map((r) => ({ ...r, summary: parse(r.summary) }));
  }

  lastPhaseRun(phase: PhaseName): PhaseRun | undefined {
    return this.phaseRuns(phase).at(-1);
  }

  // ---- events -------------------------------------------------------------------------------

  addEvent(e: { phase?: string; accountId?: number; level: StoredEvent['level']; kind: string; message: string; data?: unknown }): void {
    const id = this.data.nextId('events');
    this.data.events.push({ id, at: now(), phase: e.phase ?? null, accountId: e.accountId ?? null, level: e.level, kind: e.kind, message: e.message, data: json(e.data) });
  }

  events(filter: { kind?: string; phase?: string; limit?: number } = {}): StoredEvent[] {
    const rows = this.data.events.filter((e) => (!filter.kind || e.kind === filter.kind) && (!filter.phase || e.phase === filter.phase));
    return this.#events(filter.limit === undefined || filter.limit < 0 ? rows : rows.slice(0, filter.limit));
  }

  #events(rows: MemoryData['events']): StoredEvent[] {
    return rows.map((r) => ({ ...r, data: parse(r.data) }));
  }
}

/** A new, empty in-memory store (or one on the data a crashed store left). */
export function openMemoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(opts);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
