import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { spawnCli } from '../support/kill-loop.js';
import { seedMessages, seedUser, startPair, type DovecotPair, type SeedMessage } from '../support/dovecot.js';
import { expectMirrored, makeJob, type InteropJob } from '../support/interop.js';

// Issue 16: a stall past the socket timeout. The fault proxy keeps the destination's connection
// open but stops forwarding (a hung link); the server's `timeoutSeconds` is what ends the wait.
// With the default (300 s) these runs would sit for five minutes; with 3 s they move on.

function mail(user: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 8, 1, 0, 0, i));
    return { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`Message-ID: <stall-${i}@${user}>\r\nFrom: b@acme.test\r\nSubject: stall ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'a stalled line\r\n'.repeat(50 + ((i * 97) % 400))}`), flags: i % 3 ? [] : ['\\Seen'], internalDate: date };
  });
}

async function seeded(): Promise<{ pair: DovecotPair; users: ReturnType<typeof generateCorpus> }> {
  const pair = await startPair();
  const users = generateCorpus('tiny');
  for (const u of users) {
    await pair.destination.addUser(u.user, u.password);
    await seedUser(pair.source, u, { connections: 1 });
    await seedMessages(pair.source, u.user, u.password, mail(u.user, 150), { folders: u.folders, connections: 1 });
  }
  return { pair, users };
}

const expectExactlyOnce = (pair: DovecotPair, job: InteropJob, users: { user: string; password: string }[]) => expectMirrored(job, pair.source, pair.destination, users);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a destination that stalls past the socket timeout', () => {
  it('is given up after timeoutSeconds and the sync completes exactly once, long before the default 300 s', async () => {
    const { pair, users } = await seeded();
    // Every connection stalls after 200 KB from mailshift until the first stall has landed;
    // later connections pass. The stalled one stays open and silent.
    const proxy = await startFaultProxy(pair.destination.port, { stallAfterClientBytes: 200_000 });
    onTestFinished(() => proxy.close());
    const job = makeJob(pair.source, pair.destination, users, { sync: { batchMessages: 10 }, destination: { port: proxy.port, maxConnections: 2, timeoutSeconds: 3 } });
    const started = Date.now();
    const run = spawnCli(['sync', '--no-progress', '--config', job.config]);
    while (proxy.stats.stalls === 0 && run.child.exitCode === null) await sleep(50);
    expect(proxy.stats.stalls).toBeGreaterThanOrEqual(1);
    proxy.plan.stallAfterClientBytes = undefined;
    const r = await run.done;
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.out).toBe(0);
    expect(seconds).toBeLessThan(120);
    await expectExactlyOnce(pair, job, users);
    console.log(`stall: ${proxy.stats.stalls} stall(s), ${proxy.stats.connections} connection(s), sync ${seconds.toFixed(1)} s`);
  }, 300_000);

  it('a stall that never ends: the run ends within the retry bound with its line and exit 3; later it continues exactly once', async () => {
    const { pair, users } = await seeded();
    // Every connection stalls soon after logging in, for as long as the plan says.
    const proxy = await startFaultProxy(pair.destination.port, { stallAfterClientBytes: 3_000 });
    onTestFinished(() => proxy.close());
    const job = makeJob(pair.source, pair.destination, users, { retry: { maxAttempts: 50, maxSeconds: 8 }, sync: { batchMessages: 10 }, destination: { port: proxy.port, maxConnections: 2, timeoutSeconds: 2 } });
    const started = Date.now();
    const r = await job.run(['sync', '--no-progress'], 120_000);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/no answer from the server for 2 s|timed out|timeout/i);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(proxy.stats.stalls).toBeGreaterThanOrEqual(1);
    // The bound: 8 s of retries, each try ending after 2 s of silence, plus start-up.
    expect(seconds).toBeLessThan(60);
    proxy.plan.stallAfterClientBytes = undefined;
    const again = await job.run(['sync', '--no-progress'], 300_000);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    await expectExactlyOnce(pair, job, users);
    console.log(`stall for ever: ended after ${seconds.toFixed(1)} s with exit 3: ${r.stderr.trim().split('\n').at(-1)}`);
  }, 300_000);
});
