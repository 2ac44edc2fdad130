import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderHtml as assessHtml } from '../../src/assess/render-html.js';
import type { AccountReport, Assessment, SideReport } from '../../src/assess/types.js';
import { buildDoc, renderHtml as checklistHtml, stepsFor } from '../../src/cutover/plan.js';
import { i18n } from '../../src/i18n/index.js';
import { LANGS } from '../../src/kit/catalogue/index.js';
import { openFile } from '../support/chromium.js';
import { a4Overflow, englishFragments, englishIn, screenshotPath } from '../support/page-checks.js';

// The assessment and the cutover checklist in each language, opened in headless Chromium.
const dir = mkdtempSync(join(tmpdir(), 'mailshift-pages-i18n-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const side = (s: 'source' | 'destination', user: string, over: Partial<SideReport> = {}): SideReport => ({
  side: s, user, login: { ok: true }, folders: [{ path: 'INBOX', logicalPath: 'INBOX', messages: 1200, bytes: 80_000_000, oldest: '2019-03-01T00:00:00Z', newest: '2026-11-30T09:00:00Z' } as SideReport['folders'][number]],
  totals: { folders: 1, messages: 1200, bytes: 80_000_000, oldest: '2019-03-01T00:00:00Z', newest: '2026-11-30T09:00:00Z' }, histogram: [], largest: [], ...over,
});
const account = (user: string): AccountReport => ({ sourceUser: user, destinationUser: user, source: side('source', user), destination: side('destination', user), mapping: [], assessed: true });

function assessment(measured: boolean): Assessment {
  return {
    job: 'acme-2026', domain: 'acme.com.hk', generatedAt: '2026-12-01T08:03:33.196Z', mailshiftVersion: '0.1.0', verdict: 'go',
    summary: { accounts: 3, accountsAssessed: 3, folders: 3, messages: 3600, bytes: 240_000_000, blockers: 0, warnings: 1, estimatedSeconds: measured ? 5400 : undefined },
    servers: [{ side: 'source', host: 'imap.exmail.qq.com', port: 993, preset: 'tencent-exmail', tls: 'implicit', ok: true } as Assessment['servers'][number]],
    capabilities: {},
    accounts: ['alice@acme.com.hk', 'bob@acme.com.hk', 'carol@acme.com.hk'].map(account),
    risks: [{ id: 'quota-unknown', severity: 'warning', title: 'The destination does not report quotas', detail: 'd', fix: 'f', accounts: [], folders: [] }],
    estimate: { totalSeconds: 5400, perAccount: [], assumptions: ['assumed'], probe: measured ? { messages: 500, bytes: 1, seconds: 20, messagesPerSecond: 25, bytesPerSecond: 2_000_000, connections: 2 } : undefined } as Assessment['estimate'],
    domainSnapshot: { domain: 'acme.com.hk', resolvers: [], via: 'mailshift-dns', mx: { values: [{ exchange: 'mxbiz1.qq.com', priority: 5 }], ttl: 3600 }, spf: { values: [] }, dmarc: { values: [] }, autodiscover: { values: [] }, advice: [] },
    histogram: { labels: ['< 10 kB', '< 100 kB', '< 1 MB', '≥ 1 MB'], counts: [1000, 2000, 500, 100] },
  };
}

const checklist = () =>
  buildDoc({
    job: 'acme-2026', domain: 'acme.com.hk', company: 'Acme Trading', at: '2026-12-05T10:00:00.000Z', confirmedAt: null, generatedAt: '2026-12-01T08:03:33.196Z', frozen: false,
    steps: stepsFor(new Date('2026-12-05T10:00:00.000Z')).map((s) => ({ ...s, state: s.key === 'spf' ? 'pass' : s.key === 'tls-rpt' ? 'warn' : 'pending', note: null, updatedAt: '2026-12-01T08:00:00.000Z' })),
    checks: [], propagation: [], lateMail: [], advice: [],
  });

async function check(path: string, name: string, lang: string, extra: (text: string) => void): Promise<void> {
  const opened = await openFile(path);
  try {
    expect(opened.problems).toEqual([]);
    expect(opened.externalRequests).toEqual([]);
    const text = await opened.page.locator('body').innerText();
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toMatch(/MiB|GiB/);
    if (lang !== 'en') expect(englishIn(text, englishFragments())).toEqual([]);
    extra(text);
    const shot = screenshotPath(`${name}.${lang}.png`);
    await opened.page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    const o = await a4Overflow(opened.page);
    expect(o.wide).toEqual([]);
    expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
  } finally {
    await opened.close();
  }
}

describe('assessment and cutover checklist in three languages', () => {
  for (const lang of LANGS) {
    it(`${lang}: assessment says "not measured" without a probe, and shows Hong Kong time`, async () => {
      const I = i18n(lang, 'Asia/Hong_Kong');
      const file = join(dir, `assessment.${lang}.html`);
      writeFileSync(file, assessHtml(assessment(false), I));
      await check(file, 'assessment', lang, (text) => {
        expect(text).toContain(I.cat.units.notMeasured);
        expect(text).toContain(I.cat.assess.estimateNotMeasured);
        expect(text).toContain('16:03');
        expect(text).toContain('240 MB');
        // Data residency: the provider, no invented location, who processes the mail, the PDPO points.
        expect(text).toContain(I.cat.assess.residency.heading);
        expect(text).toContain(I.cat.assess.residency.notDocumented);
        expect(text).toContain(I.cat.assess.residency.processors);
        for (const p of I.cat.assess.residency.points) expect(text).toContain(p);
        expect(text).toContain('pcpd.org.hk');
      });
      const measuredFile = join(dir, `assessment-measured.${lang}.html`);
      writeFileSync(measuredFile, assessHtml(assessment(true), I));
      const opened = await openFile(measuredFile);
      try {
        expect(await opened.page.locator('#estimate b').innerText()).toBe(I.fmt.duration(5400));
      } finally {
        await opened.close();
      }
    });

    it(`${lang}: checklist shows every step in the language with due times in Hong Kong time`, async () => {
      const I = i18n(lang, 'Asia/Hong_Kong');
      const file = join(dir, `checklist.${lang}.html`);
      writeFileSync(file, checklistHtml(checklist(), I));
      await check(file, 'checklist', lang, (text) => {
        // T = 10:00 UTC = 18:00 in Hong Kong.
        expect(text).toContain(I.fmt.dateTime('2026-12-05T10:00:00.000Z'));
        expect(I.fmt.dateTime('2026-12-05T10:00:00.000Z')).toContain('18:00');
        expect(text).toContain(I.cat.checklist.steps['change-mx']);
      });
    });
  }
});
