import type { Credentials } from '../auth/types.js';
import type { Account, ServerConfig, Side } from '../config/types.js';
import type { Logger } from '../logger.js';
import { SessionPool, type Lease } from './pool.js';
import { Session } from './session.js';

/** The job's two pools: the side copied from and the side copied to (swapped for 'reverse'). */
export interface SidePools {
  from: SessionPool<Session>;
  to: SessionPool<Session>;
}

/** One pool per server side, capacity = that server's maxConnections, for every account of the job. */
export function sessionPool(server: ServerConfig, side: Side, credentials: Credentials, log: Logger, options: { qresync?: boolean } = {}): SessionPool<Session> {
  return new SessionPool<Session>(Math.max(1, server.maxConnections), {
    open: (account) => new Session(server, { account, credentials }, side, log.child({ account: account.sourceUser }), options),
    // A broken session has no one to say goodbye to: its sockets are dropped, not logged out.
    dispose: (s, broken) => (broken ? s.reset() : s.close()),
  });
}

export function sidePools(direction: 'forward' | 'reverse', source: ServerConfig, destination: ServerConfig, credentials: Credentials, log: Logger): SidePools {
  const src = sessionPool(source, 'source', credentials, log);
  const dst = sessionPool(destination, 'destination', credentials, log);
  return direction === 'forward' ? { from: src, to: dst } : { from: dst, to: src };
}

/**
 * Runs `fn` on a session leased for this account; a failure gives it back as broken (the pool
 * closes it, and the next acquire gets a fresh connection), so a retry never reuses a dead socket.
 */
export async function withSession<T>(pool: SessionPool<Session>, account: Account, signal: AbortSignal, fn: (s: Session) => Promise<T>): Promise<T> {
  const lease = await pool.acquire(account, { signal });
  return runLeased(() => fn(lease.session), (broken) => pool.release(lease, { broken }));
}

/**
 * A session on each side for one account, always taken in the order from -> to, so two tasks can
 * never each hold the session the other waits for.
 */
export async function withPair<T>(pools: SidePools, account: Account, signal: AbortSignal, fn: (from: Session, to: Session) => Promise<T>): Promise<T> {
  const f = await pools.from.acquire(account, { signal });
  let t: Lease<Session>;
  try {
    t = await pools.to.acquire(account, { signal });
  } catch (err) {
    pools.from.release(f);
    throw err;
  }
  return runLeased(() => fn(f.session, t.session), (broken) => {
    pools.from.release(f, { broken });
    pools.to.release(t, { broken });
  });
}

async function runLeased<T>(fn: () => Promise<T>, release: (broken: boolean) => void): Promise<T> {
  let broken = true;
  try {
    const r = await fn();
    broken = false;
    return r;
  } finally {
    release(broken);
  }
}

/** A pair of sessions taken only because both pools had room now (see SessionPool.tryAcquire). */
export interface SparePair {
  from: Session;
  to: Session;
  /** Gives both back; broken ones are closed and replaced on the next acquire. */
  release(broken: boolean): void;
}

/** A session on each side for this account, if both pools have one to spare right now. */
export function trySparePair(pools: SidePools, account: Account): SparePair | undefined {
  const f = pools.from.tryAcquire(account);
  if (!f) return undefined;
  const t = pools.to.tryAcquire(account);
  if (!t) {
    pools.from.release(f);
    return undefined;
  }
  let done = false;
  return {
    from: f.session,
    to: t.session,
    release: (broken) => {
      if (done) return;
      done = true;
      pools.from.release(f, { broken });
      pools.to.release(t, { broken });
    },
  };
}
