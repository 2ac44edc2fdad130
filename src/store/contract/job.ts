import type { AccountRow, LockHolder, PhaseName, PhaseOutcome, PhaseRun, StoredEvent } from '../store.js';
import type { AssessRecords } from './assess.js';
import type { CopyCheckpoints } from './copy.js';
import type { CutoverRecords } from './cutover.js';
import type { DualRunActions, DualRunHealth, DualRunState } from './dualrun.js';
import type { GroupwareRecords } from './groupware.js';
import type { PipelineHistory } from './pipeline.js';
import type { DashboardReads, KitReads, ThrottleReads } from './reads.js';
import type { VerifyRecords } from './verify.js';

// The job-wide records (job row, lock, accounts, phase runs, events) and the store as a whole:
// what a phase gets. SQLite (src/store/store.ts) and memory (src/store/memory/) implement it.
//
// Every method is synchronous because better-sqlite3 is. The asynchronous form the PostgreSQL
// store (issue 18) implements is derived from this one in ./async.ts (AsyncJobStore); there
// `durable()`/`syncToDisk()` mean "committed" and the lock is an advisory lock.

export type { AccountRow, LockHolder, PhaseName, PhaseOutcome, PhaseRun, StoredEvent };

export interface JobRecords {
  /** Records the job's name and domain on first use; refuses a store that belongs to another job. */
  ensureJob(name: string, domain: string): void;
  job(): {
    name: string;
    domain: string;
    createdAt: string;
  } | undefined;
  /**
   * Takes the job lock for this process. A lock held by a live process is refused with who holds
   * it; a lock left by a process that no longer exists on this host is taken over.
   */
  acquireLock(command: string): void;
  releaseLock(): void;
  lockHolder(): LockHolder | undefined;
  /** Inserts or refreshes an account row and returns its id. */
  upsertAccount(sourceUser: string, destinationUser: string): number;
  setAccountState(id: number, state: AccountRow['state'], lastError?: string | null): void;
  accounts(): AccountRow[];
  startPhase(phase: PhaseName): number;
  finishPhase(id: number, outcome: Exclude<PhaseOutcome, 'running'>, summary?: unknown): void;
  phaseRuns(phase?: PhaseName): PhaseRun[];
  lastPhaseRun(phase: PhaseName): PhaseRun | undefined;
  addEvent(e: {
    phase?: string;
    accountId?: number;
    level: StoredEvent['level'];
    kind: string;
    message: string;
    data?: unknown;
  }): void;
  events(filter?: {
    kind?: string;
    phase?: string;
    limit?: number;
  }): StoredEvent[];
}

/** One job's store: the job-wide records plus one view per aggregate, each owning its tables. */
export interface JobStore extends JobRecords {
  /** Where it lives (a file path, or ':memory:'). */
  readonly path: string;
  /** Problems found by an integrity check (none when healthy). */
  check(): string[];
  /** A consistent copy, taken while the store is in use. */
  backup(to: string): Promise<void>;
  /** Resolves when every commit so far would survive a power cut. */
  syncToDisk(): Promise<void>;
  close(): void;

  readonly sync: CopyCheckpoints;
  readonly dualRun: DualRunState;
  readonly dualRunActions: DualRunActions;
  readonly dualRunHealth: DualRunHealth;
  readonly cutover: CutoverRecords;
  readonly verify: VerifyRecords;
  readonly assess: AssessRecords;
  readonly groupware: GroupwareRecords;
  readonly pipeline: PipelineHistory;
  readonly throttle: ThrottleReads;
  readonly kit: KitReads;
  readonly dashboard: DashboardReads;
}
