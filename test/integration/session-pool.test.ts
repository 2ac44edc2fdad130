import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { closeClient, openClient, readAll, seedUser, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';

// The job's sessions come from one pool per server, shared by every account: with five accounts
// and maxConnections 3, neither server ever sees more than three connections from the sync at
// once (counted at a plain TCP proxy in front of each), and every account is still copied whole.
// A dual-run pass (its probe, move step, delta sync and flag step) leases from the same kind of
// pools: with new mail, a move and flag changes in all five accounts it stays within the same cap.

const FOLDERS = [{ path: 'INBOX' }, { path: 'Projects' }, { path: 'Archive/2024' }];

function messagesOf(user: string): SeedMessage[] {
  return FOLDERS.flatMap((f, fi) =>
    Array.from({ length: 24 }, (_, i) => {
      const date = new Date(Date.UTC(2025, 3, 1 + fi, 8, i));
      return {
        folder: f.path,
        raw: Buffer.from(`Message-ID: <pool-${fi}-${i}@${user}>\r\nFrom: boss@acme.test\r\nTo: ${user}\r\nSubject: ${f.path} ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${`line ${i} ${'z'.repeat(70)}\r\n`.repeat(40 + i * 7)}`),
        flags: i % 3 ? ['\\Seen'] : [],
        internalDate: date,
      };
    }),
  );
}

describe('session pool', () => {
  it('five accounts with maxConnections 3: at most 3 connections at once to each server, every account copied exactly, in the sync and in dual-run passes (also through links cut every few KB)', async () => {
    const pair = await startPair();
    const users = Array.from({ length: 5 }, (_, i) => ({ user: `staff${i + 1}@acme.test`, password: `pw-${i + 1}-secret` }));
    for (const u of users) {
      await seedUser(pair.source, { ...u, folders: FOLDERS, messages: () => messagesOf(u.user) }, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    // A little latency on every chunk keeps sessions busy long enough to overlap.
    const src = await startFaultProxy(pair.source.port, { delayMs: 2 });
    const dst = await startFaultProxy(pair.destination.port, { delayMs: 2 });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'mailshift-pool-'));
      const config = join(dir, 'mailshift.yaml');
      writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
      const server = (port: number) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, preset: 'dovecot', maxConnections: 3 });
      writeFileSync(config, JSON.stringify({ job: 'pool-test', domain: 'acme.test', sync: { batchMessages: 8 }, source: server(src.port), destination: server(dst.port), accounts: 'accounts.csv' }));

      const r = await runCli(['sync', '--config', config], { timeoutMs: 300_000 });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      // The cap holds across all five accounts, and the pool really runs several at once.
      expect(src.stats.peakOpen).toBeLessThanOrEqual(3);
      expect(dst.stats.peakOpen).toBeLessThanOrEqual(3);
      expect(dst.stats.peakOpen).toBeGreaterThanOrEqual(2);
      expect(src.stats.open + dst.stats.open, 'every session logged out at the end').toBe(0);
      console.log(`pool: peak connections source ${src.stats.peakOpen}, destination ${dst.stats.peakOpen}; opened in all ${src.stats.connections} / ${dst.stats.connections}`);

      for (const u of users) {
        const [s, d] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
        expect(d.reduce((n, f) => n + f.messages.length, 0)).toBe(FOLDERS.length * 24);
        expect(snapshotDigest(d)).toEqual(snapshotDigest(s));
      }
      // A re-run finds nothing to do, within the same cap.
      const again = await runCli(['sync', '--config', config], { timeoutMs: 120_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/sync: 0 messages/);
      expect(dst.stats.peakOpen).toBeLessThanOrEqual(3);

      // In every account: two new messages, one move between folders, two flag changes.
      const changeAll = async (round: number) => {
        for (const [i, u] of users.entries()) {
          const c = await openClient(pair.source, u.user, u.password);
          try {
            for (let k = 0; k < 2; k++) {
              const date = new Date(Date.UTC(2025, 5, round, 9, i * 10 + k));
              await c.append('INBOX', Buffer.from(`Message-ID: <late-${round}-${k}@${u.user}>\r\nFrom: boss@acme.test\r\nTo: ${u.user}\r\nSubject: late ${round} ${k}\r\nDate: ${date.toUTCString()}\r\n\r\nnew mail ${k}\r\n`), [], date);
            }
            await c.mailboxOpen('Projects');
            const p = (await c.search({ all: true }, { uid: true })) || [];
            expect(await c.messageMove(String(p[5]), 'Archive/2024', { uid: true })).toBeTruthy();
            await c.mailboxOpen('INBOX');
            const inbox = (await c.search({ all: true }, { uid: true })) || [];
            expect(await c.messageFlagsAdd(String(inbox[round]), ['\\Flagged'], { uid: true })).toBe(true);
            expect(await c.messageFlagsRemove(String(inbox[round + 3]), ['\\Seen'], { uid: true })).toBe(true);
          } finally {
            await closeClient(c);
          }
        }
      };
      const expectMirror = async (messages: number) => {
        for (const u of users) {
          const [s, d] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
          expect(d.reduce((n, f) => n + f.messages.length, 0)).toBe(messages);
          expect(snapshotDigest(d)).toEqual(snapshotDigest(s));
        }
      };
      // Dual-run: the first pass records every folder's flag watermark; then in every account two
      // new messages, one move between folders and two flag changes, and one more pass.
      const first = await runCli(['dual-run', '--once', '--config', config], { timeoutMs: 300_000 });
      expect(first.code, first.stderr + first.stdout).toBe(0);
      await changeAll(1);
      src.stats.peakOpen = src.stats.open;
      dst.stats.peakOpen = dst.stats.open;
      const dr = await runCli(['dual-run', '--once', '--json', '--config', config], { timeoutMs: 300_000 });
      expect(dr.code, dr.stderr + dr.stdout).toBe(0);
      const pass = (JSON.parse(dr.stdout) as { passes: { copied: number; moved: number; flagsApplied: number; complete: boolean }[] }).passes[0]!;
      expect(pass).toMatchObject({ copied: 2 * users.length, moved: users.length, flagsApplied: 2 * users.length, complete: true });
      expect(src.stats.peakOpen, 'dual-run: source connections at once').toBeLessThanOrEqual(3);
      expect(dst.stats.peakOpen, 'dual-run: destination connections at once').toBeLessThanOrEqual(3);
      expect(src.stats.open + dst.stats.open, 'every dual-run session logged out at the end').toBe(0);
      console.log(`dual-run pass: peak connections source ${src.stats.peakOpen}, destination ${dst.stats.peakOpen}`);
      // Moves followed, flags equal, the new mail there once: the destination mirrors the source.
      await expectMirror(FOLDERS.length * 24 + 2);

      // The same with both links cut every few KB: a cut session is replaced from the pool and
      // the step retried as the failure policy says; the pass still completes, exactly once.
      await changeAll(2);
      src.plan.cutEveryClientBytes = [2000, 5000];
      dst.plan.cutEveryClientBytes = [2000, 5000];
      src.stats.peakOpen = src.stats.open;
      dst.stats.peakOpen = dst.stats.open;
      const logFile = join(dir, 'pool-test.mailshift.log');
      const logFrom = readFileSync(logFile, 'utf8').length;
      const cut = await runCli(['dual-run', '--once', '--json', '--config', config], { timeoutMs: 400_000 });
      expect(cut.code, cut.stderr + cut.stdout).toBe(0);
      // The counts may fall short (a message whose APPEND or MOVE reached the server just before a
      // cut is found there by the retry, not counted as copied or moved): the mirror below is the proof.
      expect((JSON.parse(cut.stdout) as { passes: { complete: boolean }[] }).passes[0]).toMatchObject({ complete: true });
      expect(src.stats.cuts + dst.stats.cuts).toBeGreaterThan(0);
      expect(Math.max(src.stats.peakOpen, dst.stats.peakOpen)).toBeLessThanOrEqual(3);
      const retries = readFileSync(logFile, 'utf8').slice(logFrom).trim().split('\n').map((l) => JSON.parse(l) as { step?: string; phase?: string; msg?: string }).filter((l) => /retrying on a fresh connection/.test(l.msg ?? ''));
      console.log(`dual-run pass through cut links: ${src.stats.cuts} / ${dst.stats.cuts} cuts; retries by step ${JSON.stringify(retries.reduce<Record<string, number>>((m, l) => ({ ...m, [l.step ?? l.phase ?? '?']: (m[l.step ?? l.phase ?? '?'] ?? 0) + 1 }), {}))}`);
      await expectMirror(FOLDERS.length * 24 + 4);
    } finally {
      await Promise.all([src.close(), dst.close()]);
    }
  }, 700_000);
});
