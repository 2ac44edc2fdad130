import type { JobStore } from './job.js';

// The asynchronous form of the store contract, derived from the synchronous one so the two can
// never drift: every method returns a promise of what it returned, every aggregate view (sync,
// dualRun, …) is mapped the same way, and plain fields (`path`) stay as they are. A PostgreSQL
// client is asynchronous; SQLite and the memory twin serve this form through `asyncStore`.
//
// Units of work. The synchronous contract has no transaction method: each method that must be
// atomic (beginBatch, finishBatch, resolveBatch, adopt, finishMove, …) runs its own transaction
// inside the store, and nothing outside src/store composes several calls into one. The async
// form keeps exactly that: per-method atomicity. A PostgreSQL store runs each such method in
// its own BEGIN … COMMIT on one pooled connection, so two methods awaited at once never share
// a transaction and an awaited method is committed when its promise resolves (what `durable()`
// means there). A caller that needs several calls to commit together gets a new contract method,
// not a transaction handle: the exactly-once proofs stay readable in one place per transition.

type AnyFn = (...args: never[]) => unknown;

/** T with every method returning a promise, nested aggregates mapped recursively. */
export type AsyncOf<T> = {
  [K in keyof T]: T[K] extends AnyFn
    ? (...args: Parameters<T[K]>) => Promise<Awaited<ReturnType<T[K]>>>
    : T[K] extends object
      ? AsyncOf<T[K]>
      : T[K];
};

/** The store contract as phases would see it on any backend (issue 18). */
export type AsyncJobStore = Omit<AsyncOf<JobStore>, 'close'> & {
  /** Closing a network store waits for its connections to end. */
  close(): Promise<void>;
};

const AGGREGATES = ['sync', 'dualRun', 'dualRunActions', 'dualRunHealth', 'cutover', 'verify', 'assess', 'groupware', 'pipeline', 'throttle', 'kit', 'dashboard'] as const satisfies readonly (keyof JobStore)[];

/**
 * The async form over a synchronous store (SQLite, memory): each call runs the synchronous
 * method at once (so its transaction is as atomic as before) and returns its result, or its
 * error, as a settled promise.
 */
export function asyncStore(store: JobStore): AsyncJobStore {
  const views = new Map<string, unknown>();
  for (const k of AGGREGATES) views.set(k, wrap(store[k] as object));
  return new Proxy(store, {
    get(target, key, receiver) {
      if (typeof key === 'string' && views.has(key)) return views.get(key);
      if (key === 'then') return undefined; // not a thenable itself
      const v = Reflect.get(target, key, receiver) as unknown;
      return typeof v === 'function' ? lift(v as AnyFn, target) : v;
    },
  }) as unknown as AsyncJobStore;
}

/** The async form of one synchronous view (e.g. a memory CopyCheckpoints handed to the copier in a unit test). */
export function asyncView<T extends object>(view: T): AsyncOf<T> {
  return wrap(view) as AsyncOf<T>;
}

function wrap(view: object): unknown {
  return new Proxy(view, {
    get(target, key) {
      if (key === 'then') return undefined;
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? lift(v as AnyFn, target) : v;
    },
  });
}

function lift(fn: AnyFn, self: object) {
  return (...args: never[]) => {
    try {
      return Promise.resolve(fn.apply(self, args));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
