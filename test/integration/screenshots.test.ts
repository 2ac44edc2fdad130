import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { LANGS, type Lang } from '../../src/kit/catalogue/index.js';
import { openFile, openUrl, type OpenedPage } from '../support/chromium.js';
import { BIN, runCli } from '../support/cli.js';
import { seedUser, usePair } from '../support/dovecot.js';
import { a4Overflow, bossOnFirstPage, englishLeft } from '../support/page-checks.js';

// Every page people read, from a real job (two sandbox Dovecot servers: assess, sync, verify,
// cutover plan, kit, report, serve), opened in headless Chromium in each language. A Chinese
// page fails on any English left in its visible text (outside addresses, host names, commands,
// acronyms and product names), every page on anything wider than A4, and the report when the
// boss summary is not alone on the first A4 page. The screenshots stay in the test's temp dir
// ($MAILSHIFT_SCREENSHOTS keeps them elsewhere, e.g. for docs/).
describe('screenshots of every page in three languages', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-shots-'));
  const shots = process.env.MAILSHIFT_SCREENSHOTS ?? join(dir, 'screenshots');
  const users = generateCorpus('tiny', 11).slice(0, 3);
  const configs = new Map<Lang, string>();
  let serve: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    const base = writeJobFiles({
      dir, job: 'acme-2026', domain: 'acme.test', company: 'Acme 貿易', source: pair.source, destination: pair.destination, accounts: users,
      extra: {
        store: 'acme.db',
        timezone: 'Asia/Hong_Kong',
        cutover: { at: '2026-12-05T18:00:00+08:00' },
        kit: { helpdesk: { name: 'IT', email: 'it@acme.test', phone: '+852 2123 4567' }, smtp: { host: pair.destination.host, port: 465, tls: 'implicit' }, webmail: 'https://webmail.acme.test' },
      },
    }).configPath;
    // One config per language on the same store: the checklist and the assessment follow kit.languages[0].
    const doc = parse(readFileSync(base, 'utf8')) as Record<string, unknown>;
    for (const lang of LANGS) {
      const p = join(dir, `mailshift.${lang}.yaml`);
      writeFileSync(p, stringify({ ...doc, kit: { ...(doc.kit as object), languages: [lang, ...LANGS.filter((l) => l !== lang)] } }));
      configs.set(lang, p);
    }
    const en = configs.get('en')!;
    const ok = async (args: string[]) => {
      const r = await runCli(args, { timeoutMs: 120_000 });
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    };
    for (const lang of LANGS) await ok(['assess', '--config', configs.get(lang)!, '--probe-seconds', '0', '--lang', lang, '--out', join(dir, 'assess', lang)]);
    await ok(['sync', '--config', en, '--no-progress']);
    await ok(['verify', '--config', en]);
    for (const lang of LANGS) await ok(['cutover', 'plan', '--config', configs.get(lang)!, '--out', join(dir, 'cutover', lang)]);
    await ok(['kit', '--config', en, '--out', join(dir, 'kit')]);
    for (const lang of LANGS) await ok(['report', '--config', en, '--lang', lang, '--out', join(dir, 'report', lang)]);
    serve = spawn(process.execPath, [BIN, 'serve', '--config', en, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 20_000);
      serve!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
        if (m) (clearTimeout(t), resolve(m[1]!));
      });
      serve!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
  }, 300_000);

  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function checkPage(opened: OpenedPage, name: string, lang: Lang): Promise<void> {
    const { page } = opened;
    try {
      expect(opened.problems, name).toEqual([]);
      if (lang !== 'en') expect(await englishLeft(page), `${name}: English in the ${lang} page`).toEqual([]);
      const shot = join(shots, `${name}.${lang}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      const o = await a4Overflow(page);
      expect(o.wide, `${name}: wider than A4`).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
    } finally {
      await opened.close();
    }
  }

  for (const lang of LANGS) {
    it(`${lang}: report (boss summary alone on A4 page 1), assessment, checklist, guide`, async () => {
      const report = await openFile(join(dir, 'report', lang, 'report.html'));
      const boss = await bossOnFirstPage(report.page);
      expect(boss).toEqual({ pages: 1, first: true });
      await checkPage(report, 'report', lang);
      await checkPage(await openFile(join(dir, 'assess', lang, 'assessment.html')), 'assessment', lang);
      await checkPage(await openFile(join(dir, 'cutover', lang, 'checklist.html')), 'checklist', lang);
      await checkPage(await openFile(join(dir, 'kit', `guide.${lang}.html`)), 'guide', lang);
    }, 180_000);

    it(`${lang}: dashboard`, async () => {
      const opened = await openUrl(`${url}&lang=${lang}`);
      await opened.page.waitForSelector('#audit');
      await checkPage(opened, 'dashboard', lang);
    }, 120_000);
  }

  it('the screenshots are there, one per page and language', () => {
    for (const lang of LANGS) for (const name of ['report', 'assessment', 'checklist', 'guide', 'dashboard']) expect(statSync(join(shots, `${name}.${lang}.png`)).size).toBeGreaterThan(10_000);
    if (process.env.MAILSHIFT_DOCS_SHOTS) for (const f of ['dashboard.zh-Hant.png', 'report.zh-Hant.png']) copyFileSync(join(shots, f), join(process.env.MAILSHIFT_DOCS_SHOTS, f));
  });
});
