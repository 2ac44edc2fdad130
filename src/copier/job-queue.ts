import PQueue, { type Queue, type QueueAddOptions } from 'p-queue';
import type { SidePools } from './session-pools.js';

// The job-wide queue's order with session affinity. Folder tasks go most work first whatever
// their account (account.ts taskWeight); but a session belongs to one login, so a task of
// another account than the one whose task just ended closes that account's idle sessions and
// logs in again on both servers. So when a slot frees up, a task of an account that has idle
// sessions goes first - provided it is nearly as big as the biggest waiting (within a factor of
// AFFINITY_SPAN): the biggest folders still start first and the copy still ends on small ones.

type RunFunction = () => Promise<unknown>;

export type JobTaskOptions = QueueAddOptions & {
  /** The account's session key (pool.ts keyOf): tasks of an account with idle sessions may go first. */
  affinity?: string;
};

export type JobQueue = PQueue<Queue<RunFunction, JobTaskOptions>, JobTaskOptions>;

interface Element {
  run: RunFunction;
  priority: number;
  id?: string;
  affinity?: string;
}

/** A task this much smaller than the biggest waiting may still go first for its idle sessions. */
export const AFFINITY_SPAN = 2;
/** How far down the queue to look for one (the queue is sorted: the first few are the candidates). */
const LOOK_AHEAD = 64;

/**
 * p-queue's `queueClass` over these pools: priority order (FIFO among equals), except as above.
 * `idleSides(key)` says on how many sides (0-2) that account has an idle session now.
 */
export function affinityQueue(idleSides: (key: string) => number): new () => Queue<RunFunction, JobTaskOptions> {
  return class AffinityQueue implements Queue<RunFunction, JobTaskOptions> {
    #items: Element[] = [];
    get size(): number {
      return this.#items.length;
    }
    enqueue(run: RunFunction, options?: Partial<JobTaskOptions>): void {
      const e: Element = { run, priority: options?.priority ?? 0, id: options?.id, affinity: options?.affinity };
      // After the last element of at least its priority: sorted, and FIFO among equals.
      let i = this.#items.length;
      while (i > 0 && this.#items[i - 1]!.priority < e.priority) i--;
      this.#items.splice(i, 0, e);
    }
    dequeue(): RunFunction | undefined {
      const top = this.#items[0];
      if (!top) return undefined;
      let best = 0;
      let bestScore = top.affinity === undefined ? 0 : idleSides(top.affinity);
      for (let i = 1; i < Math.min(this.#items.length, LOOK_AHEAD) && bestScore < 2; i++) {
        const e = this.#items[i]!;
        if (e.priority * AFFINITY_SPAN < top.priority) break;
        const score = e.affinity === undefined ? 0 : idleSides(e.affinity);
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      return this.#items.splice(best, 1)[0]!.run;
    }
    filter(options: Readonly<Partial<JobTaskOptions>>): RunFunction[] {
      return this.#items.filter((e) => e.priority === options.priority).map((e) => e.run);
    }
    setPriority(id: string, priority: number): void {
      const i = this.#items.findIndex((e) => e.id === id);
      if (i < 0) throw new ReferenceError(`No promise function with the id "${id}" exists in the queue.`);
      const [e] = this.#items.splice(i, 1);
      this.enqueue(e!.run, { priority, id, affinity: e!.affinity });
    }
    remove(id: string): void {
      const i = this.#items.findIndex((e) => e.id === id);
      if (i >= 0) this.#items.splice(i, 1);
    }
  };
}

/** A job-wide queue whose affinity asks `idleSides`. */
export function jobQueue(concurrency: number, idleSides: (key: string) => number, opts: { autoStart?: boolean } = {}): JobQueue {
  return new PQueue<Queue<RunFunction, JobTaskOptions>, JobTaskOptions>({ concurrency, queueClass: affinityQueue(idleSides), ...opts });
}

/** The job-wide queue of a sync over these pools. */
export function poolQueue(concurrency: number, pools: SidePools): JobQueue {
  return jobQueue(concurrency, (key) => (pools.from.hasIdle(key) ? 1 : 0) + (pools.to.hasIdle(key) ? 1 : 0));
}
