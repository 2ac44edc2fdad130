import { describe, expect, it, onTestFinished } from 'vitest';
import { startCapProxy } from '../support/cap-proxy.js';
import { readAll, seedMessages, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';

// Gmail's daily upload limit (issue 12): once a user's ~500 MB a day are used up, Gmail answers
// every APPEND with `NO [OVERQUOTA] Account exceeded command or bandwidth limits`. That is not a
// full mailbox and not a throttle worth retrying: that account stops with a line saying to run
// again once the limit resets (exit 3), every other account completes, and the next run (limit
// reset) copies exactly what is left, once.

const users = ['g1@acme.test', 'g2@acme.test', 'g3@acme.test'].map((user) => ({ user, password: `pw-${user.slice(0, 2)}` }));

function mail(user: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 4, 1, 0, 0, i));
    return { folder: i % 4 ? 'INBOX' : 'Archive', raw: Buffer.from(`Message-ID: <dl-${i}@${user}>\r\nFrom: a@acme.test\r\nSubject: m ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line\r\n'.repeat(1 + ((i * 29) % 300))}`), flags: i % 3 ? ['\\Seen'] : [], internalDate: date };
  });
}

describe("a provider's daily transfer limit", () => {
  it('stops only that account, says when to re-run, exits 3; the next run copies the rest exactly once', async () => {
    const pair = await startPair();
    for (const u of users) {
      await pair.source.addUser(u.user, u.password);
      await pair.destination.addUser(u.user, u.password);
      await seedMessages(pair.source, u.user, u.password, mail(u.user, 60), { folders: [{ path: 'INBOX' }, { path: 'Archive' }] });
    }
    const limited = users[1]!.user;
    const proxy = await startCapProxy(pair.destination, 'gmail', { dailyLimit: { user: limited, afterAppends: 25 } });
    onTestFinished(() => proxy.close());
    const job = makeJob(pair.source, proxy, users, { sync: { batchMessages: 5 }, destination: { maxConnections: 3 } });

    const first = await job.run(['sync'], 240_000);
    expect(first.code, first.stdout + first.stderr).toBe(3);
    expect(first.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(first.stdout + first.stderr).toMatch(/daily transfer limit for this account was reached/);
    // Refused at once, not retried: only the APPENDs already in flight when the limit hit are
    // answered (2 folders x up to 2 pipelined batches of 5, then one message alone per folder:
    // about 24). The failure policy's 8 retries of each would be several times that.
    expect(proxy.limited.length).toBeGreaterThan(0);
    expect(proxy.limited.length).toBeLessThan(48);
    const st = await job.status();
    const acc = (u: string) => st.accounts.find((a) => a.sourceUser === u)!;
    expect(acc(limited).lastError).toMatch(/daily transfer limit.*run the same command again once it resets/);
    expect(acc(limited).lastError).not.toMatch(/full/);
    // The others are complete, byte for byte; the limited one holds what went through, once each.
    for (const u of users.filter((x) => x.user !== limited)) {
      const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
      expect(snapshotDigest(dst)).toEqual(snapshotDigest(src));
    }
    const partial = await readAll(pair.destination, limited, users[1]!.password, { hashOnly: true });
    const ids = partial.flatMap((f) => f.messages.map((m) => `${f.path} ${m.sha256}`));
    expect(ids.length).toBe(25);
    expect(new Set(ids).size).toBe(ids.length);

    // Next day: the limit has reset (no proxy limit); the same job continues exactly once.
    await proxy.close();
    const fresh = await startCapProxy(pair.destination, 'gmail');
    onTestFinished(() => fresh.close());
    job.write({ sync: { batchMessages: 5 }, destination: { maxConnections: 3, port: fresh.port } });
    const second = await job.run(['sync'], 240_000);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    for (const u of users) {
      const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
      expect(snapshotDigest(dst)).toEqual(snapshotDigest(src));
    }
    expect(proxy.violations).toEqual([]);
    expect(fresh.violations).toEqual([]);
  }, 300_000);
});
