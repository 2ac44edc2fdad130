import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { simpleParser } from 'mailparser';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { PRESETS } from '../../src/config/presets.js';
import { CATALOGUES, LANGS, type Lang } from '../../src/kit/catalogue/index.js';
import { generateKit, type KitResult } from '../../src/phases/kit.js';
import { Store } from '../../src/store/store.js';
import { makeKitJob, PEOPLE, type KitJob } from '../support/kit-fixture.js';
import { englishFragments, englishIn } from '../support/page-checks.js';

// Every language × destination preset × with/without webmail × with/without helpdesk × with/
// without a planned switch date: no placeholder, fallback phrase, doubled phrase or other
// provider's wording reaches staff.

const jobs: KitJob[] = [];
afterAll(() => jobs.forEach((j) => j.cleanup()));

const FALLBACKS = [
  'to be announced', '稍後公佈', '稍后公布', // the old "date unknown" phrases
  'ask the helpdesk for the webmail', '查詢網頁版電郵的網址', '询问网页版邮箱的地址',
  'your IT contact', '你的 IT 聯絡人', '您的 IT 联系人',
  'undefined', 'null', 'NaN', '[object Object]',
];
const PLANNED = '2026-12-05T10:00:00.000Z'; // 18:00 in Hong Kong
const CONFIRMED = '2026-12-05T10:30:00.000Z';

const stripHtml = (h: string) => h.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

async function texts(r: KitResult, lang: Lang): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const f of r.files.filter((x) => x.lang === lang)) {
    const raw = readFileSync(join(r.outDir, f.path));
    if (f.kind === 'guide-html' || f.kind === 'sheet') out.push({ file: f.path, text: stripHtml(raw.toString('utf8')).replace(/data:image\/png;base64,\S+/g, '') });
    else if (f.kind === 'guide-md') out.push({ file: f.path, text: raw.toString('utf8') });
    else if (f.kind === 'email') {
      const m = await simpleParser(raw);
      out.push({ file: f.path, text: `${m.subject}\n${m.text}` });
    } else if (f.kind === 'ics') out.push({ file: f.path, text: raw.toString('utf8').replace(/\r\n /g, '').replace(/\\n/g, '\n').replace(/\\([,;\\])/g, '$1') });
  }
  return out;
}

function problems(text: string, preset: string, lang: Lang): string[] {
  const p: string[] = [];
  const placeholder = text.match(/\{[A-Za-z]+\}/);
  if (placeholder) p.push(`unfilled ${placeholder[0]}`);
  for (const f of FALLBACKS) if (text.includes(f)) p.push(`fallback "${f}"`);
  for (const line of text.split('\n')) {
    if (/[(（][^()（）]*[(（]/.test(line)) p.push(`doubled parenthesis: ${line.trim().slice(0, 100)}`);
    const w = line.match(/\b([A-Za-z]{2,}) \1\b/i);
    if (w && !/^(\d|[A-Z]{2,})/.test(w[1]!)) p.push(`doubled word "${w[0]}"`);
  }
  if (/Microsoft Exchange for Microsoft 365|Google for Google Workspace|Microsoft 365 選|Microsoft 365 选/.test(text)) p.push('other-provider wording');
  if (preset === 'm365' && /Google(?! Play)/.test(text)) p.push('Google wording in a Microsoft 365 kit');
  if ((preset === 'google-workspace' || preset === 'gmail') && /Microsoft 365|Microsoft Exchange|Hotmail/.test(text)) p.push('Microsoft wording in a Google kit');
  if (lang !== 'en') for (const e of englishIn(text, FRAGMENTS)) p.push(`English fallback "${e}"`);
  return p;
}

// Catalogue phrases only (the kit's own part): data such as the helpdesk hours stays as typed.
const FRAGMENTS = [...englishFragments('guide'), ...englishFragments('sheet'), ...englishFragments('email'), ...englishFragments('common')];

const presets = Object.keys(PRESETS);

describe('kit: every language × destination preset × webmail × helpdesk × date', () => {
  for (const preset of presets) {
    it(`${preset}: nothing unfilled, doubled or from another provider, in every language and combination`, async () => {
      const found: string[] = [];
      for (const webmail of [true, false]) {
        for (const helpdesk of [true, false]) {
          for (const dated of [true, false]) {
            const p = PRESETS[preset]!;
            const kit: Record<string, unknown> = {};
            if (helpdesk) kit.helpdesk = { name: 'IT helpdesk', email: 'it@acme.com.hk', phone: '+852 2123 4567' };
            if (webmail) kit.webmail = 'https://webmail.acme.com.hk';
            if (!p.smtp) kit.smtp = { host: 'smtp.acme.com.hk', port: 465, tls: 'implicit' };
            const destination = p.imap?.host ? { preset } : { preset, host: 'mail.acme.com.hk', port: 993, tls: 'implicit' };
            const job = makeKitJob({ destination, kit, cutover: {}, timezone: 'Asia/Hong_Kong' });
            jobs.push(job);
            const config = loadConfig(job.configPath);
            if (dated) {
              // The plan lives in the store (cutover plan, then confirm): the kit must use it.
              const store = Store.open(config.storePath);
              store.cutover.updateState({ plannedAt: PLANNED, confirmedAt: CONFIRMED });
              store.close();
            }
            const accounts = loadAccounts(config.accountsPath, { resolveSecrets: false });
            const r = await generateKit({ config, accounts }, join(job.dir, 'kit'), { now: new Date('2026-11-20T00:00:00Z') });
            const label = `${preset} webmail=${webmail} helpdesk=${helpdesk} dated=${dated}`;
            expect(r.files.filter((f) => f.kind === 'email').length, label).toBe(dated ? 4 * LANGS.length : 0);
            for (const lang of LANGS) {
              const all = await texts(r, lang);
              for (const { file, text } of all) for (const x of problems(text, preset, lang)) found.push(`${label} ${file}: ${x}`);
              const guide = all.find((x) => x.file === `guide.${lang}.md`)!.text;
              if (dated) {
                // The confirmed time (18:30 Hong Kong), not the planned one and not the config's.
                const when = new Intl.DateTimeFormat(CATALOGUES[lang].meta.locale, { dateStyle: 'full', timeStyle: 'short', timeZone: 'Asia/Hong_Kong' }).format(new Date(CONFIRMED));
                expect(guide, label).toContain(when);
              }
              if (helpdesk) expect(guide, label).toContain('it@acme.com.hk');
              if (r.oauthSignIn) expect(guide, label).not.toContain('(Microsoft Exchange');
            }
          }
        }
      }
      expect(found).toEqual([]);
    });
  }

  it('the checks can fail: an old fallback phrase and a doubled parenthesis are found', () => {
    expect(problems('今天（轉換日期（稍後公佈））', 'dovecot', 'zh-Hant').length).toBeGreaterThanOrEqual(2);
    expect(problems('1. Open ask the helpdesk for the webmail address in your browser.', 'dovecot', 'en')).toContain('fallback "ask the helpdesk for the webmail"');
    expect(problems('Choose the "Microsoft 365" entry (Microsoft Exchange for Microsoft 365, Google for Google Workspace).', 'm365', 'en')).toContain('other-provider wording');
    expect(problems('請於 {date} 出席', 'dovecot', 'zh-Hant')).toContain('unfilled {date}');
  });
});

describe('kit: a QR code per person', () => {
  // jsqr is CommonJS: its default export arrives as the module or as .default.
  const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as (d: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
  const decode = (png: Buffer) => {
    const img = PNG.sync.read(png);
    return jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length), img.width, img.height)?.data;
  };
  const run = async (overrides: Record<string, unknown>) => {
    const job = makeKitJob(overrides);
    jobs.push(job);
    const config = loadConfig(job.configPath);
    return generateKit({ config, accounts: loadAccounts(config.accountsPath, { resolveSecrets: false }) }, join(job.dir, 'kit'));
  };
  it('decodes to the hosted profile, the provider sign-in, or the settings text, as the destination needs', async () => {
    const hosted = await run({ kit: { smtp: { host: 'smtp.acme.com.hk', port: 465, tls: 'implicit' }, profileUrl: 'https://it.acme.com.hk/profiles/' } });
    const m365 = await run({ destination: { preset: 'm365' }, kit: {} });
    const plain = await run({});
    let decoded = 0;
    for (const [r, kind] of [[hosted, 'profile'], [m365, 'web'], [plain, 'text']] as const) {
      const qrs = r.files.filter((f) => f.kind === 'qr');
      expect(qrs).toHaveLength(PEOPLE.length * LANGS.length);
      for (const f of qrs) {
        expect(f.qr!.kind).toBe(kind);
        expect(decode(readFileSync(join(r.outDir, f.path)))).toBe(f.qr!.content);
        decoded++;
        const person = f.person!;
        if (kind === 'profile') expect(f.qr!.content).toBe(`https://it.acme.com.hk/profiles/${encodeURIComponent(person.toLowerCase() + '.mobileconfig')}`);
        if (kind === 'web') expect(f.qr!.content).toBe('https://outlook.office.com');
        if (kind === 'text') {
          expect(f.qr!.content).toContain(person);
          expect(f.qr!.content).toContain('mail.acme.com.hk:993');
          expect(f.qr!.content).toContain('smtp.acme.com.hk:465');
        }
        // The sheet shows the same code inline.
        const sheet = readFileSync(join(r.outDir, f.path.replace('.qr.png', '.html')), 'utf8');
        expect(sheet).toContain(`data:image/png;base64,${readFileSync(join(r.outDir, f.path)).toString('base64')}`);
      }
    }
    expect(decoded).toBe(3 * PEOPLE.length * LANGS.length);
  });
});
