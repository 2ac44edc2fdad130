import { InputError } from '../../errors.js';
import { en } from './en.js';
import type { Catalogue, Lang } from './types.js';
import { LANGS } from './types.js';
import { zhHans } from './zh-Hans.js';
import { zhHant } from './zh-Hant.js';

export { CLIENTS, LANGS, MOMENTS } from './types.js';
export type { Catalogue, ClientId, Lang, Moment } from './types.js';

export const CATALOGUES: Record<Lang, Catalogue> = { en, 'zh-Hant': zhHant, 'zh-Hans': zhHans };

/** Parses "en,zh-Hant" (any case); an unknown tag is one InputError line naming `where`. */
export function parseLangs(list: string | readonly string[], where = '--lang'): Lang[] {
  const parts = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new InputError(`${where}: no language given (known: ${LANGS.join(', ')})`);
  const out: Lang[] = [];
  for (const p of parts) {
    const lang = LANGS.find((l) => l.toLowerCase() === p.toLowerCase());
    if (!lang) throw new InputError(`${where}: unknown language "${p}" (known: ${LANGS.join(', ')})`);
    if (!out.includes(lang)) out.push(lang);
  }
  return out;
}
