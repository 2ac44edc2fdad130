import type { Account } from '../config/types.js';
import { InterruptedError } from '../errors.js';

/**
 * The sessions a job holds on one server (one side), shared by every account of the job: at most
 * `capacity` (the server's maxConnections) exist at once, counted from the moment one is made
 * until its close has finished, so the server never sees more. A session belongs to one login
 * (one account); an idle one is reused by the same account first, and closed to make room when
 * another account is waiting and the pool is full. Waiters are served first come, first served,
 * except that an idle session goes to the earliest waiter of its own account (no reconnect).
 *
 * Pure bookkeeping: what a session is, and how it connects, is the factory's business (a
 * Session connects lazily on first use, so making one costs nothing).
 */
export interface PoolFactory<S> {
  /** A new session for this account's login (not yet connected). */
  open(account: Account): S;
  /** Ends a session: logs out when healthy, drops the socket when broken. */
  dispose(session: S, broken: boolean): Promise<void>;
}

export interface Lease<S> {
  readonly session: S;
  readonly account: Account;
}

interface Entry<S> {
  session: S;
  account: Account;
  key: string;
}

interface Waiter<S> {
  account: Account;
  key: string;
  resolve: (lease: Lease<S>) => void;
  reject: (err: unknown) => void;
  detach: () => void;
}

/** Acquiring from a closed pool, or waiting when the job's signal aborted: the run is ending. */
export class PoolClosedError extends InterruptedError {
  constructor(message = 'the session pool is closed', options?: ConstructorParameters<typeof InterruptedError>[1]) {
    super(message, options);
  }
}

/** Sessions belong to a login: an account is known by its source user. */
export const keyOf = (a: Account): string => a.sourceUser;

export class SessionPool<S> {
  /** Idle sessions, oldest first (the one closed first to make room). */
  #idle: Entry<S>[] = [];
  #leased = new Set<Lease<S>>();
  /** Sessions being closed still count: their connection may still be open on the server. */
  #closing = 0;
  #waiters: Waiter<S>[] = [];
  #closed = false;
  #disposals = new Set<Promise<void>>();
  /** The most sessions that existed at once (for tests and the log). */
  peak = 0;

  constructor(
    readonly capacity: number,
    private readonly factory: PoolFactory<S>,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`a session pool needs a capacity of at least 1 (got ${capacity})`);
  }

  /** Sessions that exist now: idle, leased, or still closing. */
  get size(): number {
    return this.#idle.length + this.#leased.size + this.#closing;
  }
  get waiting(): number {
    return this.#waiters.length;
  }
  get idle(): number {
    return this.#idle.length;
  }
  /** Whether an idle session of this account's login is here (the next task of it needs no login). */
  hasIdle(accountKey: string): boolean {
    return this.#idle.some((e) => e.key === accountKey);
  }

  /**
   * A session for this account's login: an idle one of the same account, else a new one while
   * under capacity, else the next to come free (FIFO). Rejects when `signal` aborts or the pool closes.
   */
  acquire(account: Account, opts: { signal?: AbortSignal } = {}): Promise<Lease<S>> {
    const { signal } = opts;
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<Lease<S>>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(abortReason(signal!));
        // Its place may have been what held a later waiter back (an idle session to close).
        this.#dispatch();
      };
      const waiter: Waiter<S> = {
        account,
        key: keyOf(account),
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#dispatch();
    });
  }

  /**
   * A session for this account now, or undefined: only an idle one of the same account or a new
   * one under capacity, and only when nobody is waiting (who waits goes first). Never waits and
   * never closes another account's session: for work that is worth doing only with a spare slot.
   */
  tryAcquire(account: Account): Lease<S> | undefined {
    if (this.#closed || this.#waiters.length) return undefined;
    const key = keyOf(account);
    const mine = this.#idle.findIndex((e) => e.key === key);
    let session: S;
    if (mine >= 0) session = this.#idle.splice(mine, 1)[0]!.session;
    else if (this.size < this.capacity) session = this.factory.open(account);
    else return undefined;
    const lease: Lease<S> = { session, account };
    this.#leased.add(lease);
    this.peak = Math.max(this.peak, this.size);
    return lease;
  }

  /**
   * Gives a lease back. A healthy session waits idle for its account's next task; a broken one
   * (its connection failed) is closed, and whoever acquires next gets a fresh one.
   */
  release(lease: Lease<S>, opts: { broken?: boolean } = {}): void {
    if (!this.#leased.delete(lease)) return;
    if (opts.broken || this.#closed) {
      this.#dispose(lease.session, opts.broken === true);
      return;
    }
    this.#idle.push({ session: lease.session, account: lease.account, key: keyOf(lease.account) });
    this.#dispatch();
  }

  /** Closes this account's idle sessions (its work is done: their slots are free at once). */
  drop(account: Account): void {
    const key = keyOf(account);
    const mine = this.#idle.filter((e) => e.key === key);
    this.#idle = this.#idle.filter((e) => e.key !== key);
    for (const e of mine) this.#dispose(e.session, false);
  }

  /** Closes every idle session now and each leased one when it comes back; rejects every waiter. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      w.detach();
      w.reject(new PoolClosedError());
    }
    for (const e of this.#idle.splice(0)) this.#dispose(e.session, false);
    while (this.#disposals.size) await Promise.all([...this.#disposals]);
  }

  /** Serves waiters in order while something can be given to them. */
  #dispatch(): void {
    for (let i = 0; i < this.#waiters.length; ) {
      const w = this.#waiters[i]!;
      const mine = this.#idle.findIndex((e) => e.key === w.key);
      if (mine >= 0) {
        const [e] = this.#idle.splice(mine, 1);
        this.#grant(i, w, e!.session);
        continue;
      }
      if (this.size < this.capacity) {
        this.#grant(i, w, this.factory.open(w.account));
        continue;
      }
      // Full: an idle session of another account makes room (its slot is free once it has closed).
      const other = this.#idle.findIndex((e) => !this.#waiters.some((x) => x.key === e.key));
      if (other >= 0) {
        const [e] = this.#idle.splice(other, 1);
        this.#dispose(e!.session, false);
        // Nothing else can be served until that close finishes and dispatches again.
        return;
      }
      i++;
    }
  }

  #grant(i: number, w: Waiter<S>, session: S): void {
    this.#waiters.splice(i, 1);
    w.detach();
    const lease: Lease<S> = { session, account: w.account };
    this.#leased.add(lease);
    this.peak = Math.max(this.peak, this.size);
    w.resolve(lease);
  }

  #dispose(session: S, broken: boolean): void {
    this.#closing++;
    const p = this.factory
      .dispose(session, broken)
      .catch(() => undefined)
      .finally(() => {
        this.#closing--;
        this.#disposals.delete(p);
        this.#dispatch();
      });
    this.#disposals.add(p);
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new PoolClosedError('aborted while waiting for a session');
}
