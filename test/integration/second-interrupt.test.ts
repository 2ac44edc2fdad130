import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { BIN } from '../support/cli.js';
import { closeClient, openClient, readAll, seedMessages, seedUser, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';

// Issue 10 (one error family): a second Ctrl-C/SIGTERM exits at once, and it does so through
// src/cli/exit.ts like every other exit: one line, exit 130, no stack. The store stays
// consistent and a re-run finishes the copy exactly once.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function mail(user: string, n: number): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 9, 1, 0, 0, i));
    return { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`Message-ID: <si-${i}@${user}>\r\nSubject: second interrupt ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line of text\r\n'.repeat(1 + ((i * 37) % 300))}`), flags: i % 3 ? [] : ['\\Seen'], internalDate: date };
  });
}

describe('a second interrupt', () => {
  it('SIGTERM twice mid-sync: exit 130 at once with one line, store check clean, the re-run completes exactly once', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny').slice(0, 2);
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
      await seedMessages(pair.source, u.user, u.password, mail(u.user, 300), { folders: u.folders, connections: 1 });
    }
    // Paced, so the first interrupt's graceful end (the batch in flight) takes longer than the gap.
    const job = makeJob(pair.source, pair.destination, users, { sync: { batchMessages: 5 }, destination: { throttle: { messagesPerHour: 36_000 } } });
    const child = spawn(process.execPath, [BIN, 'sync', '--no-progress', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    // Progress-driven: wait until a message is on the destination, then interrupt twice.
    const c = await openClient(pair.destination, users[0]!.user, users[0]!.password);
    for (let i = 0; i < 900; i++) {
      const st = (await c.status('INBOX', { messages: true }).catch(() => undefined)) as { messages?: number } | undefined;
      if ((st?.messages ?? 0) > 0) break;
      await sleep(100);
    }
    await closeClient(c);
    child.kill('SIGTERM');
    // Two signals sent back to back can merge into one; wait until the first has been taken.
    for (let i = 0; i < 200 && !out.includes('press Ctrl-C again to stop at once'); i++) await sleep(10);
    child.kill('SIGTERM');
    const code = await done;
    expect(out).not.toMatch(/internal error|^\s+at /m);
    expect(code, out).toBe(130);
    expect(out.trim().split('\n').at(-1)).toBe('mailshift: stopped at once; the checkpoint is consistent, run the same command again to continue');
    const check = await job.run(['store', 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const again = await job.run(['sync', '--no-progress']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    for (const u of users) {
      const st = (await job.status()).accounts.find((a) => a.sourceUser === u.user)!;
      const where = new Map(st.folders.filter((f) => f.state === 'active').map((f) => [f.source, f.destination]));
      const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
      expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
    }
  }, 300_000);
});
