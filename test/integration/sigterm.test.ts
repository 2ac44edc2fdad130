import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { BIN } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { openClient, closeClient, seedMessages, seedUser, startPair, type SeedMessage } from '../support/dovecot.js';
import { expectMirrored, makeJob } from '../support/interop.js';

// Issues 16 and 10: every command answers SIGTERM within seconds with the store consistent (exit 130,
// a re-run continues exactly once); and a dual-run pass whose destination link is cut every few
// hundred KB still ends exactly once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mail(user: string, tag: string, n: number, size = 400): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 8, 1, 0, 0, i));
    return { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`Message-ID: <st-${tag}-${i}@${user}>\r\nSubject: ${tag} ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line of text\r\n'.repeat(1 + ((i * 31) % size))}`), flags: i % 4 ? [] : ['\\Seen'], internalDate: date };
  });
}

type Pair = Awaited<ReturnType<typeof startPair>>;
type Users = ReturnType<typeof generateCorpus>;

/** `sync` started as a child process, once its first message is on the destination. */
async function syncUnderWay(pair: Pair, users: Users, config: string) {
  const child = spawn(process.execPath, [BIN, 'sync', '--no-progress', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, out: '', done: new Promise<number | null>((res) => child.on('close', (code) => res(code))) };
  child.stdout.on('data', (d: Buffer) => (run.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.out += d.toString()));
  const c = await openClient(pair.destination, users[0]!.user, users[0]!.password);
  for (let i = 0; i < 900; i++) {
    const st = (await c.status('INBOX', { messages: true }).catch(() => undefined)) as { messages?: number } | undefined;
    if ((st?.messages ?? 0) > 0) break;
    await sleep(100);
  }
  await closeClient(c);
  return run;
}

/** The store checks clean and a re-run completes the copy exactly once. */
async function expectResumes(pair: Pair, users: Users, job: ReturnType<typeof makeJob>): Promise<void> {
  const check = await job.run(['store', 'check']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  const again = await job.run(['sync', '--no-progress']);
  expect(again.code, again.stdout + again.stderr).toBe(0);
  await expectMirrored(job, pair.source, pair.destination, users);
}

async function seeded(users: Users, tag: string): Promise<Pair> {
  const pair = await startPair();
  for (const u of users) {
    await pair.destination.addUser(u.user, u.password);
    await seedUser(pair.source, u, { connections: 1 });
    await seedMessages(pair.source, u.user, u.password, mail(u.user, tag, 300), { folders: u.folders, connections: 1 });
  }
  return pair;
}

describe('SIGTERM and cut links', () => {
  it('SIGTERM mid-sync: exit 130 within a few seconds, store check clean, the re-run completes exactly once', async () => {
    const users = generateCorpus('tiny');
    const pair = await seeded(users, 'base');
    const job = makeJob(pair.source, pair.destination, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 180_000 } } });
    const run = await syncUnderWay(pair, users, job.config);
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    const code = await run.done;
    const took = Date.now() - t0;
    expect(run.out).not.toMatch(/internal error|^\s+at /m);
    expect(code, run.out).toBe(130);
    expect(run.out.trim().split('\n').at(-1)).toBe('mailshift: interrupted; the checkpoint is consistent: run the same command again to continue');
    // Within seconds, on a loaded machine too (the batches in flight finish first).
    expect(took).toBeLessThan(15_000);
    await expectResumes(pair, users, job);
  }, 300_000);

  // Issue 10 (one error family): a second Ctrl-C/SIGTERM exits at once, through src/cli/exit.ts
  // like every other exit: one line, exit 130, no stack.
  it('SIGTERM twice mid-sync: exit 130 at once with one line, store check clean, the re-run completes exactly once', async () => {
    const users = generateCorpus('tiny').slice(0, 2);
    const pair = await seeded(users, 'twice');
    // Paced, so the first interrupt's graceful end (the batch in flight) takes longer than the gap.
    const job = makeJob(pair.source, pair.destination, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 36_000 } } });
    const run = await syncUnderWay(pair, users, job.config);
    run.child.kill('SIGTERM');
    // Two signals sent back to back can merge into one; wait until the first has been taken.
    for (let i = 0; i < 200 && !run.out.includes('press Ctrl-C again to stop at once'); i++) await sleep(10);
    run.child.kill('SIGTERM');
    const code = await run.done;
    expect(run.out).not.toMatch(/internal error|^\s+at /m);
    expect(code, run.out).toBe(130);
    expect(run.out.trim().split('\n').at(-1)).toBe('mailshift: stopped at once; the checkpoint is consistent, run the same command again to continue');
    await expectResumes(pair, users, job);
  }, 300_000);

  it('a dual-run pass with the destination link cut every 150-600 KB ends exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
    }
    const proxy = await startFaultProxy(pair.destination.port, { cutAfterClientBytes: [150_000, 600_000] });
    onTestFinished(() => proxy.close());
    const job = makeJob(pair.source, { host: '127.0.0.1', port: proxy.port }, users, { retry: { maxAttempts: 20, maxSeconds: 240 } });
    const first = await job.run(['sync', '--no-progress']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // New mail (about 3 MB per user) and flag changes for the pass to carry over the bad link.
    for (const u of users) {
      await seedMessages(pair.source, u.user, u.password, mail(u.user, 'delta', 120, 1500), { folders: u.folders, connections: 1 });
      const s = await openClient(pair.source, u.user, u.password);
      const lock = await s.getMailboxLock('INBOX');
      try {
        await s.messageFlagsAdd('1:5', ['\\Flagged'], { uid: true });
      } finally {
        lock.release();
      }
      await closeClient(s);
    }
    const cutsBefore = proxy.stats.cuts;
    const pass = await job.run(['dual-run', '--once', '--no-progress'], 300_000);
    expect(pass.stdout + pass.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    expect(proxy.stats.cuts - cutsBefore).toBeGreaterThanOrEqual(3);
    await expectMirrored(job, pair.source, pair.destination, users);
  }, 400_000);
});
