import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { runCli } from '../support/cli.js';
import { busiestWindow, saves, startSync } from '../support/throttle-count.js';
import { seedMessages, seedUser, startPair, type SeedMessage } from '../support/dovecot.js';

// The throttle is a promise: with messagesPerHour set on the destination, no window of the run
// sends more than its share, counted at the server (Dovecot's mail_log "save" events), also
// across a Ctrl-C and the run that continues it right away. Scaled from the 3,600/hour
// and 60-second windows of 60 to 36,000/hour and 10-second windows of 100 (the same promise,
// ten times faster), and checked for 60-second windows of 600 as well.

const RATE = 36_000;

describe('throttle: messagesPerHour holds at the server, through Ctrl-C and a restart', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it(`${RATE}/hour: no 10-second window over ${RATE / 360} APPENDed messages, no 60-second window over ${RATE / 60}`, async () => {
    const pair = await startPair({ destination: { mailLog: true } });
    const users = generateCorpus('tiny', 21);
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    // 300 more messages in one folder, so the run lasts several windows.
    const extra: SeedMessage[] = Array.from({ length: 300 }, (_, i) => ({
      folder: 'INBOX',
      raw: Buffer.from(`From: bulk@acme.test\r\nTo: ${users[0]!.user}\r\nSubject: bulk ${i}\r\nMessage-ID: <bulk-${i}@acme.test>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nmessage ${i}\r\n`),
      flags: [],
      internalDate: new Date(Date.UTC(2026, 10, 2, 10, 0, i % 60)),
    }));
    await seedMessages(pair.source, users[0]!.user, users[0]!.password, extra, { connections: 1 });
    const total = users.reduce((n, u) => n + u.messageCount, 0) + extra.length;

    const dir = mkdtempSync(join(tmpdir(), 'mailshift-throttle-'));
    dirs.push(dir);
    const { configPath } = writeJobFiles({ dir, job: 'throttle', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users });
    const doc = parse(readFileSync(configPath, 'utf8')) as { destination: Record<string, unknown> };
    doc.destination.throttle = { messagesPerHour: RATE };
    writeFileSync(configPath, stringify(doc));

    const first = startSync(configPath);
    await new Promise((r) => setTimeout(r, 14_000));
    const interruptedAt = Date.now();
    first.child.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(130);
    const afterInterrupt = saves(pair.destination.logPath).filter((t) => t > interruptedAt).length;
    // At most what one window's share allows drains out after the interrupt.
    expect(afterInterrupt).toBeLessThanOrEqual(RATE / 360);

    // Continued at once: the new process knows what the old one sent in this window.
    const r2 = await runCli(['sync', '--no-progress', '--config', configPath], { timeoutMs: 120_000 });
    expect(r2.code, r2.stderr).toBe(0);
    const times = saves(pair.destination.logPath);
    expect(times.length).toBe(total);
    const t0 = times[0]!;
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor((t - t0) / 1000), (perSecond.get(Math.floor((t - t0) / 1000)) ?? 0) + 1);
    console.log(`throttle test: saves per second since the first: ${JSON.stringify(Object.fromEntries(perSecond))}; interrupted at +${((interruptedAt - t0) / 1000).toFixed(1)} s`);
    expect(busiestWindow(times, 10_000)).toBeLessThanOrEqual(RATE / 360);
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(RATE / 60);
    // And it is a rate, not a stall: the whole copy took about total / (100 per 10 s).
    const span = (times.at(-1)! - times[0]!) / 1000;
    expect(span).toBeGreaterThan(((total - 100) / 100) * 10 - 2);
    const v = await runCli(['verify', '--config', configPath]);
    expect(v.code, v.stdout).toBe(0);
  }, 180_000);
});
