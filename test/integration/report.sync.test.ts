import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import type { ReportData } from '../../src/report/model.js';
import { openFile } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { seedUser, usePair } from '../support/dovecot.js';

// A real job: a destination that refuses messages over 100 kB, so the sync skips the corpus'
// attachment messages; the report must show the totals and every skipped message with its reason.
describe('mailshift report after a real sync', () => {
  const pair = usePair({ appendLimit: 100_000 });
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-report-sync-'));
  const users = generateCorpus('tiny', 5);
  let config = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    config = writeJobFiles({ dir, job: 'r', domain: 'acme.test', company: 'Acme 貿易', source: pair.source, destination: pair.destination, accounts: users }).configPath;
    const sync = await runCli(['sync', '--config', config]);
    expect(sync.code).toBe(3); // incomplete: the big messages were skipped, with a reason
    const verify = await runCli(['verify', '--config', config]);
    expect(verify.code).toBe(3);
  });

  it('writes HTML, Markdown and JSON that agree, and the HTML shows the totals and the skipped messages in Chromium', async () => {
    const out = join(dir, 'out');
    const r = await runCli(['report', '--config', config, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report written: ${join(out, 'report.html')}`);
    const j = await runCli(['report', '--config', config, '--out', out, '--json']);
    expect(j.code).toBe(0);
    const { report } = JSON.parse(j.stdout) as { report: ReportData };
    const total = users.reduce((n, u) => n + u.messageCount, 0);
    expect(report.totals.total).toBe(total);
    expect(report.totals.skipped).toBeGreaterThan(0);
    expect(report.totals.copied + report.totals.skipped + report.totals.failed).toBe(total);
    expect(report.problems).toHaveLength(report.totals.skipped + report.totals.failed);
    expect(report.problems.every((p) => p.reason !== 'no reason recorded' && p.size > 100_000)).toBe(true);
    expect(report.phases.map((p) => p.phase)).toEqual(['sync', 'verify']);
    expect(report.verification?.totals.missing).toBe(report.totals.skipped);
    expect(report.throughput.reduce((n, t) => n + t.messages, 0)).toBe(report.totals.copied);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    for (const p of report.problems) expect(md).toContain(p.messageId ?? '(none)');
    expect(md).toContain(report.audit.fingerprintTotal);

    const opened = await openFile(join(out, 'report.html'));
    try {
      const { page } = opened;
      expect(opened.problems).toEqual([]);
      expect(opened.externalRequests).toEqual([]);
      const figure = async (k: string) => (await page.locator(`[data-figure="${k}"] .v`).innerText()).trim();
      expect(await figure('copied')).toBe(report.totals.copied.toLocaleString('en-US'));
      expect(await figure('skipped')).toBe(String(report.totals.skipped));
      expect(await figure('total')).toBe(total.toLocaleString('en-US'));
      const rows = page.locator('#problems tbody tr');
      expect(await rows.count()).toBe(report.problems.length);
      const problems = await page.locator('#problems').innerText();
      for (const p of report.problems) {
        expect(problems).toContain(p.messageId ?? '(none)');
        expect(problems).toContain(p.reason);
      }
      for (const u of users) expect(await page.locator('#totals').innerText()).toContain(u.user);
      expect(await page.locator('#verification').innerText()).toContain('differences found');
      expect(await page.locator('#throughput svg rect.bar').count()).toBeGreaterThan(0);
      expect(await page.locator('#fingerprint-total').innerText()).toBe(report.audit.fingerprintTotal);
      const shot = join(out, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await opened.close();
    }
  });
});
