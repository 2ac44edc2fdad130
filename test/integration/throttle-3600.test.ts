import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { busiestWindow, saves, startSync, throttledJob } from '../support/throttle-count.js';

// The throttle at the literal figure: messagesPerHour: 3600 on the destination, and no
// 60-second window of the run sends more than 60 APPENDs, counted at the server (Dovecot's
// mail_log "save" events), also across a Ctrl-C and the run that continues it at once. Its own
// file, so it runs beside the rest of the suite (about 2.5 minutes, mostly waiting on the rate).

const RATE = 3600;

describe('throttle at 3,600 messages/hour, counted at the server', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('no 60-second window over 60 APPENDed messages, through a Ctrl-C and an immediate restart', async () => {
    // 50 more messages in one folder: 110 in all, about two minutes at one a second.
    const { pair, configPath, total } = await throttledJob({ job: 'throttle3600', rate: RATE, seed: 36, extra: 50, dirs });

    // Interrupted 70 s after the first message landed: inside the second 60-second window.
    const first = startSync(configPath);
    const deadline = Date.now() + 60_000;
    while (saves(pair.destination.logPath).length === 0) {
      expect(Date.now(), 'no message was copied within a minute').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    const firstSave = saves(pair.destination.logPath)[0]!;
    await new Promise((r) => setTimeout(r, Math.max(0, firstSave + 70_000 - Date.now())));
    const interruptedAt = Date.now();
    first.child.kill('SIGINT');
    const r1 = await first.done;
    expect(r1.code, r1.stderr).toBe(130);
    const drainTimes = saves(pair.destination.logPath).filter((t) => t > interruptedAt);
    const drained = drainTimes.length;
    // The drain after Ctrl-C keeps the pace too: what was in flight lands about a second apart, not in a burst.
    const drainSeconds = drained ? (drainTimes.at(-1)! - interruptedAt) / 1000 : 0;
    expect(drained).toBeLessThanOrEqual(2 + drainSeconds);

    // Continued at once: the new process knows what the old one sent in this window.
    const r2 = await runCli(['sync', '--no-progress', '--config', configPath], { timeoutMs: 200_000 });
    expect(r2.code, r2.stderr).toBe(0);
    const times = saves(pair.destination.logPath);
    expect(times.length).toBe(total);
    const t0 = times[0]!;
    const perWindow = new Map<number, number>();
    for (const t of times) perWindow.set(Math.floor((t - t0) / 60_000), (perWindow.get(Math.floor((t - t0) / 60_000)) ?? 0) + 1);
    const busiest = busiestWindow(times, 60_000);
    console.log(
      `throttle 3600/h: ${total} messages in ${((times.at(-1)! - t0) / 1000).toFixed(1)} s; per minute since the first: ${JSON.stringify(Object.fromEntries(perWindow))}; busiest 60-s window ${busiest}; ${drained} drained in ${drainSeconds.toFixed(1)} s after the Ctrl-C at +${((interruptedAt - t0) / 1000).toFixed(1)} s`,
    );
    expect(busiest).toBeLessThanOrEqual(RATE / 60);
    // And it is a rate, not a stall or a burst: the copy takes about one second a message.
    const span = (times.at(-1)! - t0) / 1000;
    expect(span).toBeGreaterThan(total - 60 - 2);
    const v = await runCli(['verify', '--config', configPath]);
    expect(v.code, v.stdout).toBe(0);
  }, 300_000);
});
