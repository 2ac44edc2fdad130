import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { BIN } from '../support/cli.js';
import { closeClient, openClient, readAll, seedMessages, seedUser, snapshotDigest, startPair, type DovecotPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob, type InteropJob } from '../support/interop.js';

// Issue 16, "Done when" 3: at least 50 SIGKILLs at random moments spread over sync and dual-run
// (with new mail, moves and flag changes on the source between the runs), each followed by a
// re-run; the job then ends exactly once: verify --deep clean, the store's integrity check
// clean, and the destination equal to the source message by message.

const KILLS = { sync: 25, dualRun: 25 };
// A fixed-seed generator: the kill moments are random but a failure can be repeated.
let seed = 16_050;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

function newMail(user: string, tag: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 6, 1, 0, 0, i));
    return { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`Message-ID: <k50-${tag}-${i}@${user}>\r\nFrom: b@acme.test\r\nSubject: ${tag} ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line\r\n'.repeat(1 + ((i * 53) % 700))}`), flags: i % 3 ? [] : ['\\Seen'], internalDate: date };
  });
}

/** Starts a command and SIGKILLs it after `ms` if it is still running. */
function killedAfter(job: InteropJob, args: string[], ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--no-progress', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, out });
    });
  });
}

/** Changes a user makes on the source between dual-run passes: new mail, a move, flags. */
async function changeSource(pair: DovecotPair, u: { user: string; password: string; folders: { path: string }[] }, round: number): Promise<void> {
  await seedMessages(pair.source, u.user, u.password, newMail(u.user, `r${round}`, 6), { folders: u.folders, connections: 1 });
  const c = await openClient(pair.source, u.user, u.password);
  try {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids = (await c.search({ all: true }, { uid: true })) || [];
      if (uids.length > 4) {
        await c.messageFlagsAdd(String(uids[Math.floor(rand() * uids.length)]), ['\\Flagged', '$Kill50'], { uid: true });
        await c.messageFlagsRemove(String(uids[Math.floor(rand() * uids.length)]), ['\\Seen'], { uid: true });
        await c.messageMove(String(uids[Math.floor(rand() * uids.length)]), 'Archive', { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await closeClient(c);
  }
}

describe('50 SIGKILLs across sync and dual-run', () => {
  it('ends exactly once: verify --deep clean, store check clean, destination equal to the source', async () => {
    const started = Date.now();
    const pair = await startPair();
    const users = generateCorpus('tiny');
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
      await seedMessages(pair.source, u.user, u.password, newMail(u.user, 'base', 120), { folders: u.folders, connections: 1 });
    }
    // Small batches and a destination throttle (100 messages/s) keep each run busy for longer
    // than its kill window, however fast the machine.
    const job = makeJob(pair.source, pair.destination, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 360_000 } } });
    const landed = { sync: 0, dualRun: 0 };
    // Kills that came after the run had copied something (not only during start-up).
    const midWork = { sync: 0, dualRun: 0 };
    // One status read per round (the CLI, as a user would): this round's count against the last one.
    let lastCopied = 0;
    const copiedSince = async () => {
      const now = (await job.status()).accounts.reduce((n, a) => n + a.copied, 0);
      const more = now > lastCopied;
      lastCopied = now;
      return more;
    };
    // The kill window adapts to the machine: longer when kills keep landing before any work
    // (start-up is slow on a loaded machine), shorter when runs finish before their kill.
    let span = 2600;
    const window = () => 250 + Math.floor(rand() * span);
    let round = 0;

    // 1. sync, killed at random moments; when a run finishes first, more mail arrives.
    while (landed.sync < KILLS.sync && round < 80) {
      round++;
      const r = await killedAfter(job, ['sync'], window());
      if (r.signal === 'SIGKILL') {
        landed.sync++;
        if (await copiedSince()) midWork.sync++;
        else span = Math.min(5000, span * 1.2);
      } else if (r.code === 0) {
        span = Math.max(1500, span * 0.8);
        for (const u of users) await seedMessages(pair.source, u.user, u.password, newMail(u.user, `s${round}`, 40), { folders: u.folders, connections: 1 });
      } else throw new Error(`sync exited ${r.code}: ${r.out}`);
    }
    const synced = await job.run(['sync', '--no-progress']);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);
    await copiedSince();

    // 2. dual-run passes, killed at random moments, with the source changing between them.
    while (landed.dualRun < KILLS.dualRun && round < 200) {
      round++;
      for (const u of users) await changeSource(pair, u, round);
      const r = await killedAfter(job, ['dual-run', '--once'], window());
      if (r.signal === 'SIGKILL') {
        landed.dualRun++;
        if (await copiedSince()) midWork.dualRun++;
        else span = Math.min(5000, span * 1.2);
      } else if (r.code === 0) span = Math.max(1500, span * 0.8);
      else if (r.code !== 0) throw new Error(`dual-run exited ${r.code}: ${r.out}`);
    }
    expect(landed.sync).toBe(KILLS.sync);
    expect(landed.dualRun).toBe(KILLS.dualRun);
    // Spread over the runs: some of each kind landed while mail was being copied.
    expect(midWork.sync).toBeGreaterThanOrEqual(3);
    expect(midWork.dualRun).toBeGreaterThanOrEqual(3);

    // 3. The re-run after the last kill, then the checks a user would make.
    const last = await job.run(['dual-run', '--once', '--no-progress']);
    expect(last.code, last.stdout + last.stderr).toBe(0);
    const verify = await job.run(['verify', '--deep', '--no-progress']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const check = await job.run(['store', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const u of users) {
      const st = (await job.status()).accounts.find((a) => a.sourceUser === u.user)!;
      const where = new Map(st.folders.filter((f) => f.state === 'active').map((f) => [f.source, f.destination]));
      const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
      expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
    }
    console.log(`kill-50: ${landed.sync} sync + ${landed.dualRun} dual-run kills (${midWork.sync} + ${midWork.dualRun} after copying began) in ${round} rounds, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 900_000);
});
