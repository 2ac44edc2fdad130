import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeClient, openClient } from '../support/dovecot.js';
import { runCli } from '../support/cli.js';
import { PIPELINE } from '../../src/phases/pipeline.js';

const root = mkdtempSync(join(tmpdir(), 'mailshift-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The sandbox servers' folders of a demo (their Dovecot processes are started with a config there). */
function serverDirs(demoDir: string): string[] {
  const kept = JSON.parse(readFileSync(join(demoDir, 'servers.json'), 'utf8')) as { source: { baseDir: string }; destination: { baseDir: string } };
  return [kept.source.baseDir, kept.destination.baseDir];
}

/** Live processes of the demo's servers. */
function processesOf(demoDir: string): string[] {
  return serverDirs(demoDir).flatMap(processesUsing);
}

/** Live processes whose command line mentions `dir`. */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (cmd.includes(dir) && state !== 'Z') found.push(`${pid} ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

describe('mailshift demo', () => {
  it('runs every phase on the tiny company, prints the report path, and leaves no process behind', async () => {
    const dir = join(root, 'tiny');
    const r = await runCli(['demo', '--preset', 'tiny', '--dir', dir], { timeoutMs: 300_000 });
    expect(r.stderr).not.toContain('mailshift:');
    expect(r.code).toBe(0);
    // The steps are the pipeline's table, printed as `run` prints them, every one ok.
    PIPELINE.forEach((p, i) => expect(r.stdout).toContain(`step ${i + 1}/${PIPELINE.length}: ${p.name}\n      ok `));
    expect(r.stdout.match(/^step \d+\/\d+: .+$/gm)).toEqual(PIPELINE.map((p, i) => `step ${i + 1}/${PIPELINE.length}: ${p.name}`));
    expect(r.stdout).toMatch(/verify --deep: (\d+) of \1 messages matched byte for byte with flags and dates; missing 0, duplicated 0, altered 0/);
    // The dual-run step shows a message filed into another folder moved, not copied twice.
    expect(r.stdout).toMatch(/then a message filed into 客戶 on the old server: 1 moved the same way on the new one \(not copied twice\)/);
    // And a canary through the old MX (the demo's DNS and SMTP), its lag measured, cleaned up.
    expect(r.stdout).toMatch(/a canary sent through the old MX \(mx\.old-provider\.test\) was delivered in \d+\.\d s and on the new system after \d+\.\d s, then removed from both sides/);
    const report = join(dir, 'report', 'report.html');
    expect(r.stdout).toContain(`report: ${report}`);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('Complete and checked');
    // The report's phase table names every step the demo ran, deltas included.
    // The report's lag chart has the demo's canary: one point per series.
    const lag = /<section id="lag">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
    expect(lag.match(/<circle class="pt delivery"/g)).toHaveLength(1);
    expect(lag.match(/<circle class="pt lag"/g)).toHaveLength(1);
    for (const step of ['assessment', 'dual run: delta', 'cutover: watch', 'cutover: final delta', 'cutover: finalize', 'verification']) expect(html).toContain(`<td>${step}</td>`);
    expect(existsSync(join(dir, 'mailshift.yaml'))).toBe(true);
    expect(existsSync(join(dir, 'kit'))).toBe(true);
    expect(processesOf(dir)).toEqual([]);
    expect(serverDirs(dir).filter((d) => existsSync(d))).toEqual([]);
  });

  it('with --keep leaves servers a mail client can log in to, and demo --stop stops them', async () => {
    const dir = join(root, 'kept');
    let dirs: string[] = [];
    const r = await runCli(['demo', '--preset', 'tiny', '--keep', '--dir', dir], { timeoutMs: 300_000 });
    try {
      expect(r.code).toBe(0);
      const port = Number(/destination: host 127\.0\.0\.1, port (\d+)/.exec(r.stdout)?.[1]);
      const [, user, password] = /user (\S+)\s+password (\S+)/.exec(r.stdout) ?? [];
      expect(port).toBeGreaterThan(0);
      // The printed credentials work on the destination, which now holds the copied mail.
      const client = await openClient({ host: '127.0.0.1', port }, user!, password!);
      try {
        const status = await client.status('INBOX', { messages: true });
        expect(status && status.messages).toBeGreaterThan(0);
      } finally {
        await closeClient(client);
      }
      expect(processesOf(dir).length).toBeGreaterThan(0);
      dirs = serverDirs(dir);
    } finally {
      const stop = await runCli(['demo', '--stop', '--dir', dir]);
      expect(stop.code).toBe(0);
      expect(stop.stdout).toContain('stopped the demo servers');
    }
    expect(dirs.flatMap(processesUsing)).toEqual([]);
    // Their data folders went with them.
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  it('refuses a folder it did not make, in one line', async () => {
    const dir = join(root, 'mine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'important.txt'), 'keep me');
    const r = await runCli(['demo', '--preset', 'tiny', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('was not made by "mailshift demo"');
    expect(readFileSync(join(dir, 'important.txt'), 'utf8')).toBe('keep me');
  });
});
