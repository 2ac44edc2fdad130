import { spawn, type ChildProcess } from 'node:child_process';
import type { ImapFlow } from 'imapflow';
import { BIN } from './cli.js';
import { closeClient, openClient } from '../../src/sandbox/imap-client.js';

/**
 * Kill tests that land their kills: instead of killing after a random delay (which on a loaded
 * machine often falls into start-up, or after the run has already finished), each kill waits
 * until the server shows more progress than at the previous kill, then fires after a small random
 * jitter. So every kill lands mid-copy and the number of kills is exact whatever the machine's speed.
 */

export interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/** `mailshift <args>` as a child process, its output kept for the failure message. */
export function spawnCli(args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, done: new Promise((r) => child.on('close', (code, signal) => r({ code, signal, out }))) };
}

export interface KillLoopOptions {
  /** Starts one run of the command under test. */
  start: () => Run;
  /** Progress as the server sees it (e.g. messages in the destination mailboxes). */
  progress: () => Promise<number>;
  /** Progress at the end of a complete run. */
  total: number;
  /** How many kills must land. */
  kills: number;
  /** Random extra wait after the progress mark, before the kill (ms). */
  jitterMs?: number;
  /** Give up (and fail) when one run shows no progress for this long (ms). */
  stallMs?: number;
  random?: () => number;
  /** Called after each kill has landed (1-based), before the next run starts. */
  afterKill?: (kill: number) => Promise<void>;
}

export interface KillOnceOptions {
  start: () => Run;
  progress: () => Promise<number>;
  /** Kill once progress has reached this. */
  mark: number;
  jitterMs?: number;
  stallMs?: number;
  /** How often progress is read (ms). */
  pollMs?: number;
  random?: () => number;
}

/**
 * One run, SIGKILLed once progress has reached `mark` (after a random jitter). Says whether the
 * kill landed, or how the run ended on its own before it; the output is kept for the caller.
 */
export async function killOnceAt(o: KillOnceOptions): Promise<{ killed: boolean; code: number | null; out: string }> {
  const run = o.start();
  const stallMs = o.stallMs ?? 120_000;
  let exited = false;
  void run.done.then(() => (exited = true));
  let last = -1;
  let lastChange = Date.now();
  while (!exited) {
    const p = await o.progress();
    if (p >= o.mark) break;
    if (p !== last) {
      last = p;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      run.child.kill('SIGKILL');
      throw new Error(`no progress for ${Math.round(stallMs / 1000)} s before the kill (at ${p}, mark ${o.mark}): ${(await run.done).out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
  }
  if (!exited) {
    await new Promise((r) => setTimeout(r, Math.floor((o.random ?? Math.random)() * (o.jitterMs ?? 300))));
    if (!exited) run.child.kill('SIGKILL');
  }
  const r = await run.done;
  return { killed: r.signal === 'SIGKILL', code: r.code, out: r.out };
}

/**
 * Runs and kills `kills` times, each kill once progress has passed the next of `kills` evenly
 * spaced marks below `total`. Returns how many kills landed (the caller asserts it equals `kills`)
 * and the exit of any run that ended on its own before its mark.
 */
export async function killAtProgress(o: KillLoopOptions): Promise<{ kills: number; endedEarly: number }> {
  const step = o.total / (o.kills + 1);
  let kills = 0;
  let endedEarly = 0;
  for (let i = 1; i <= o.kills; i++) {
    const r = await killOnceAt({ start: o.start, progress: o.progress, mark: Math.floor(step * i), jitterMs: o.jitterMs, stallMs: o.stallMs, random: o.random }).catch((err: Error) => {
      throw new Error(`kill ${i} of ${o.total}: ${err.message}`);
    });
    if (r.killed) {
      kills++;
      await o.afterKill?.(kills);
    } else if (r.code === 0) endedEarly++;
    else throw new Error(`run ${i} exited ${r.code} before its kill: ${r.out.slice(-2000)}`);
  }
  return { kills, endedEarly };
}

/** Messages in every folder of these accounts, by LIST … STATUS / STATUS (read-only, any server). */
export async function countMessages(server: { host: '127.0.0.1'; port: number }, accounts: Array<{ user: string; password: string }>): Promise<number> {
  let n = 0;
  for (const a of accounts) {
    let c: ImapFlow | undefined;
    try {
      c = await openClient(server, a.user, a.password);
      for (const f of await c.list()) {
        if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
        const st = await c.status(f.path, { messages: true });
        n += (st && st.messages) || 0;
      }
    } finally {
      if (c) await closeClient(c);
    }
  }
  return n;
}
