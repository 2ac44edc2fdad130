import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/config/types.js';
import { PoolClosedError, SessionPool, type Lease } from '../../src/copier/pool.js';

// Pure bookkeeping of the pool, with a fake session factory (no server): who gets which session,
// and that the count never passes the capacity. The pool under real servers is tested through sync.

interface Fake {
  id: number;
  user: string;
  closed: boolean;
  broken?: boolean;
}

const account = (u: string) => ({ sourceUser: u, destinationUser: u }) as Account;

function fakePool(capacity: number, closeMs = 0) {
  let n = 0;
  const open: Fake[] = [];
  let live = 0;
  let maxLive = 0;
  const pool = new SessionPool<Fake>(capacity, {
    open: (a) => {
      const s = { id: ++n, user: a.sourceUser, closed: false };
      open.push(s);
      maxLive = Math.max(maxLive, ++live);
      return s;
    },
    dispose: async (s, broken) => {
      if (closeMs) await new Promise((r) => setTimeout(r, closeMs));
      s.closed = true;
      s.broken = broken;
      live--;
    },
  });
  return { pool, open, live: () => live, maxLive: () => maxLive };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SessionPool', () => {
  it('reuses an idle session of the same account before opening another', async () => {
    const { pool, open } = fakePool(3);
    const a = await pool.acquire(account('a'));
    pool.release(a);
    const b = await pool.acquire(account('a'));
    expect(b.session).toBe(a.session);
    expect(open).toHaveLength(1);
  });

  it('opens up to capacity, then makes waiters wait first come, first served', async () => {
    const { pool, open } = fakePool(2);
    const l1 = await pool.acquire(account('a'));
    const l2 = await pool.acquire(account('b'));
    const order: string[] = [];
    const w1 = pool.acquire(account('c')).then((l) => (order.push('c'), l));
    const w2 = pool.acquire(account('d')).then((l) => (order.push('d'), l));
    await tick();
    expect(pool.waiting).toBe(2);
    pool.release(l1);
    const c = await w1;
    // a's idle session was closed to make room for c.
    expect(open[0]!.closed).toBe(true);
    expect(c.session.user).toBe('c');
    pool.release(l2);
    await w2;
    expect(order).toEqual(['c', 'd']);
    expect(pool.peak).toBe(2);
  });

  it('gives a released session to a waiter of the same account before closing it', async () => {
    const { pool, open } = fakePool(1);
    const l1 = await pool.acquire(account('a'));
    const wb = pool.acquire(account('b'));
    const wa = pool.acquire(account('a'));
    await tick();
    pool.release(l1);
    const a2 = await wa;
    expect(a2.session).toBe(l1.session);
    expect(open).toHaveLength(1);
    pool.release(a2);
    const b = await wb;
    expect(b.session.user).toBe('b');
    expect(open[0]!.closed).toBe(true);
  });

  it('counts a session still closing against the capacity', async () => {
    const { pool, maxLive } = fakePool(2, 30);
    const leases = await Promise.all(['a', 'b'].map((u) => pool.acquire(account(u))));
    const waiters = ['c', 'd', 'e', 'f'].map((u) => pool.acquire(account(u)));
    for (const l of leases) pool.release(l);
    const more = await Promise.all(waiters.slice(0, 2));
    for (const l of more) pool.release(l);
    for (const l of await Promise.all(waiters.slice(2))) pool.release(l);
    await pool.close();
    expect(maxLive()).toBe(2);
  });

  it('closes a broken session and opens a fresh one for the next acquire', async () => {
    const { pool, open } = fakePool(1);
    const l = await pool.acquire(account('a'));
    pool.release(l, { broken: true });
    const again = await pool.acquire(account('a'));
    expect(again.session).not.toBe(l.session);
    expect(open[0]).toMatchObject({ closed: true, broken: true });
    pool.release(again);
  });

  it('releasing the same lease twice changes nothing', async () => {
    const { pool } = fakePool(2);
    const l = await pool.acquire(account('a'));
    pool.release(l);
    pool.release(l);
    expect(pool.size).toBe(1);
    expect(pool.idle).toBe(1);
  });

  it('an aborted signal rejects the waiter and leaves the queue', async () => {
    const { pool } = fakePool(1);
    const held = await pool.acquire(account('a'));
    const ac = new AbortController();
    const w = pool.acquire(account('b'), { signal: ac.signal });
    const next = pool.acquire(account('c'));
    await tick();
    ac.abort(new Error('stop'));
    await expect(w).rejects.toThrow('stop');
    expect(pool.waiting).toBe(1);
    pool.release(held);
    expect((await next).session.user).toBe('c');
    // Already aborted: rejected at once, never queued.
    await expect(pool.acquire(account('d'), { signal: ac.signal })).rejects.toThrow('stop');
  });

  it('close() logs out idle and leased sessions and rejects waiters', async () => {
    const { pool, open, live } = fakePool(2);
    const l1: Lease<Fake> = await pool.acquire(account('a'));
    const l2 = await pool.acquire(account('b'));
    pool.release(l2);
    const w = pool.acquire(account('c'));
    // c waits: b's idle session is closing to make room.
    const closing = pool.close();
    await expect(w).rejects.toBeInstanceOf(PoolClosedError);
    pool.release(l1);
    await closing;
    expect(open.every((s) => s.closed)).toBe(true);
    expect(live()).toBe(0);
    await expect(pool.acquire(account('a'))).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('never has more than capacity sessions under many accounts competing', async () => {
    const { pool, maxLive } = fakePool(3, 2);
    const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const l = await pool.acquire(account(users[i % users.length]!));
        await new Promise((r) => setTimeout(r, 1 + (i % 3)));
        pool.release(l, { broken: i % 7 === 0 });
      }),
    );
    await pool.close();
    expect(maxLive()).toBeLessThanOrEqual(3);
    expect(pool.peak).toBeLessThanOrEqual(3);
  });
  it('tryAcquire takes only what is spare now: an idle session of the same account or room under capacity, never ahead of a waiter', async () => {
    const { pool, open, maxLive } = fakePool(2);
    const a1 = pool.tryAcquire(account('a'))!;
    const b1 = pool.tryAcquire(account('b'))!;
    expect(a1.session.user).toBe('a');
    expect(b1.session.user).toBe('b');
    // Full: nothing to spare, and no other account's session is closed for it.
    expect(pool.tryAcquire(account('a'))).toBeUndefined();
    pool.release(b1);
    expect(pool.tryAcquire(account('a'))).toBeUndefined();
    expect(open.filter((s) => s.closed)).toHaveLength(0);
    // Someone waits (b, for its idle session): the spare goes to them, not to tryAcquire.
    const waiting = pool.acquire(account('c'));
    await tick();
    expect(pool.tryAcquire(account('b'))).toBeUndefined();
    pool.release(a1);
    const c = await waiting;
    expect(c.session.user).toBe('c');
    pool.release(c);
    const again = pool.tryAcquire(account('c'))!;
    expect(again.session).toBe(c.session);
    expect(maxLive()).toBeLessThanOrEqual(2);
    pool.release(again);
    await pool.close();
    expect(pool.tryAcquire(account('c'))).toBeUndefined();
  });
});
