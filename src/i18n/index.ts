import type { JobConfig } from '../config/types.js';
import { CATALOGUES, LANGS, parseLangs, type Catalogue, type Lang } from '../kit/catalogue/index.js';
import { fill } from '../kit/text.js';
import { Fmt } from './format.js';

// The one message catalogue (src/kit/catalogue/) as everything people read uses it: the kit,
// the reports, the checklist and the dashboard. A language is picked once per output.

export { CATALOGUES, LANGS, parseLangs, fill, Fmt };
export type { Catalogue, Lang };

/** --lang if given, else the config's first kit language, else LANG/LC_ALL (zh_TW/zh_HK → zh-Hant, zh_CN/zh_SG → zh-Hans), else en. */
export function pickLang(flag: string | undefined, config?: Pick<JobConfig, 'kit'>, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag !== undefined) return parseLangs(flag)[0]!;
  const fromConfig = config?.kit.languages?.[0];
  if (fromConfig) return fromConfig;
  return langFromLocale(env.LC_ALL || env.LC_MESSAGES || env.LANG || '');
}

export function langFromLocale(locale: string): Lang {
  const l = locale.toLowerCase().replace('-', '_');
  if (/^zh_(tw|hk|mo)|^zh_hant/.test(l)) return 'zh-Hant';
  if (/^zh/.test(l)) return 'zh-Hans';
  return 'en';
}

/** A language's texts with a formatter for the job's time zone. */
export function i18n(lang: Lang, timeZone: string): { lang: Lang; cat: Catalogue; fmt: Fmt; t: (template: string, vars?: Record<string, string | number>) => string } {
  const cat = CATALOGUES[lang];
  const fmt = new Fmt(cat, timeZone);
  const t = (template: string, vars: Record<string, string | number> = {}) =>
    fill(template, Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'number' ? fmt.num(v) : v])));
  return { lang, cat, fmt, t };
}

/** A word from a catalogue map, or the key itself when the map has none (e.g. a future phase name). */
export function word(map: Readonly<Record<string, string>>, key: string): string {
  return map[key] ?? key;
}
