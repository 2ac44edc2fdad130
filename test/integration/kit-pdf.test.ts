import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LANGS } from '../../src/kit/catalogue/index.js';
import { runCli } from '../support/cli.js';
import { makeKitJob, type KitJob } from '../support/kit-fixture.js';

// The guide as PDF: `mailshift kit` prints it with the machine's Chromium (playwright-core), the
// week-before e-mail attaches it, and its text (pdftotext, Debian poppler-utils) holds the
// settings a person types. Without Chromium the kit keeps the HTML and says so in one line.
const jobs: KitJob[] = [];
afterEach(() => {
  for (const j of jobs.splice(0)) j.cleanup();
});

const pdfText = (path: string) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
const pdfPages = (path: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))![1]);

describe('the guide as PDF', () => {
  it('kit writes guide.<lang>.pdf, A4, a few pages, with the settings in its text, attached to the week-before e-mail', async () => {
    const j = makeKitJob();
    jobs.push(j);
    const out = join(j.dir, 'kit');
    const r = await runCli(['kit', '--config', j.configPath, '--out', out], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Chromium/);
    for (const lang of LANGS) {
      const pdf = join(out, `guide.${lang}.pdf`);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      const pages = pdfPages(pdf);
      expect(pages, lang).toBeGreaterThanOrEqual(2);
      expect(pages, lang).toBeLessThanOrEqual(12);
      expect(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' })).toMatch(/Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)/);
      const text = pdfText(pdf).replace(/\s+/g, ' ');
      // The person's settings: incoming and outgoing server with their ports, and the webmail.
      for (const s of ['mail.acme.com.hk', '993', 'smtp.acme.com.hk', '465', 'webmail.acme.com.hk', 'it@acme.com.hk']) expect(text, `${lang}: ${s}`).toContain(s);
      expect(text).toContain(lang === 'en' ? 'Incoming' : '收件');
      const eml = readFileSync(join(out, 'emails', `week-before.${lang}.eml`), 'utf8');
      expect(eml).toMatch(new RegExp(`Content-Type: application/pdf[\\s\\S]{0,200}filename="?guide\\.${lang}\\.pdf`));
      expect(eml).not.toMatch(/filename="?guide\.[\w-]+\.html/);
    }
  }, 180_000);

  it('without Chromium: the HTML guide is attached and one warning line says why', async () => {
    const j = makeKitJob();
    jobs.push(j);
    const out = join(j.dir, 'kit');
    const r = await runCli(['kit', '--config', j.configPath, '--out', out, '--lang', 'zh-Hant'], { env: { ...process.env, MAILSHIFT_CHROMIUM: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n').filter((l) => /Chromium/.test(l))).toHaveLength(1);
    expect(existsSync(join(out, 'guide.zh-Hant.pdf'))).toBe(false);
    expect(readFileSync(join(out, 'emails', 'week-before.zh-Hant.eml'), 'utf8')).toMatch(/filename="?guide\.zh-Hant\.html/);
  }, 120_000);
});
