import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { startDnsServer } from '../support/dns-server.js';
import { killOnceAt, spawnCli } from '../support/kill-loop.js';
import { closeClient, openClient, seedMessages, seedUser, startPair, type DovecotPair, type SeedMessage } from '../support/dovecot.js';
import { expectMirrored, makeJob, type InteropJob } from '../support/interop.js';

// Issue 16, "Done when" 3: at least 50 SIGKILLs at random moments spread over sync, dual-run
// (with new mail, moves and flag changes on the source between the runs) and `run`, each followed
// by a re-run; the job then ends exactly once: verify --deep clean, the store's integrity check
// clean, and the destination equal to the source message by message. The kills are
// progress-driven (kill-loop.ts): each waits until the destination holds a random number of the
// round's new messages, so every one lands mid-copy whatever the machine's load.

const KILLS = { sync: 20, dualRun: 15, run: 15 };
// A fixed-seed generator: the kill moments are random but a failure can be repeated.
let seed = 16_050;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

function newMail(user: string, tag: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 6, 1, 0, 0, i));
    return { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`Message-ID: <k50-${tag}-${i}@${user}>\r\nFrom: b@acme.test\r\nSubject: ${tag} ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line\r\n'.repeat(1 + ((i * 53) % 700))}`), flags: i % 3 ? [] : ['\\Seen'], internalDate: date };
  });
}

/** Changes a user makes on the source between dual-run passes: new mail, a move, flags. */
async function changeSource(pair: DovecotPair, u: { user: string; password: string; folders: { path: string }[] }, round: number, n: number): Promise<void> {
  await seedMessages(pair.source, u.user, u.password, newMail(u.user, `r${round}`, n), { folders: u.folders, connections: 1 });
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

describe('50 SIGKILLs across sync, dual-run and run', () => {
  it('ends exactly once: verify --deep clean, store check clean, destination equal to the source', async () => {
    const started = Date.now();
    const pair = await startPair();
    // `run` assesses the domain first: its DNS questions go to a loopback server (no records).
    const dns = await startDnsServer();
    onTestFinished(() => dns.stop());
    const users = generateCorpus('tiny');
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
      await seedMessages(pair.source, u.user, u.password, newMail(u.user, 'base', 120), { folders: u.folders, connections: 1 });
    }
    // Small batches and a destination throttle (100 messages/s) keep each run copying for a few
    // seconds, so a kill at a random point of the copy has room.
    const base = { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 360_000 } }, cutover: { dns: { resolvers: [dns.ports[0]!.address], timeoutMs: 500 } } };
    const job = makeJob(pair.source, pair.destination, users, base);
    // One open session per user for the progress polls (a login per poll would load the server).
    const watchers = await Promise.all(users.map((u) => openClient(pair.destination, u.user, u.password)));
    onTestFinished(() => Promise.all(watchers.map((c) => closeClient(c))).then(() => undefined));
    const progress = async () => {
      let n = 0;
      for (const c of watchers) {
        for (const f of await c.list()) {
          if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
          const st = await c.status(f.path, { messages: true });
          n += (st && st.messages) || 0;
        }
      }
      return n;
    };
    const landed = { sync: 0, dualRun: 0, run: 0 };
    // The phase of `run` each kill landed in (its last "step" line).
    const runPhases = new Map<string, number>();
    let round = 0;
    let endedFirst = 0;
    const rounds: string[] = [];
    onTestFinished(() => console.log(`kill-50 rounds:\n${rounds.join('\n')}`));
    /** One round: `added` new messages are on the source; the kill comes after a random share of them arrived. */
    const round1 = async (args: string[], added: number) => {
      round++;
      const t0 = Date.now();
      const before = await progress();
      const mark = before + 1 + Math.floor(rand() * 0.7 * added);
      const r = await killOnceAt({ start: () => spawnCli([...args, '--no-progress', '--config', job.config]), progress, mark, jitterMs: 400, pollMs: 100, random: rand });
      if (!r.killed) {
        // Finished before its kill (or `run` at its gate): the next round brings more mail.
        if (r.code !== 0 && !(args[0] === 'run' && r.code === 4)) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.out.slice(-2000)}`);
        endedFirst++;
      }
      rounds.push(`+${((Date.now() - started) / 1000).toFixed(0)}s ${args[0]}: ${r.killed ? 'killed' : `exit ${r.code}`} after ${Date.now() - t0} ms (mark ${mark - before} of ${added})`);
      return r;
    };

    // 1. sync, killed mid-copy; new mail arrives before every run.
    while (landed.sync < KILLS.sync && round < 60) {
      for (const u of users) await seedMessages(pair.source, u.user, u.password, newMail(u.user, `s${round}`, 40), { folders: u.folders, connections: 1 });
      if ((await round1(['sync'], 40 * users.length)).killed) landed.sync++;
    }
    const synced = await job.run(['sync', '--no-progress']);
    expect(synced.code, synced.stdout + synced.stderr).toBe(0);

    // 2. dual-run passes, killed mid-pass, with new mail, a move and flag changes before each.
    while (landed.dualRun < KILLS.dualRun && round < 120) {
      for (const u of users) await changeSource(pair, u, round, 30);
      if ((await round1(['dual-run', '--once'], 30 * users.length)).killed) landed.dualRun++;
    }

    // 3. `run` with the switch planned an hour ahead. The destination is made current and
    // verified first (the sync phase is then done), so `run` assesses the job, then makes dual-run
    // passes every second until the switch; it is killed while a pass copies what changed.
    const current = await job.run(['dual-run', '--once', '--no-progress']);
    expect(current.code, current.stdout + current.stderr).toBe(0);
    const verified = await job.run(['verify', '--no-progress']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    job.write({ ...base, cutover: { ...base.cutover, at: new Date(Date.now() + 3_600_000).toISOString() } });
    while (landed.run < KILLS.run && round < 180) {
      for (const u of users) await changeSource(pair, u, round, 30);
      const r = await round1(['run', '--dual-run-interval', '1'], 30 * users.length);
      if (r.killed) {
        landed.run++;
        const phase = [...r.out.matchAll(/^step \d+\/\d+: (.+)$/gm)].at(-1)?.[1] ?? '(start-up)';
        runPhases.set(phase, (runPhases.get(phase) ?? 0) + 1);
      }
    }
    expect(landed).toEqual({ sync: KILLS.sync, dualRun: KILLS.dualRun, run: KILLS.run });
    // Every `run` kill landed in its own dual-run passes (progress comes only from them there).
    expect(runPhases.get('dual-run')).toBe(KILLS.run);

    // 4. No switch time: `run` stops at its gate (exit 4, asking for one); the last pass catches
    // up after the last kill; then the checks a user would make.
    job.write(base);
    const gate = await job.run(['run', '--no-progress']);
    expect(gate.code, gate.stdout + gate.stderr).toBe(4);
    expect(gate.stderr).toMatch(/choose the switch time/);
    const last = await job.run(['dual-run', '--once', '--no-progress']);
    expect(last.code, last.stdout + last.stderr).toBe(0);
    const verify = await job.run(['verify', '--deep', '--no-progress']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const check = await job.run(['store', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    await expectMirrored(job, pair.source, pair.destination, users);
    console.log(
      `kill-50: ${landed.sync} sync + ${landed.dualRun} dual-run + ${landed.run} run kills (run: ${JSON.stringify(Object.fromEntries(runPhases))}) in ${round} rounds (${endedFirst} ended before their kill), ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }, 1_500_000);
});
