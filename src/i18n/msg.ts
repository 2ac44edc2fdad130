// Findings built by code (assessment risks, cutover check reasons) carry a catalogue key and
// their values instead of a finished English sentence, so each page says them in its language.
// The English text in JSON output is rendered from the same catalogue (CATALOGUES.en).
import type { Catalogue } from '../kit/catalogue/index.js';
import { fill } from '../kit/text.js';

export interface Msg {
  key: string;
  vars?: Record<string, string | number>;
}

/** A line of a finding: a catalogue message, or data shown as it is (a host, a server's own reply). */
export type Line = Msg | string;

/** A catalogue entry: one text, or one per count (the number is the var `n`). */
export type Template = string | { one: string; other: string };

export interface MsgFormat {
  num(n: number): string;
  /** An ISO date (vars named date / until / *Date). */
  date(iso: string): string;
  /** An ISO time stamp (vars named *At / at / since). */
  dateTime(iso: string): string;
  /** "source" / "destination" in the language. */
  side(s: string): string;
  /** A stable word (vars named phase / outcome) in the language. */
  word?(name: string, value: string): string | undefined;
}

const DATE_VAR = /^(date|until)$|Date$/;
const TIME_VAR = /^(at|since)$|At$/;

/** Fills a template: counts with the language's digits, dates in the page's zone, sides by name. */
export function sayWith(table: Readonly<Record<string, Template>>, m: Msg, f: MsgFormat): string {
  const tpl = table[m.key];
  if (tpl === undefined) throw new Error(`no catalogue text for "${m.key}"`);
  const vars = m.vars ?? {};
  const text = typeof tpl === 'string' ? tpl : vars.n === 1 ? tpl.one : tpl.other;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'number') out[k] = f.num(v);
    else if (k === 'side') out[k] = f.side(v);
    else if (f.word?.(k, v) !== undefined) out[k] = f.word(k, v)!;
    else if (DATE_VAR.test(k)) out[k] = f.date(v);
    else if (TIME_VAR.test(k)) out[k] = f.dateTime(v);
    else out[k] = v;
  }
  return fill(text, out);
}

export function lines(table: Readonly<Record<string, Template>>, ls: readonly Line[], f: MsgFormat, sep = '\n'): string {
  return ls.map((l) => (typeof l === 'string' ? l : sayWith(table, l, f))).join(sep);
}

/** The plain English of findings in JSON and the terminal: ISO dates, en-US counts. */
export const PLAIN_EN: MsgFormat = {
  num: (n) => n.toLocaleString('en-US'),
  date: (iso) => iso.slice(0, 10),
  dateTime: (iso) => iso,
  side: (s) => s,
};

/** A page's formatter for a language (Fmt of src/i18n/format.ts). */
export function pageFormat(I: { cat: Catalogue; fmt: { num(n: number): string; date(iso: string): string; dateTime(iso: string): string } }): MsgFormat {
  return {
    num: (n) => I.fmt.num(n),
    date: (iso) => (/^\d{4}-\d{2}-\d{2}/.test(iso) ? I.fmt.date(iso) : iso),
    dateTime: (iso) => (/^\d{4}-\d{2}-\d{2}T/.test(iso) ? I.fmt.dateTime(iso) : iso),
    side: (s) => (I.cat.assess.side as Record<string, string>)[s] ?? s,
    word: (name, value) => (name === 'phase' ? (I.cat.words.phase as Record<string, string>)[value] : name === 'outcome' ? (I.cat.words.outcome as Record<string, string>)[value] : undefined),
  };
}
