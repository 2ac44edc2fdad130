import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusUser } from '../../src/corpus/index.js';
import { identityOf } from '../../src/copier/identity.js';
import { runSync } from '../../src/phases/sync.js';
import { Store } from '../../src/store/store.js';
import { BIN, runCli } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { jobContext } from '../support/job-context.js';
import { countMessages, killAtProgress, spawnCli } from '../support/kill-loop.js';
import {
  closeClient,
  openClient,
  readAll,
  seedMessages,
  seedUser,
  snapshotDigest,
  startPair,
  type DovecotPair,
  type FolderSnapshot,
  type SeedMessage,
} from '../support/dovecot.js';

// The sync phase against two live Dovecot servers ('/' + no prefix -> '.' + 'INBOX.'), driven
// through the built CLI exactly as a user runs it.

interface Job {
  dir: string;
  config: string;
  run(args: string[], timeoutMs?: number): ReturnType<typeof runCli>;
  status(): Promise<StatusJson>;
}

interface StatusJson {
  accounts: {
    sourceUser: string;
    state: string;
    lastError: string | null;
    found: number;
    copied: number;
    pending: number;
    remaining: number;
    skipped: number;
    failed: number;
    folders: { direction: string; source: string; destination: string; state: string; found: number; copied: number; skipped: number; failed: number; reasons: { state: string; reason: string; count: number }[] }[];
  }[];
}

function makeJob(pair: DovecotPair, users: { user: string; password: string }[], extra: Record<string, unknown> = {}): Job {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-sync-'));
  const config = join(dir, 'mailshift.yaml');
  const server = (s: DovecotPair['source'], more: unknown) => ({ host: '127.0.0.1', port: s.port, tls: 'none', allowInsecure: true, preset: 'dovecot', ...(more as object) });
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
  writeFileSync(
    config,
    JSON.stringify({
      job: 'sync-test',
      domain: 'acme.test',
      ...extra,
      source: server(pair.source, extra.source),
      destination: server(pair.destination, extra.destination),
      accounts: 'accounts.csv',
    }),
  );
  const job: Job = {
    dir,
    config,
    run: (args, timeoutMs) => runCli([...args, '--config', config], { timeoutMs }),
    status: async () => {
      const r = await job.run(['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as StatusJson;
    },
  };
  return job;
}

/** Source digest with each folder renamed to where the mapping says it goes. */
async function expectCopied(pair: DovecotPair, job: Job, users: { user: string; password: string }[]) {
  const status = await job.status();
  for (const u of users) {
    const acc = status.accounts.find((a) => a.sourceUser === u.user)!;
    const where = new Map(acc.folders.filter((f) => f.direction === 'forward' && f.state === 'active').map((f) => [f.source, f.destination]));
    const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
    const srcDigest = snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` });
    expect(snapshotDigest(dst)).toEqual(srcDigest);
  }
}

/** Simple distinct messages (some without Message-ID, some byte-identical twins). */
function extraMessages(user: string, n: number, folders = ['INBOX', '客戶/2024']): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.UTC(2025, 0, 1, 0, 0, i));
    const id = i % 17 === 0 ? '' : `Message-ID: <extra-${i}@${user}>\r\n`;
    const raw = Buffer.from(`${id}From: Peter <p@acme.test>\r\nTo: ${user}\r\nSubject: extra ${i % 50 === 0 ? 'twin' : i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'body line\r\n'.repeat(1 + (i % 40))}`);
    const m = { folder: folders[i % folders.length]!, raw, flags: i % 3 ? ['\\Seen'] : ['$Label1', '\\Flagged'], internalDate: date };
    out.push(m);
    if (i % 50 === 0) out.push({ ...m }); // a byte-identical duplicate: two in, two out
  }
  return out;
}

async function seedCorpus(pair: DovecotPair, users: CorpusUser[], extra = 0) {
  for (const u of users) {
    const step = async <T>(what: string, f: () => Promise<T>) => {
      try {
        return await f();
      } catch (err) {
        const log = readFileSync(pair.source.logPath, 'utf8').split('\n').slice(-15).join('\n');
        throw new Error(`seeding (${what}) failed: ${(err as Error).message}\n${log}`, { cause: err });
      }
    };
    await step('add user', () => pair.destination.addUser(u.user, u.password));
    // One session: Dovecot can deadlock on its list index when several sessions of one user
    // auto-create folders while others append (a 60 s lock wait, then SERVERBUG).
    await step('corpus', () => seedUser(pair.source, u, { connections: 1 }));
    if (extra) await step('extra', () => seedMessages(pair.source, u.user, u.password, extraMessages(u.user, extra), { folders: u.folders, connections: 1 }));
  }
}

describe('sync', () => {
  it('copies the small corpus exactly: bytes, flags, keywords, dates, mapped folders; a re-run copies nothing', async () => {
    const pair = await startPair();
    const users = generateCorpus('small');
    await seedCorpus(pair, users);
    const job = makeJob(pair, users);

    const dry = await job.run(['sync', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/客戶\/2024 -> 客戶\/2024/);
    expect(dry.stdout).toMatch(/nothing was written/);
    const afterDry = await readAll(pair.destination, users[0]!.user, users[0]!.password, { hashOnly: true });
    expect(afterDry.reduce((n, f) => n + f.messages.length, 0)).toBe(0);

    const first = await job.run(['sync'], 600_000);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    await expectCopied(pair, job, users);

    // Special-use and non-ASCII folders land where the mapping says.
    const u = users[0]!;
    const dst = await readAll(pair.destination, u.user, u.password, { hashOnly: true });
    const src = await readAll(pair.source, u.user, u.password, { hashOnly: true });
    const byPath = (s: FolderSnapshot[], p: string) => s.find((f) => f.path === p);
    const srcSent = src.find((f) => f.specialUse === '\\Sent')!;
    const dstSent = dst.find((f) => f.specialUse === '\\Sent')!;
    expect(dstSent.messages.length).toBe(srcSent.messages.length);
    expect(srcSent.messages.length).toBeGreaterThan(0);
    expect(byPath(dst, '客戶/2024')!.messages.length).toBe(byPath(src, '客戶/2024')!.messages.length);
    expect(byPath(dst, '客戶/2024')!.wirePath).toBe('INBOX.客戶.2024');

    const before = dst.map((f) => `${f.path}:${f.uidNext}`);
    const again = await job.run(['sync']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/sync: 0 messages/);
    const after = await readAll(pair.destination, u.user, u.password, { hashOnly: true });
    expect(after.map((f) => `${f.path}:${f.uidNext}`)).toEqual(before);

    const status = await job.status();
    expect(status.accounts.every((a) => a.state === 'complete' && a.pending === 0 && a.failed === 0)).toBe(true);
    expect(status.accounts.reduce((n, a) => n + a.copied, 0)).toBe(users.reduce((n, x) => n + x.messageCount, 0));
  });
});

/** Starts `mailshift sync` and returns the child (for kills and restarts mid-run). */
function spawnSync(job: Job) {
  const child = spawn(process.execPath, [BIN, 'sync', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out })));
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 20 s) until the running sync has copied more than `n` messages. */
async function copiedMoreThan(job: Job, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    const s = await job.status().catch(() => undefined);
    if (s && s.accounts.reduce((k, a) => k + a.copied, 0) > n) return;
  }
}

describe('sync survives interruptions', () => {
  it('SIGKILL at twelve moments mid-copy, re-run each time: destination equals source, nothing duplicated or missing', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users, 300);
    // Small batches: more commits, so the kills land inside batches and between them. The
    // throttle (100 messages/s) keeps each run copying for longer than one progress poll.
    const job = makeJob(pair, users, { sync: { batchMessages: 7 }, destination: { throttle: { messagesPerHour: 360_000 } } });
    // Each kill waits until the destination holds more mail than at the kill before (plus a
    // random few hundred ms): every kill lands mid-copy, however long start-up takes.
    const total = await countMessages(pair.source, users);
    // After each kill, status counts what is copied and what is left, folders not read yet
    // included (from the sync's folder listing): together, every message of the source.
    const left: number[] = [];
    const afterKill = async () => {
      const st = await job.status();
      left.push(st.accounts.reduce((n, a) => n + a.copied + a.remaining, 0));
    };
    const r = await killAtProgress({ start: () => spawnCli(['sync', '--config', job.config]), progress: () => countMessages(pair.destination, users), total, kills: 12, afterKill });
    expect(r).toEqual({ kills: 12, endedEarly: 0 });
    expect(left).toEqual(left.map(() => total));
    const last = await job.run(['sync'], 300_000);
    expect(last.code, last.stderr + last.stdout).toBe(0);
    await expectCopied(pair, job, users);
  }, 600_000);

  it('the destination server stops and restarts mid-run: the run completes exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users, 300);
    // A throttle makes the run last long enough to restart the server in the middle of it.
    const job = makeJob(pair, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 360_000 } } });
    const run = spawnSync(job);
    await copiedMoreThan(job, 50);
    expect(run.child.exitCode).toBeNull();
    await pair.destination.stop();
    await sleep(1500);
    await pair.destination.restart();
    const r = await run.done;
    expect(r.code, r.out).toBe(0);
    await expectCopied(pair, job, users);
  }, 300_000);

  it('destination sessions kicked every few seconds for the whole run: exit 0 only with everything copied, exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users, 100);
    // Messages of about half the byte budget: while one batch waits for the throttle holding its
    // bytes, the next batch waits for those bytes; a kick lands on the idle session, the APPEND
    // fails, and the failed batch must give its bytes back before anything waits on the next one.
    const big = (user: string) =>
      Array.from({ length: 12 }, (_, i) => ({
        folder: 'INBOX',
        raw: Buffer.from(`Message-ID: <big-${i}@${user}>\r\nFrom: a@acme.test\r\nSubject: big ${i}\r\nDate: ${new Date(Date.UTC(2025, 1, 1, 0, i)).toUTCString()}\r\n\r\n${`${'x'.repeat(76)}\r\n`.repeat(6000 + i * 10)}`),
        flags: ['\\Seen'],
        internalDate: new Date(Date.UTC(2025, 1, 1, 0, i)),
      }));
    for (const u of users) await seedMessages(pair.source, u.user, u.password, big(u.user), { folders: u.folders, connections: 1 });
    const job = makeJob(pair, users, {
      sync: { batchMessages: 5, bytesInFlight: 1024 * 1024 },
      destination: { throttle: { messagesPerHour: 540_000, bytesPerSecond: 2_000_000 } },
    });
    const run = spawnSync(job);
    let kicks = 0;
    let stop = false;
    const kicker = (async () => {
      while (!stop) {
        await sleep(1500);
        if (run.child.exitCode !== null) break;
        for (const u of users) if (await pair.destination.kick(u.user)) kicks++;
      }
    })();
    const r = await run.done;
    stop = true;
    await kicker;
    expect(kicks).toBeGreaterThanOrEqual(3);
    // Exit 0 means complete; any other ending must say so and leave work for a re-run.
    if (r.code !== 0) {
      expect(r.code, r.out).toBe(3);
      const again = await job.run(['sync'], 300_000);
      expect(again.code, again.stderr + again.stdout).toBe(0);
    }
    const s = await job.status();
    for (const a of s.accounts) expect(a.copied + a.skipped + a.failed, JSON.stringify(a)).toBe(a.found);
    await expectCopied(pair, job, users);
  }, 300_000);

  it('a lossy link (the destination connection cut every 150-900 KB): batches shrink, mail still moves, exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny').slice(0, 2);
    await seedCorpus(pair, users, 40);
    const big = (user: string) =>
      Array.from({ length: 10 }, (_, i) => ({
        folder: 'INBOX',
        raw: Buffer.from(`Message-ID: <lossy-${i}@${user}>\r\nFrom: a@acme.test\r\nSubject: lossy ${i}\r\nDate: ${new Date(Date.UTC(2025, 2, 1, 0, i)).toUTCString()}\r\n\r\n${`${'y'.repeat(76)}\r\n`.repeat(2600 + i)}`),
        flags: ['\\Seen'],
        internalDate: new Date(Date.UTC(2025, 2, 1, 0, i)),
      }));
    for (const u of users) await seedMessages(pair.source, u.user, u.password, big(u.user), { folders: u.folders, connections: 1 });
    const proxy = await startFaultProxy(pair.destination.port, { cutAfterClientBytes: [150_000, 900_000] });
    try {
      // Batches of up to 4 MiB: at full size not one of them would ever pass the cut.
      const job = makeJob(pair, users, { sync: { bytesInFlight: 64 * 1024 * 1024 }, destination: { port: proxy.port, maxConnections: 2 } });
      const runs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await job.run(['sync'], 240_000);
        runs.push(r.code ?? -1);
        if (r.code === 0) break;
        expect(r.code, r.stdout + r.stderr).toBe(3);
      }
      expect(runs.at(-1), `exit codes of the runs: ${runs.join(', ')}`).toBe(0);
      expect(proxy.stats.cuts).toBeGreaterThanOrEqual(3);
      await expectCopied(pair, job, users);
    } finally {
      await proxy.close();
    }
  }, 600_000);

  it('the destination goes away for good: the run gives up within the configured retry bound, exit 3; later it continues exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users, 200);
    // 10 messages a second: the copy lasts well past a slow status poll and the server's own stop.
    const job = makeJob(pair, users, { retry: { maxAttempts: 50, maxSeconds: 5 }, sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 36_000 } } });
    const run = spawnSync(job);
    await copiedMoreThan(job, 30);
    expect(run.child.exitCode).toBeNull();
    await pair.destination.stop();
    const stoppedAt = Date.now();
    // 50 tries would take far longer than 5 s of back-off: the time bound is what ends it.
    const r = await Promise.race([run.done, sleep(60_000).then(() => undefined)]);
    expect(r, 'sync still running 60 s after the destination went away').toBeDefined();
    expect(r!.code, r!.out).toBe(3);
    expect(r!.out).toMatch(/cannot reach the server|connection lost/);
    expect(Date.now() - stoppedAt).toBeLessThan(45_000);
    await pair.destination.restart();
    const again = await job.run(['sync'], 300_000);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    await expectCopied(pair, job, users);
  }, 300_000);

  it('Ctrl-C stops after the batches in flight (exit 130); resume continues and completes', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users, 200);
    const job = makeJob(pair, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 360_000 } } });
    const run = spawnSync(job);
    await copiedMoreThan(job, 30);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.out).toBe(130);
    expect(r.out).toMatch(/checkpoint is consistent/);
    const mid = await job.status();
    const copied = mid.accounts.reduce((n, a) => n + a.copied, 0);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(mid.accounts.reduce((n, a) => n + a.found, 0) || Infinity);
    // Nothing is left "in flight": the interrupt let the open batches finish and commit.
    const store = Store.open(join(job.dir, 'sync-test.mailshift.db'), { readonly: true });
    try {
      expect(store.sync.inFlight()).toEqual({ copying: 0, openBatches: 0 });
    } finally {
      store.close();
    }

    const resumed = await job.run(['resume']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/resuming sync/);
    await expectCopied(pair, job, users);
    const nothing = await job.run(['resume']);
    expect(nothing.stdout).toMatch(/nothing to resume/);
  }, 300_000);

  it('a source folder deleted and re-created with the same messages (new UIDVALIDITY) is not copied twice', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users);
    const job = makeJob(pair, users);
    expect((await job.run(['sync'])).code).toBe(0);

    const u = users[0]!;
    const before = (await readAll(pair.source, u.user, u.password)).find((f) => f.path === '客戶/2024')!;
    expect(before.messages.length).toBeGreaterThan(0);
    const c = await openClient(pair.source, u.user, u.password);
    try {
      await c.mailboxDelete('客戶/2024');
      await c.mailboxCreate('客戶/2024');
    } finally {
      await closeClient(c);
    }
    const again: SeedMessage[] = before.messages.map((m) => ({ folder: '客戶/2024', raw: m.raw, flags: m.flags, internalDate: m.internalDate }));
    again.push(...extraMessages('after-recreate', 3, ['客戶/2024']));
    await seedMessages(pair.source, u.user, u.password, again, { connections: 1 });
    const recreated = (await readAll(pair.source, u.user, u.password, { hashOnly: true })).find((f) => f.path === '客戶/2024')!;
    expect(recreated.uidValidity).not.toBe(before.uidValidity);

    const r = await job.run(['sync']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/sync: 4 messages/); // the 3 new ones and the twin of the first, nothing else
    await expectCopied(pair, job, users);
  });

  it('an over-size message and a full quota are reported with their reasons, exit 3, nothing else lost', async () => {
    const pair = await startPair({ appendLimit: 1_000_000, quotaBytes: 400_000 });
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users);
    const big: SeedMessage = {
      folder: 'INBOX',
      raw: Buffer.from(`Message-ID: <big@acme.test>\r\nSubject: big\r\n\r\n${'x'.repeat(76) + '\r\n'}`.repeat(1).concat('y'.repeat(76) + '\r\n').repeat(1) + 'z'.repeat(1_200_000)),
      flags: [],
      internalDate: new Date('2025-02-01T00:00:00Z'),
    };
    await seedMessages(pair.source, users[1]!.user, users[1]!.password, [big], { connections: 1 });
    const job = makeJob(pair, users);
    const r = await job.run(['sync']);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const s = await job.status();
    const all = s.accounts.flatMap((a) => a.folders.flatMap((f) => f.reasons.map((x) => x.reason)));
    expect(all.join('\n')).toMatch(/too large for the destination: \d+ bytes, it accepts at most 1000000/);
    expect(s.accounts.some((a) => /full/.test(a.lastError ?? ''))).toBe(true);
    expect(s.accounts.every((a) => a.state === 'incomplete')).toBe(true);
    const human = await job.run(['status']);
    expect(human.stdout).toMatch(/1 skipped: too large/);

    // What did get copied is there exactly once and intact: every destination message is a
    // distinct source message of the mapped folder.
    for (const u of users) {
      const acc = s.accounts.find((a) => a.sourceUser === u.user)!;
      const where = new Map(acc.folders.map((f) => [f.source, f.destination]));
      const src = snapshotDigest(await readAll(pair.source, u.user, u.password, { hashOnly: true }), { pathOf: (f) => where.get(f.path) ?? f.path });
      const dst = snapshotDigest(await readAll(pair.destination, u.user, u.password, { hashOnly: true }));
      expect(dst.length).toBe(acc.copied);
      const pool = [...src];
      for (const line of dst) {
        const i = pool.indexOf(line);
        expect(i, `unexpected or duplicated on the destination: ${line}`).toBeGreaterThanOrEqual(0);
        pool.splice(i, 1);
      }
    }
  });

  it.each([
    ['connection refused', { host: '127.0.0.1', port: 9 }, /cannot reach the server: ECONNREFUSED/],
    ['a host that does not resolve', { host: 'mail.nonexistent.invalid', port: 143 }, /cannot reach the server: ENOTFOUND/],
  ])('an unusable destination (%s): one line per account, exit 1 (nothing could be done), and the process ends (no session left open)', async (_what, dst, pattern) => {
    const pair = await startPair();
    const users = generateCorpus('tiny').slice(0, 2);
    await seedCorpus(pair, users);
    const job = makeJob(pair, users, { destination: dst });
    // Before the fix the logged-in source sessions kept the process alive for minutes after it
    // had printed its result; the CLI runner kills it (signal set) after 60 s.
    const r = await runCli(['sync', '--config', job.config], { timeoutMs: 60_000 });
    expect(r.signal, r.stdout + r.stderr).toBeNull();
    expect(r.code).toBe(1);
    for (const u of users) expect(r.stderr).toMatch(new RegExp(`^${u.user.replace(/[.]/g, '\\.')}: failed - destination .*${pattern.source}`, 'm'));
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a wrong password fails that account with one line; the other account completes', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    await seedCorpus(pair, users);
    const job = makeJob(pair, [users[0]!, { ...users[1]!, password: 'wrong-password' }]);
    // The dry run already knows: it could not list that account, so its plan is not complete.
    const dry = await job.run(['sync', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(3);
    expect(dry.stderr).toMatch(/dry run incomplete: 1 account\(s\) could not be listed/);
    const r = await job.run(['sync']);
    expect(r.code).toBe(3);
    expect(r.stdout + r.stderr).not.toMatch(/wrong-password/);
    const s = await job.status();
    const bad = s.accounts.find((a) => a.sourceUser === users[1]!.user)!;
    const good = s.accounts.find((a) => a.sourceUser === users[0]!.user)!;
    expect(bad.state).toBe('failed');
    expect(bad.lastError).toMatch(/login refused|auth/i);
    expect(bad.lastError!.split('\n')).toHaveLength(1);
    expect(good.state).toBe('complete');
    expect(good.copied).toBe(users[0]!.messageCount);
  });
});

describe('sync in reverse (cutover rollback)', () => {
  it('copies mail that arrived on the destination back to the folder it came from, once, and only since the given time', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny').slice(0, 1);
    await seedCorpus(pair, users);
    const job = makeJob(pair, users);
    expect((await job.run(['sync'])).code).toBe(0);
    const u = users[0]!;
    const since = new Date('2026-06-01T00:00:00Z');
    const late = extraMessages('late', 6, ['INBOX', '客戶/2024']).map((m, i) => ({ ...m, internalDate: new Date(since.getTime() + (i + 1) * 60_000) }));
    const old = extraMessages('old-on-dest', 2, ['INBOX']);
    await seedMessages(pair.destination, u.user, u.password, [...late, ...old], { connections: 1 });

    const { ctx, close } = jobContext(job.config);
    try {
      const heard: string[] = [];
      const r1 = await runSync(ctx, { direction: 'reverse', sinceInternalDate: since, onCopied: (m) => void heard.push(`${m.destinationPath} ${m.messageId ?? '-'}`) });
      expect(r1.copied).toBe(late.length);
      expect(heard).toHaveLength(late.length);
      const r2 = await runSync(ctx, { direction: 'reverse', sinceInternalDate: since });
      expect(r2.copied).toBe(0);
      // The returned mail is new on the source, but it is a copy of destination mail: a forward
      // run afterwards (a second attempt at the switch) must not copy it there again.
      const forward = await runSync(ctx);
      expect(forward.copied).toBe(0);
      expect(forward.complete).toBe(true);
    } finally {
      close();
    }
    const src = await readAll(pair.source, u.user, u.password, { hashOnly: true });
    const digest = snapshotDigest(src);
    for (const m of late) {
      const folder = m.folder;
      const count = digest.filter((l) => l.startsWith(`${folder}\t`) && l.includes(m.internalDate.toISOString())).length;
      expect(count, `${folder} ${m.internalDate.toISOString()}`).toBe(1);
    }
    for (const m of old) expect(digest.some((l) => l.includes(m.internalDate.toISOString()))).toBe(false);
    const dstDigest = snapshotDigest(await readAll(pair.destination, u.user, u.password, { hashOnly: true }));
    for (const m of late) expect(dstDigest.filter((l) => l.startsWith(`${m.folder}\t`) && l.includes(m.internalDate.toISOString())).length).toBe(1);
  });
});

describe('a rollback that crashed mid-batch, then a forward sync', () => {
  it('finds what the open reverse batch appended to the source and does not copy it forward again', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny').slice(0, 1);
    await seedCorpus(pair, users);
    const job = makeJob(pair, users);
    expect((await job.run(['sync'])).code).toBe(0);
    const u = users[0]!;
    const since = new Date('2026-06-01T00:00:00Z');
    const one = (id: string, minutes: number): SeedMessage[] => [
      { folder: 'INBOX', raw: Buffer.from(`Message-ID: <${id}@acme.test>\r\nSubject: ${id}\r\n\r\nafter the switch\r\n`), flags: [], internalDate: new Date(since.getTime() + minutes * 60_000) },
    ];
    const first = one('after-t-1', 1);
    const second = one('after-t-2', 2);
    await seedMessages(pair.destination, u.user, u.password, first, { connections: 1 });

    const { ctx, close } = jobContext(job.config);
    const store = ctx.store;
    try {
      // A rollback copies the first message back, which creates the reverse folder pairs.
      expect((await runSync(ctx, { direction: 'reverse', sinceInternalDate: since })).copied).toBe(1);

      // The state a crash leaves: the second message's intent recorded for the reverse INBOX
      // pair, its APPEND done on the source, no answer recorded.
      await seedMessages(pair.destination, u.user, u.password, second, { connections: 1 });
      const sync = store.sync;
      const accountId = (await store.accounts())[0]!.id;
      const reverseInbox = (await sync.folderPairs(accountId, 'reverse')).find((p) => p.sourcePath === 'INBOX')!;
      const dstInbox = (await readAll(pair.destination, u.user, u.password)).find((f) => f.path === 'INBOX')!;
      const onDst = dstInbox.messages.find((m) => m.raw.equals(second[0]!.raw))!;
      await sync.insertListed(reverseInbox.id, BigInt(dstInbox.uidValidity), [{ uid: onDst.uid, internalDate: onDst.internalDate, size: onDst.size, flags: onDst.flags }]);
      const row = (await sync.messages(reverseInbox.id, String(dstInbox.uidValidity), ['pending'])).find((r) => r.srcUid === onDst.uid)!;
      const srcBefore = (await readAll(pair.source, u.user, u.password, { hashOnly: true })).find((f) => f.path === 'INBOX')!;
      const id = identityOf(second[0]!.raw);
      await sync.beginBatch(reverseInbox.id, { uidValidity: BigInt(srcBefore.uidValidity), uidNext: srcBefore.uidNext }, [{ id: row.id, headerHash: id.headerHash, flags: onDst.flags, ...(id.messageId ? { messageId: id.messageId } : {}) }]);
      await seedMessages(pair.source, u.user, u.password, second, { connections: 1 });

      // The forward sync sees a new source message, finds it is the open reverse batch's, and
      // copies nothing; the reverse batch is closed as copied.
      const forward = await runSync(ctx);
      expect(forward.complete).toBe(true);
      expect(forward.copied).toBe(0);
      expect(await sync.openBatches(reverseInbox.id)).toEqual([]);
      expect((await sync.messages(reverseInbox.id, String(dstInbox.uidValidity), ['copied'])).some((r) => r.id === row.id)).toBe(true);
    } finally {
      close();
    }
    const count = async (server: DovecotPair['source']) =>
      (await readAll(server, u.user, u.password)).find((f) => f.path === 'INBOX')!.messages.filter((m) => m.raw.equals(second[0]!.raw)).length;
    expect(await count(pair.destination)).toBe(1);
    expect(await count(pair.source)).toBe(1);
  });
});
