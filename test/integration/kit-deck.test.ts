import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { LANGS } from '../../src/kit/catalogue/index.js';
import { generateKit, type KitResult } from '../../src/phases/kit.js';
import { openFile } from '../support/chromium.js';
import { makeKitJob, type KitJob } from '../support/kit-fixture.js';
import { englishFragments, englishIn, pdfPages, screenshotPath } from '../support/page-checks.js';

// The 15-minute training deck: six slides per language from the catalogue, a speaker script per
// slide, about 15 minutes in all, one landscape A4 page per slide when printed.
let job: KitJob;
let r: KitResult;
beforeAll(async () => {
  job = makeKitJob({ timezone: 'Asia/Hong_Kong' });
  const config = loadConfig(job.configPath);
  r = await generateKit({ config, accounts: loadAccounts(config.accountsPath, { resolveSecrets: false }) }, join(job.dir, 'kit'));
});
afterAll(() => job?.cleanup());

describe('training deck', () => {
  for (const lang of LANGS) {
    it(`${lang}: six slides with scripts, about 15 minutes, prints one slide per page`, async () => {
      const f = r.files.find((x) => x.kind === 'deck' && x.lang === lang)!;
      expect(f.minutes!).toBeGreaterThanOrEqual(13);
      expect(f.minutes!).toBeLessThanOrEqual(17);
      const opened = await openFile(join(r.outDir, f.path), { width: 1123, height: 794 });
      try {
        const { page } = opened;
        expect(opened.problems).toEqual([]);
        expect(await page.locator('section.slide').count()).toBe(6);
        expect(await page.locator('section.slide aside.notes p').count()).toBeGreaterThanOrEqual(6);
        const perSlide = (await page.locator('section.slide').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-minutes'))))) as number[];
        expect(perSlide.reduce((a, b) => a + b, 0)).toBeCloseTo(f.minutes!, 0);
        const text = await page.locator('body').innerText();
        expect(text).toContain('5'); // the switch day appears on the timeline slide
        if (lang !== 'en') expect(englishIn(text, [...englishFragments('deck'), ...englishFragments('guide')])).toEqual([]);
        const shot = screenshotPath(`training.${lang}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
        const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
        expect(pdfPages(pdf)).toBe(6);
      } finally {
        await opened.close();
      }
    });
  }
});
