import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { busiestWindow, saves, startSync, throttledJob } from '../support/throttle-count.js';

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
    // 300 more messages in one folder, so the run lasts several windows.
    const { pair, configPath, total } = await throttledJob({ job: 'throttle', rate: RATE, seed: 21, extra: 300, dirs });

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
