import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { seedUser, usePair } from '../support/dovecot.js';
import { expectMirrored, makeJob } from '../support/interop.js';
import { countMessages, killAtProgress, spawnCli } from '../support/kill-loop.js';
import { usePostgres } from '../support/postgres.js';

// Issue 18: the phases on the asynchronous store contract, with `store: postgres://…`. Two live
// Dovecot servers and a throwaway PostgreSQL cluster: a sync puts every message in the
// destination exactly once, a sync SIGKILLed twice mid-copy (progress-driven kills) still ends
// exactly once on the re-run, and `status --json` and `verify --deep` read the PostgreSQL store.

const server = { preset: 'dovecot', maxConnections: 3 };

describe('sync on a PostgreSQL store', () => {
  const pair = usePair();
  const pg = usePostgres();

  it('copies every message exactly once; status and verify --deep read the PostgreSQL store', async () => {
    const users = generateCorpus('tiny', 18).slice(0, 2);
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    const job = makeJob(pair.source, pair.destination, users, { store: await pg.createDatabase(), source: server, destination: server });
    const r = await job.run(['sync']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const total = users.reduce((n, u) => n + u.messageCount, 0);
    expect(await countMessages(pair.destination, users)).toBe(total);
    expect(readdirSync(job.dir).filter((f) => f.endsWith('.db')), 'no SQLite file beside the job').toEqual([]);
    await expectMirrored(job, pair.source, pair.destination, users);
    const st = await job.status();
    expect(st.accounts.map((a) => a.state)).toEqual(users.map(() => 'complete'));
    const v = await job.run(['verify', '--deep', '--json']);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    // Nothing left to do: the store says so, and the destination is unchanged.
    const again = await job.run(['sync']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/sync: 0 messages/);
    expect(await countMessages(pair.destination, users)).toBe(total);
    // A dual-run pass on the same store: nothing new, recorded as a pass that status shows.
    const d = await job.run(['dual-run', '--once']);
    expect(d.code, d.stderr + d.stdout).toBe(0);
    const after = (await job.status()) as unknown as { dualRun: { passes: number } };
    expect(after.dualRun.passes).toBe(1);
    expect(await countMessages(pair.destination, users)).toBe(total);
  }, 300_000);

  it('SIGKILL at two moments mid-sync: the re-run ends with every message exactly once', async () => {
    const users = [{ user: 'pgkill@acme.test', password: 'pw-pgkill-secret' }];
    const at = (i: number) => new Date(Date.UTC(2025, 6, 1, 8, 0, i));
    const messages = Array.from({ length: 240 }, (_, i) => ({
      folder: i % 5 ? 'INBOX' : 'Archive',
      raw: Buffer.from(`Message-ID: <pg-${i}@acme.test>\r\nFrom: boss@acme.test\r\nTo: ${users[0]!.user}\r\nSubject: pg ${i}\r\nDate: ${at(i).toUTCString()}\r\n\r\n${`line ${i} ${'p'.repeat(60)}\r\n`.repeat(20 + (i % 30))}`),
      flags: i % 3 ? ['\\Seen'] : [],
      internalDate: at(i),
    }));
    await seedUser(pair.source, { ...users[0]!, folders: [{ path: 'INBOX' }, { path: 'Archive' }], messages: () => messages }, { connections: 1 });
    await pair.destination.addUser(users[0]!.user, users[0]!.password);
    // A little latency per chunk, so the copy outlasts a progress poll and the kill's jitter.
    const src = await startFaultProxy(pair.source.port, { delayMs: 8 });
    const dst = await startFaultProxy(pair.destination.port, { delayMs: 8 });
    try {
      const ep = (port: number) => ({ host: '127.0.0.1' as const, port });
      const job = makeJob(ep(src.port), ep(dst.port), users, { store: await pg.createDatabase(), sync: { batchMessages: 6 }, source: server, destination: server });
      const total = messages.length;
      const k = await killAtProgress({ start: () => spawnCli(['sync', '--config', job.config]), progress: () => countMessages(pair.destination, users), total, kills: 2 });
      expect(k).toEqual({ kills: 2, endedEarly: 0 });
      const last = await job.run(['sync']);
      expect(last.code, last.stderr + last.stdout).toBe(0);
      expect(await countMessages(pair.destination, users)).toBe(total);
      await expectMirrored(job, pair.source, pair.destination, users);
      const st = await job.status();
      expect(st.accounts[0]!.state).toBe('complete');
      expect(st.accounts[0]!.pending).toBe(0);
      const v = await job.run(['verify', '--deep']);
      expect(v.code, v.stderr + v.stdout).toBe(0);
    } finally {
      await Promise.all([src.close(), dst.close()]);
    }
  }, 600_000);
});
