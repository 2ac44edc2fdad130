import { describe, expect, it } from 'vitest';
import { CATALOGUES, LANGS, parseLangs } from '../../src/kit/catalogue/index.js';
import { fill, placeholders } from '../../src/kit/text.js';

// Every language has every key, the same list lengths and the same {placeholders} as English.

type Leaf = { path: string; value: string };

function leaves(v: unknown, path = ''): Leaf[] {
  if (typeof v === 'string') return [{ path, value: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${path}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
  throw new Error(`unexpected value at ${path}: ${String(v)}`);
}

const en = leaves(CATALOGUES.en);

describe('kit message catalogue', () => {
  for (const lang of LANGS.filter((l) => l !== 'en')) {
    it(`${lang} has exactly the keys, list lengths and placeholders of en`, () => {
      const other = leaves(CATALOGUES[lang]);
      expect(other.map((l) => l.path)).toEqual(en.map((l) => l.path));
      const mine = new Map(other.map((l) => [l.path, l.value]));
      for (const { path, value } of en) {
        if (path.startsWith('meta.')) continue;
        expect(placeholders(mine.get(path)!), `${lang} ${path}`).toEqual(placeholders(value));
      }
    });
  }

  it('has no empty string and at least 12 FAQ entries in every language', () => {
    for (const lang of LANGS) {
      for (const l of leaves(CATALOGUES[lang])) expect(l.value.trim(), `${lang} ${l.path}`).not.toBe('');
      // At least 12 questions whichever way staff sign in (some apply to one way only).
      for (const mode of ['password', 'oauth']) {
        expect(CATALOGUES[lang].guide.faq.items.filter((i) => !i.only || i.only === mode).length).toBeGreaterThanOrEqual(12);
      }
    }
  });

  it('a key missing at run time is caught by the comparison (the test can fail)', () => {
    const broken = structuredClone(CATALOGUES['zh-Hant']) as unknown as { sheet: Record<string, unknown> };
    delete broken.sheet.noSync;
    expect(leaves(broken).map((l) => l.path)).not.toEqual(en.map((l) => l.path));
  });

  it('zh-Hant is written for Hong Kong and zh-Hans for the mainland', () => {
    const hant = leaves(CATALOGUES['zh-Hant']).map((l) => l.value).join('\n');
    const hans = leaves(CATALOGUES['zh-Hans']).map((l) => l.value).join('\n');
    for (const word of ['電郵', '伺服器', '登入', '資料夾']) expect(hant).toContain(word);
    for (const word of ['邮件', '服务器', '登录', '文件夹']) expect(hans).toContain(word);
    // Mainland terms must not leak into the Hong Kong text, nor traditional forms into the simplified one.
    for (const word of ['邮件', '服务器', '登录', '服務器', '登錄', '文件夾']) expect(hant).not.toContain(word);
    for (const word of ['電郵', '伺服器', '郵件', '資料夾', '設定']) expect(hans).not.toContain(word);
  });

  it('fill refuses a placeholder it has no value for', () => {
    expect(fill('{company} moves on {date}', { company: 'Acme', date: 'Monday' })).toBe('Acme moves on Monday');
    expect(() => fill('{company} moves on {date}', { company: 'Acme' })).toThrow(/\{date\}/);
  });

  it('parses --lang lists and refuses unknown languages', () => {
    expect(parseLangs('zh-hant, EN')).toEqual(['zh-Hant', 'en']);
    expect(() => parseLangs('en,fr')).toThrow(/unknown language "fr"/);
  });
});
