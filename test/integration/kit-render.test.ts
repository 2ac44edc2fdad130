import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { generateKit } from '../../src/phases/kit.js';
import { withBrowserPage } from '../support/browser.js';
import { makeKitJob, type KitJob } from '../support/kit-fixture.js';
import { englishFragments, englishIn, screenshotPath } from '../support/page-checks.js';

// Each language's guide and a personal sheet, rendered by headless Debian Chromium: nothing
// unfilled, no console errors, no outside requests, fits an A4 page width, prints to PDF,
// and a screenshot is kept in the test's temp dir (KEEP_KIT=1 keeps the folder).

let job: KitJob;
let out: string;
beforeAll(async () => {
  job = makeKitJob();
  const config = loadConfig(job.configPath);
  out = join(job.dir, 'kit');
  await generateKit({ config, accounts: loadAccounts(config.accountsPath, { resolveSecrets: false }) }, out);
});
afterAll(() => job?.cleanup());

const LEFTOVERS = /\{\{|\}\}|\bundefined\b|\bNaN\b|\[object Object\]|\{[A-Za-z]+\}/;

const expected = {
  en: { date: '5 December 2026', words: ['What changes, and when', 'Frequently asked questions'] },
  'zh-Hant': { date: '2026年12月5日', words: ['電郵', '伺服器', '常見問題'] },
  'zh-Hans': { date: '2026年12月5日', words: ['邮件', '服务器', '常见问题'] },
} as const;

describe('kit guide in headless Chromium', () => {
  for (const lang of ['en', 'zh-Hant', 'zh-Hans'] as const) {
    it(`guide.${lang}.html renders complete, fits A4 and prints`, async () => {
      await withBrowserPage(join(out, `guide.${lang}.html`), async ({ page, problems, externalRequests }) => {
        const text = await page.locator('body').innerText();
        expect(text).not.toMatch(LEFTOVERS);
        expect(problems).toEqual([]);
        expect(externalRequests).toEqual([]);
        expect(await page.getAttribute('html', 'lang')).toMatch(new RegExp(`^${lang}`, 'i'));
        // Key figures a reader checks against their own settings.
        for (const s of ['Acme Trading & Co <HK> 貿易', 'mail.acme.com.hk', 'smtp.acme.com.hk', '993', '465', 'https://webmail.acme.com.hk', 'it@acme.com.hk', expected[lang].date, ...expected[lang].words]) {
          expect(text, s).toContain(s);
        }
        expect(await page.locator('section#setup h3').count()).toBe(9); // every client, with classic and new Outlook for Windows
        expect(await page.locator('section#agenda ol li').count()).toBe(5);
        expect(await page.locator('section#faq .qa').count()).toBeGreaterThanOrEqual(12);
        // A4 width at 96 dpi is 794 px: nothing may stick out sideways.
        // A string expression: the test's TypeScript has no DOM types.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        // No English left in the Chinese guides (the kit's own catalogue phrases).
        if (lang !== 'en') expect(englishIn(text, [...englishFragments('guide'), ...englishFragments('common')])).toEqual([]);
        const shot = screenshotPath(`guide.${lang}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        const pdf = await page.pdf({ format: 'A4', printBackground: true });
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
        expect(pages).toBeGreaterThanOrEqual(2);
        expect(pages).toBeLessThanOrEqual(12);
      }, { width: 794, height: 1123 });
    });

    it(`personal sheet (${lang}) renders with the address and no password`, async () => {
      await withBrowserPage(join(out, `people/alice@acme.com.hk.${lang}.html`), async ({ page, problems }) => {
        const text = await page.locator('body').innerText();
        expect(text).not.toMatch(LEFTOVERS);
        expect(problems).toEqual([]);
        expect(text).toContain('alice@acme.com.hk');
        expect(text).toContain('mail.acme.com.hk');
        expect(text).not.toMatch(/pw0|cmd:false/);
        // The QR code for mobile set-up is on the sheet.
        expect(await page.locator("section#qr img").count()).toBe(1);
        const shot = screenshotPath(`sheet.${lang}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(existsSync(shot)).toBe(true);
      }, { width: 794, height: 1123 });
    });
  }
});
