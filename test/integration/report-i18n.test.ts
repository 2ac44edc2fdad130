import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LANGS } from '../../src/kit/catalogue/index.js';
import type { ReportData } from '../../src/report/model.js';
import { writeReport } from '../../src/report/write.js';
import { openFile } from '../support/chromium.js';
import { a4Overflow, englishFragments, englishIn, overflow, printedPagesOf, screenshotPath } from '../support/page-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'mailshift-report-i18n-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Thirty mailboxes; alice's copy looks complete but the verification found 2,004 duplicates,
// carol has a failure, dave's messages are still pending.
function sample(): ReportData {
  const people = Array.from({ length: 30 }, (_, i) => `user${String(i).padStart(2, '0')}@acme.com.hk`);
  people[0] = 'alice@acme.com.hk';
  people[1] = 'carol@acme.com.hk';
  people[2] = 'dave@acme.com.hk';
  const accounts: ReportData['accounts'] = people.map((p, i) => {
    const failed = p.startsWith('carol') ? 1 : 0;
    const pending = p.startsWith('dave') ? 40 : 0;
    const total = 500 + i;
    const t = { total, copied: total - failed - pending, skipped: 0, failed, pending, bytesCopied: (total - failed - pending) * 52_000 };
    return { sourceUser: p, destinationUser: p, state: 'complete', lastError: null, totals: t,
      folders: [{ ...t, sourcePath: 'INBOX', destinationPath: 'INBOX', specialUse: null, state: 'active', note: null }] };
  });
  const sum = (k: keyof ReportData['totals']) => accounts.reduce((s, a) => s + (a.totals as unknown as Record<string, number>)[k as string]!, 0);
  const totals = { accounts: 30, folders: 30, total: sum('total'), copied: sum('copied'), skipped: 0, failed: 1, pending: 40, bytesCopied: sum('bytesCopied') };
  return {
    schema: 'mailshift.report/1',
    generatedAt: '2026-12-01T08:03:33.196Z',
    tool: { name: 'mailshift', version: '0.1.0' },
    job: { name: 'acme-2026', domain: 'acme.com.hk', company: 'Acme Trading', createdAt: '2026-11-25T09:00:00.000Z',
      source: { preset: 'tencent-exmail', host: 'imap.exmail.qq.com', port: 993, tls: 'implicit' },
      destination: { preset: 'm365', host: 'outlook.office365.com', port: 993, tls: 'implicit' } },
    phases: [
      { phase: 'sync', startedAt: '2026-12-01T07:00:00.000Z', finishedAt: '2026-12-01T07:50:00.000Z', outcome: 'incomplete', seconds: 3000 },
      { phase: 'verify', startedAt: '2026-12-01T07:55:00.000Z', finishedAt: '2026-12-01T08:00:00.000Z', outcome: 'differences', seconds: 300 },
    ],
    totals,
    accounts,
    throughput: Array.from({ length: 50 }, (_, i) => ({ minute: new Date(Date.parse('2026-12-01T07:00:00Z') + i * 60_000).toISOString().slice(0, 16), messages: 300, bytes: 15_000_000 })),
    problems: [{ account: 'carol@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', srcUid: 9, messageId: 'x@acme', internalDate: '2026-11-01T01:00:00Z', size: 4000, state: 'failed', reason: 'connection lost after 5 attempts' }],
    droppedFlags: [],
    verification: {
      runId: 1, deep: true, startedAt: '2026-12-01T07:55:00.000Z', finishedAt: '2026-12-01T08:00:00.000Z', clean: false, outcome: 'differences',
      totals: { accounts: 30, folders: 30, sourceMessages: totals.total, destinationMessages: totals.total + 2004, matched: totals.copied, missing: 41, duplicated: 2004, extra: 0, altered: 0, errors: 0 },
      folders: [{ account: 'alice@acme.com.hk', destinationAccount: 'alice@acme.com.hk', sourcePath: 'INBOX', destinationPath: 'INBOX', method: 'store',
        sourceCount: 500, destinationCount: 2504, matched: 500, missing: 0, duplicated: 2004, extra: 0, altered: 0, refusedFlags: [], differences: [] },
      ...people.slice(1).map((p) => ({ account: p, destinationAccount: p, sourcePath: 'INBOX', destinationPath: 'INBOX', method: 'store' as const,
        sourceCount: 500, destinationCount: 500, matched: 500, missing: p.startsWith('carol') ? 1 : p.startsWith('dave') ? 40 : 0, duplicated: 0, extra: 0, altered: 0, refusedFlags: [], differences: [] }))],
    },
    audit: { copiedMessages: totals.copied, copiedBytes: totals.bytesCopied, firstCopyAt: '2026-12-01T07:00:01.000Z', lastCopyAt: '2026-12-01T07:49:59.000Z',
      fingerprintMethod: 'test', fingerprintTotal: 'ab'.repeat(32), perAccount: [] },
  };
}

describe('migration report in three languages', () => {
  const fragments = englishFragments();

  for (const lang of LANGS) {
    it(`${lang}: boss summary on the first A4 page, rows agree with the banner, Hong Kong time, decimal units, no overflow${lang === 'en' ? '' : ', no English fallback'}`, async () => {
      const files = writeReport(sample(), join(dir, lang), { lang, timeZone: 'Asia/Hong_Kong' });
      const opened = await openFile(files.html);
      try {
        const { page } = opened;
        expect(opened.problems).toEqual([]);
        expect(await page.getAttribute('html', 'lang')).toBe({ en: 'en', 'zh-Hant': 'zh-Hant-HK', 'zh-Hans': 'zh-Hans-CN' }[lang]);
        // The banner is red and alice's row (2,004 duplicates) is not green, nor are carol's and dave's.
        expect(await page.locator('#status').getAttribute('class')).toContain('bad');
        for (const who of ['alice', 'carol', 'dave']) {
          const row = page.locator(`tr.account[data-account="${who}@acme.com.hk"]`);
          expect(await row.getAttribute('data-status'), who).not.toBe('done');
          expect(await row.locator('.tag').getAttribute('class'), who).not.toContain('good');
        }
        expect(await page.locator('tr.account[data-account="user05@acme.com.hk"]').getAttribute('data-status')).toBe('done');
        const text = await page.locator('body').innerText();
        // 08:03 UTC is 16:03 in Hong Kong; no raw ISO timestamp anywhere.
        expect(text).toContain('16:03');
        expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
        expect(text).toContain('Asia/Hong_Kong (UTC+08:00)');
        expect(text).not.toMatch(/MiB|GiB|KiB/);
        expect(text).toMatch(/\d GB/);
        if (lang !== 'en') expect(englishIn(text, fragments)).toEqual([]);
        // Screen at A4 width and print layout: nothing wider than the page.
        const screen = await overflow(page);
        expect(screen.scrollWidth).toBeLessThanOrEqual(screen.clientWidth);
        const print = await a4Overflow(page);
        expect(print.wide).toEqual([]);
        expect(print.scrollWidth).toBeLessThanOrEqual(print.clientWidth);
        await page.setViewportSize({ width: 1000, height: 900 });
        const shot = screenshotPath(`report.${lang}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        await page.locator('#boss').screenshot({ path: screenshotPath(`report-summary.${lang}.png`) });
        expect(await printedPagesOf(page, '#boss')).toBe(1);
        const whole = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
        expect(whole.subarray(0, 5).toString()).toBe('%PDF-');
      } finally {
        await opened.close();
      }
    });
  }
});
