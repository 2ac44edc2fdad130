import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFaultProxy } from '../support/fault-proxy.js';
import { seedUser, startPair, type SeedMessage } from '../support/dovecot.js';
import { expectMirrored, makeJob } from '../support/interop.js';
import { countMessages, killAtProgress, spawnCli } from '../support/kill-loop.js';

// One big folder and a small one, three connections per server: once the small folder is done
// the queue is empty, and the big folder takes the spare session pairs (every worker takes the
// next batch from one list). Against two live Dovecot servers through TCP proxies that count
// connections: the cap holds, the helpers really ran, and SIGKILLs while several pairs write
// into the same folder still end with every message exactly once.

const BIG = 420;

function messagesOf(user: string): SeedMessage[] {
  const at = (i: number) => new Date(Date.UTC(2025, 6, 1, 8, 0, i));
  const msg = (folder: string, i: number, k = i): SeedMessage => ({
    folder,
    raw: Buffer.from(`Message-ID: <help-${folder}-${k}@${user}>\r\nFrom: boss@acme.test\r\nTo: ${user}\r\nSubject: ${folder} ${k}\r\nDate: ${at(k).toUTCString()}\r\n\r\n${`line ${k} ${'q'.repeat(60)}\r\n`.repeat(20 + (k % 40))}`),
    flags: k % 4 ? ['\\Seen'] : [],
    internalDate: at(k),
  });
  // Every fiftieth message has a byte-identical twin: two in, two out.
  const big = Array.from({ length: BIG }, (_, i) => msg('INBOX', i, i % 50 === 1 ? i - 1 : i));
  return [...big, ...Array.from({ length: 4 }, (_, i) => msg('Notes', i))];
}

async function setup(delayMs = 2) {
  const pair = await startPair();
  const users = [{ user: 'big@acme.test', password: 'pw-big-secret' }];
  for (const u of users) {
    await seedUser(pair.source, { ...u, folders: [{ path: 'INBOX' }, { path: 'Notes' }], messages: () => messagesOf(u.user) }, { connections: 1 });
    await pair.destination.addUser(u.user, u.password);
  }
  // A little latency per chunk: the copy lasts long enough for helpers to join and kills to land.
  const src = await startFaultProxy(pair.source.port, { delayMs });
  const dst = await startFaultProxy(pair.destination.port, { delayMs });
  const ep = (port: number) => ({ host: '127.0.0.1' as const, port });
  return { pair, users, src, dst, ep };
}

const server = { preset: 'dovecot', maxConnections: 3 };

describe('a big folder shared with spare session pairs', () => {
  it('helpers join at the end of the queue, within maxConnections, and every message arrives once', async () => {
    const { pair, users, src, dst, ep } = await setup();
    try {
      const job = makeJob(ep(src.port), ep(dst.port), users, { sync: { batchMessages: 6 }, source: server, destination: server });
      job.write({ store: join(job.dir, 'job.db'), sync: { batchMessages: 6 }, source: server, destination: server });
      const r = await job.run(['sync', '--log-level', 'debug']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const helped = readFileSync(join(job.dir, 'job.log'), 'utf8').split('\n').filter((l) => l.includes('a spare session pair helps copy this folder'));
      expect(helped.length).toBeGreaterThanOrEqual(1);
      expect(src.stats.peakOpen).toBeLessThanOrEqual(3);
      expect(dst.stats.peakOpen).toBeLessThanOrEqual(3);
      expect(src.stats.open + dst.stats.open, 'every session logged out at the end').toBe(0);
      await expectMirrored(job, pair.source, pair.destination, users);
      const again = await job.run(['sync']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/sync: 0 messages/);
    } finally {
      await Promise.all([src.close(), dst.close()]);
    }
  }, 400_000);

  it('SIGKILL at four moments while several pairs copy the big folder: the re-run ends exactly once', async () => {
    // More latency than above: the copy between two marks must outlast a progress poll and the
    // kill's jitter, or the last run can finish before its kill (seen on a loaded CI machine).
    const { pair, users, src, dst, ep } = await setup(8);
    try {
      const job = makeJob(ep(src.port), ep(dst.port), users, { sync: { batchMessages: 6 }, source: server, destination: server });
      job.write({ store: join(job.dir, 'job.db'), sync: { batchMessages: 6 }, source: server, destination: server });
      const total = BIG + 4;
      const r = await killAtProgress({ start: () => spawnCli(['sync', '--config', job.config, '--log-level', 'debug']), progress: () => countMessages(pair.destination, users), total, kills: 4 });
      expect(r).toEqual({ kills: 4, endedEarly: 0 });
      // Every run so far was killed: the helpers were at work in at least one of them.
      expect(readFileSync(join(job.dir, 'job.log'), 'utf8')).toContain('a spare session pair helps copy this folder');
      const last = await job.run(['sync']);
      expect(last.code, last.stderr + last.stdout).toBe(0);
      expect(await countMessages(pair.destination, users)).toBe(total);
      await expectMirrored(job, pair.source, pair.destination, users);
      expect(dst.stats.peakOpen).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all([src.close(), dst.close()]);
    }
  }, 600_000);
});
