import { describe, expect, it, onTestFinished } from 'vitest';
import { startCapProxy, type ThrottlePlan } from '../support/cap-proxy.js';
import { readAll, seedMessages, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';

// Provider throttling answers (issue 12, failure policy of issue 16): a destination that answers
// Microsoft 365's "NO Request is throttled. Suggested Backoff Time: N milliseconds", Gmail's
// "NO [THROTTLED]", RFC 5530's "NO [UNAVAILABLE]", or a BYE carrying the M365 text, to every Nth APPEND. Every account's
// sessions to that server must hold off together (no APPEND reaches the server during the
// suggested back-off, from any account), and the sync must still end exactly once, exit 0.

const users = ['t1@acme.test', 't2@acme.test', 't3@acme.test'].map((user) => ({ user, password: `pw-${user.slice(0, 2)}` }));

function mail(user: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 3, 1, 0, 0, i));
    return { folder: i % 3 ? 'INBOX' : 'Archive', raw: Buffer.from(`Message-ID: <th-${i}@${user}>\r\nFrom: a@acme.test\r\nSubject: m ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'text\r\n'.repeat(1 + ((i * 37) % 400))}`), flags: i % 2 ? ['\\Seen'] : [], internalDate: date };
  });
}

/** APPENDs the server received between `from` and `to` ms after each throttling answer. */
function appendsDuringPause(throttledAt: number[], appendsAt: number[], from: number, to: number): number {
  return throttledAt.reduce((n, t) => n + appendsAt.filter((a) => a > t + from && a < t + to).length, 0);
}

describe('provider throttling answers', () => {
  const cases: { name: string; plan: ThrottlePlan; quiet: [number, number] }[] = [
    // The suggested 2.5 s is honoured: nothing for most of it (the first 0.5 s is left for
    // APPENDs already on the wire when the answer came).
    { name: 'M365 "Request is throttled. Suggested Backoff Time"', plan: { everyNth: 45, style: 'm365', backoffMs: 2500 }, quiet: [500, 2300] },
    // No time given: at least the first back-off step (0.75 s with jitter).
    { name: 'Gmail [THROTTLED]', plan: { everyNth: 45, style: 'gmail' }, quiet: [400, 700] },
    // RFC 5530 [UNAVAILABLE]: the server, not one session, is in trouble: the same shared pause.
    { name: '[UNAVAILABLE]', plan: { everyNth: 45, style: 'unavailable' }, quiet: [400, 700] },
    { name: 'a BYE carrying the M365 text', plan: { everyNth: 45, style: 'bye', backoffMs: 2000 }, quiet: [500, 1800] },
  ];
  for (const c of cases) {
    it(`${c.name}: every account on that server backs off together; the sync ends exactly once`, async () => {
      const pair = await startPair();
      const proxy = await startCapProxy(pair.destination, 'm365', { throttle: c.plan });
      onTestFinished(() => proxy.close());
      for (const u of users) {
        await pair.source.addUser(u.user, u.password);
        await pair.destination.addUser(u.user, u.password);
        await seedMessages(pair.source, u.user, u.password, mail(u.user, 80), { folders: [{ path: 'INBOX' }, { path: 'Archive' }] });
      }
      const job = makeJob(pair.source, proxy, users, { sync: { batchMessages: 6 }, destination: { maxConnections: 3 }, retry: { maxAttempts: 8, maxSeconds: 120 } });
      const r = await job.run(['sync'], 240_000);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      // The faults really landed, more than once, while several accounts were copying.
      expect(proxy.throttledAt.length).toBeGreaterThanOrEqual(3);
      expect(appendsDuringPause(proxy.throttledAt, proxy.appendsAt, c.quiet[0], c.quiet[1])).toBe(0);
      for (const u of users) {
        const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
        expect(snapshotDigest(dst)).toEqual(snapshotDigest(src));
      }
      expect(proxy.violations).toEqual([]);
    }, 300_000);
  }
});
