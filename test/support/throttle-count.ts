import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { BIN, type CliResult } from './cli.js';
import { seedMessages, seedUser, startPair, type DovecotPair, type SeedMessage } from './dovecot.js';

// Counting what a throttled sync sent, at the server: Dovecot's mail_log "save" events, and the
// busiest window of them.

/** Times (ms) of every message the server saved, from its mail_log lines. */
export function saves(logPath: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!/: Info: save: /.test(line)) continue;
    const t = Date.parse(line.slice(0, 26));
    if (!Number.isNaN(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/** The largest number of events inside any window of `ms` (half-open, starting at an event). */
export function busiestWindow(times: number[], ms: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (j < times.length && times[j]! < times[i]! + ms) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

/** `mailshift sync` as a child process (for a Ctrl-C mid-run). */
export function startSync(configPath: string): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, 'sync', '--no-progress', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/**
 * A job whose destination is throttled to `rate` messages an hour and logs every save: the
 * tiny corpus (seeded with `seed`) plus `extra` small messages in the first user's INBOX, so
 * the run lasts several windows. `dirs` collects the job folder for the caller to remove.
 */
export async function throttledJob(o: { job: string; rate: number; seed: number; extra: number; dirs: string[] }): Promise<{ pair: DovecotPair; configPath: string; total: number }> {
  const pair = await startPair({ destination: { mailLog: true } });
  const users = generateCorpus('tiny', o.seed);
  for (const u of users) {
    await seedUser(pair.source, u, { connections: 1 });
    await pair.destination.addUser(u.user, u.password);
  }
  const extra: SeedMessage[] = Array.from({ length: o.extra }, (_, i) => ({
    folder: 'INBOX',
    raw: Buffer.from(`From: bulk@acme.test\r\nTo: ${users[0]!.user}\r\nSubject: bulk ${i}\r\nMessage-ID: <bulk-${i}@acme.test>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nmessage ${i}\r\n`),
    flags: [],
    internalDate: new Date(Date.UTC(2026, 10, 2, 10, 0, i % 60)),
  }));
  await seedMessages(pair.source, users[0]!.user, users[0]!.password, extra, { connections: 1 });
  const dir = mkdtempSync(join(tmpdir(), `mailshift-${o.job}-`));
  o.dirs.push(dir);
  const { configPath } = writeJobFiles({ dir, job: o.job, domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users });
  const doc = parse(readFileSync(configPath, 'utf8')) as { destination: Record<string, unknown> };
  doc.destination.throttle = { messagesPerHour: o.rate };
  writeFileSync(configPath, stringify(doc));
  return { pair, configPath, total: users.reduce((n, u) => n + u.messageCount, 0) + extra.length };
}
