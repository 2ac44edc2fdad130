import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/model.js';
import { writeReport } from '../../src/report/write.js';
import { openFile } from '../support/chromium.js';

const dir = mkdtempSync(join(tmpdir(), 'mailshift-report-'));
afterAll(() => { if (!process.env.KEEP_REPORT) rmSync(dir, { recursive: true, force: true }); });

function sample(): ReportData {
  const folder = (sourcePath: string, destinationPath: string, total: number, skipped = 0, failed = 0) => ({
    sourcePath, destinationPath, specialUse: null, state: 'active', note: null,
    total, copied: total - skipped - failed, skipped, failed, pending: 0, bytesCopied: (total - skipped - failed) * 5000,
  });
  const t0 = Date.parse('2026-11-25T10:00:00Z');
  return {
    schema: 'mailshift.report/1',
    generatedAt: '2026-11-25T12:00:00.000Z',
    tool: { name: 'mailshift', version: '0.1.0' },
    job: {
      name: 'acme-2026', domain: 'acme.com.hk', company: 'Acme Trading 貿易有限公司', createdAt: '2026-11-25T09:00:00.000Z',
      source: { preset: 'tencent-exmail', host: 'imap.exmail.qq.com', port: 993, tls: 'implicit' },
      destination: { preset: 'm365', host: 'outlook.office365.com', port: 993, tls: 'implicit' },
    },
    phases: [
      { phase: 'sync', startedAt: '2026-11-25T10:00:00.000Z', finishedAt: '2026-11-25T10:07:30.000Z', outcome: 'incomplete', seconds: 450 },
      { phase: 'verify', startedAt: '2026-11-25T10:08:00.000Z', finishedAt: '2026-11-25T10:08:20.000Z', outcome: 'complete', seconds: 20 },
    ],
    totals: { accounts: 2, folders: 3, total: 1234, copied: 1231, skipped: 2, failed: 1, pending: 0, bytesCopied: 1231 * 5000 },
    accounts: [
      { sourceUser: 'alice@acme.com.hk', destinationUser: 'alice@acme.com.hk', state: 'incomplete', lastError: null,
        totals: { total: 1000, copied: 997, skipped: 2, failed: 1, pending: 0, bytesCopied: 997 * 5000 },
        folders: [folder('INBOX', 'INBOX', 700, 2, 1), folder('客戶/2024', 'INBOX.客戶.2024', 300)] },
      { sourceUser: 'bob@acme.com.hk', destinationUser: 'bob@acme.com.hk', state: 'complete', lastError: null,
        totals: { total: 234, copied: 234, skipped: 0, failed: 0, pending: 0, bytesCopied: 234 * 5000 },
        folders: [folder('INBOX', 'INBOX', 234)] },
    ],
    throughput: Array.from({ length: 8 }, (_, i) => ({ minute: new Date(t0 + i * 60_000).toISOString().slice(0, 16), messages: 100 + i * 20, bytes: 500_000 })),
    problems: [
      { account: 'alice@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', srcUid: 17, messageId: 'huge-scan-17@acme.com.hk', internalDate: '2025-03-01T08:00:00Z', size: 60_000_000, state: 'skipped', reason: 'too large for the destination (57.2 MiB > 35 MiB)' },
      { account: 'alice@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', srcUid: 18, messageId: null, internalDate: null, size: 1200, state: 'skipped', reason: 'refused by the server: invalid header <script>' },
      { account: 'alice@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', srcUid: 99, messageId: 'x@y', internalDate: null, size: 4000, state: 'failed', reason: 'connection lost after 5 attempts' },
    ],
    droppedFlags: [{ account: 'alice@acme.com.hk', folder: 'INBOX', flag: '$Label7', messages: 12, source: 'verify' }],
    verification: {
      runId: 1, deep: true, startedAt: '2026-11-25T10:08:00.000Z', finishedAt: '2026-11-25T10:08:20.000Z', clean: false, outcome: 'differences',
      totals: { accounts: 2, folders: 3, sourceMessages: 1234, destinationMessages: 1231, matched: 1231, missing: 3, duplicated: 0, extra: 0, altered: 0, errors: 0 },
      folders: [{ account: 'alice@acme.com.hk', destinationAccount: 'alice@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', method: 'store',
        sourceCount: 700, destinationCount: 697, matched: 697, missing: 3, duplicated: 0, extra: 0, altered: 0, refusedFlags: [],
        differences: [{ kind: 'missing', messageId: 'huge-scan-17@acme.com.hk', srcUid: 17, detail: 'not in the destination (skipped: too large)' }] }],
    },
    audit: { copiedMessages: 1231, copiedBytes: 1231 * 5000, firstCopyAt: '2026-11-25T10:00:01.000Z', lastCopyAt: '2026-11-25T10:07:29.000Z',
      fingerprintMethod: 'test', fingerprintTotal: 'ab'.repeat(32), perAccount: [{ account: 'alice@acme.com.hk', destination: 'alice@acme.com.hk', copied: 997, fingerprint: 'cd'.repeat(32) }] },
  };
}

describe('migration report (HTML in headless Chromium)', () => {
  it('loads offline with no errors and shows the totals, the skipped messages and the audit fingerprint', async () => {
    const files = writeReport(sample(), dir);
    const html = readFileSync(files.html, 'utf8');
    // Self-contained: no script, no link to anything outside the file.
    expect(html).not.toMatch(/<script|<link |src="http|href="http|url\(http/i);
    // A hostile reason string is shown as text, not markup.
    expect(html).toContain('invalid header &lt;script&gt;');

    const opened = await openFile(files.html);
    try {
      const { page } = opened;
      expect(opened.problems).toEqual([]);
      expect(opened.externalRequests).toEqual([]);
      expect(await page.title()).toContain('Acme Trading 貿易有限公司');
      expect((await page.locator('[data-figure="copied"] .v').innerText()).trim()).toBe('1,231');
      expect((await page.locator('[data-figure="skipped"] .v').innerText()).trim()).toBe('2');
      expect((await page.locator('[data-figure="failed"] .v').innerText()).trim()).toBe('1');
      const totalRow = await page.locator('#totals tr.total').innerText();
      expect(totalRow).toContain('1,234');
      expect(await page.locator('#totals').innerText()).toContain('客戶/2024');
      const problems = await page.locator('#problems').innerText();
      expect(problems).toContain('huge-scan-17@acme.com.hk');
      expect(problems).toContain('too large for the destination (57.2 MiB > 35 MiB)');
      expect(problems).toContain('connection lost after 5 attempts');
      expect(await page.locator('#problems tbody tr').count()).toBe(3);
      expect(await page.locator('#throughput svg rect.bar').count()).toBe(8);
      expect(await page.locator('#flags').innerText()).toContain('$Label7');
      expect(await page.locator('#verification').innerText()).toContain('differences found');
      expect(await page.locator('#fingerprint-total').innerText()).toBe('ab'.repeat(32));
      const shot = join(dir, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      // Prints: the print stylesheet lays it out on A4 pages.
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await opened.close();
    }

    const mdText = readFileSync(files.markdown, 'utf8');
    expect(mdText).toContain('huge-scan-17@acme.com.hk');
    expect(mdText).toContain('| **Total** |  | 1,234 | 1,231 | 2 | 1 | 0 |');
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as ReportData;
    expect(json.problems).toHaveLength(3);
    expect(json.totals.copied).toBe(1231);
  });

  it('says plainly when nothing has been copied or verified yet', async () => {
    const empty: ReportData = { ...sample(), phases: [], accounts: [], throughput: [], problems: [], droppedFlags: [], verification: null,
      totals: { accounts: 0, folders: 0, total: 0, copied: 0, skipped: 0, failed: 0, pending: 0, bytesCopied: 0 } };
    const files = writeReport(empty, join(dir, 'empty'));
    const opened = await openFile(files.html);
    try {
      expect(opened.problems).toEqual([]);
      const text = await opened.page.locator('body').innerText();
      expect(text).toContain('Nothing has been copied yet.');
      expect(text).toContain('The final check has not been run');
      expect(text).toContain('No message was skipped and none failed.');
    } finally {
      await opened.close();
    }
  });
});
