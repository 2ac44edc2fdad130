import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, type CliResult } from './cli.js';

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
