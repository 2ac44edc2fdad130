import type { AccountRow, LockHolder, PhaseRun, StoredEvent } from '../contract/job.js';
import type { BatchRecord, MessageRecord, PairRecord } from './copy.js';
import { emptyCutover } from './cutover.js';
import { emptyDualRun } from './dualrun.js';
import { emptyGroupware } from './groupware.js';
import type { AssessRunRecord } from './assess.js';
import type { VerifyRunRecord } from './verify.js';

/**
 * Everything a memory store holds. Kept apart from the store object so that a test can drop a
 * store without closing it (a crash) and open a new one on the same data (the next process).
 */
export class MemoryData {
  job: { name: string; domain: string; createdAt: string } | undefined;
  lock: LockHolder | undefined;
  readonly accounts = new Map<number, AccountRow>();
  readonly phaseRuns = new Map<number, Omit<PhaseRun, 'summary'> & { summary: string | null }>();
  readonly events: (Omit<StoredEvent, 'data'> & { data: string | null })[] = [];
  readonly pairs = new Map<number, PairRecord>();
  readonly messages = new Map<number, MessageRecord>();
  readonly batches = new Map<number, BatchRecord>();
  readonly pipelineHistory: { phase: string; seq: number; doneAt: string }[] = [];
  readonly cutover = emptyCutover();
  readonly dualRun = emptyDualRun();
  readonly verifyRuns = new Map<number, VerifyRunRecord>();
  readonly assessRuns = new Map<number, AssessRunRecord>();
  readonly groupware = emptyGroupware();
  readonly #ids = new Map<string, number>();

  /** Like SQLite's INTEGER PRIMARY KEY: one more than the highest id handed out. */
  nextId(table: string): number {
    const id = (this.#ids.get(table) ?? 0) + 1;
    this.#ids.set(table, id);
    return id;
  }
}
