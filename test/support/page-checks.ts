/**
 * Checks on pages people read, shared by the report, assessment, checklist, kit and dashboard
 * tests: no English fallback in a Chinese page, nothing wider than the page, the boss summary on
 * one A4 page, and a place for the screenshots (artifacts/screenshots, or $MAILSHIFT_SCREENSHOTS).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { CATALOGUES } from '../../src/kit/catalogue/index.js';

export const SCREENSHOT_DIR = resolve(process.env.MAILSHIFT_SCREENSHOTS ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'artifacts', 'screenshots'));

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, name);
}

function leaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v && typeof v === 'object') return Object.values(v).flatMap(leaves);
  return [];
}

/**
 * English sentences and phrases of the catalogue (the parts between placeholders, at least two
 * words of letters): none of them may appear in a Chinese page.
 */
export function englishFragments(section?: keyof typeof CATALOGUES.en): string[] {
  const root = section ? CATALOGUES.en[section] : CATALOGUES.en;
  const out = new Set<string>();
  for (const s of leaves(root)) {
    for (const part of s.split(/\{[A-Za-z]+\}/)) {
      const p = part.trim().replace(/^[^A-Za-z]+|[^A-Za-z.]+$/g, '');
      // Two or more words of lower-case English: a phrase, not a product name or a command.
      if (/[a-z]{3,} [a-z]{2,}/.test(p) && !/^mailshift /.test(p) && p.length >= 8) out.add(p);
    }
  }
  return [...out];
}

/** The English phrases of the catalogue found in `text` (expected: none). */
export function englishIn(text: string, fragments = englishFragments()): string[] {
  const norm = text.replace(/\s+/g, ' ');
  return fragments.filter((f) => norm.includes(f));
}

/** Nothing sticks out to the right at the page's width (screen or print layout). */
export async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; wide: string[] }> {
  return page.evaluate<{ scrollWidth: number; clientWidth: number; wide: string[] }>(`(() => {
    const root = document.documentElement;
    const wide = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > root.clientWidth + 1) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 10) };
  })()`);
}

/** Page count of a PDF produced by Chromium (its page objects are written uncompressed). */
export function pdfPages(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) ?? []).length;
}

/** Prints only `selector` to an A4 PDF and returns the page count. */
export async function printedPagesOf(page: Page, selector: string): Promise<number> {
  await page.evaluate(`(() => {
    const keep = document.querySelector(${JSON.stringify(selector)});
    for (const el of Array.from(document.body.children)) if (el !== keep) el.style.display = 'none';
  })()`);
  const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  await page.evaluate(`(() => {
    for (const el of Array.from(document.body.children)) el.style.display = '';
  })()`);
  return pdfPages(pdf);
}

/** Renders the page at A4 print width (about 182 mm of text) and checks for overflow. */
export async function a4Overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; wide: string[] }> {
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 688, height: 1000 });
  const o = await overflow(page);
  await page.emulateMedia({ media: 'screen' });
  return o;
}

/**
 * Product names, protocols and words that stay as they are in a Chinese page. Anything else in
 * Latin letters that is not an address, a host name, a path, a command or a unit is English
 * fallback text.
 */
export const LATIN_ALLOWED = new Set(
  (
    'Microsoft 365 Exchange Online Outlook Windows Mac macOS iOS iPhone iPad Android Apple Google Workspace Gmail Thunderbird ' +
    'Tencent Exmail WeCom Foxmail QQ Mail Alibaba Aliyun NetEase Zoho Dovecot Cyrus Radicale Chrome Safari Edge App Store Play ' +
    'mailshift assess sync verify report kit serve adoption cutover dovecot m365 generic Acme PDPO PCPD GBA DPP Autodiscover autodiscover autoconfig include ip4 rua mailto testing enforce none quarantine reject ' +
    'max_age mode id via p v DMARC1 spf1 TLSRPTv1 all ok s min h d ms bit kB MB GB TB KB UTC T CNAME TXT SRV MX'
  ).split(' '),
);

/**
 * The English left in a page's visible text once addresses, host names, paths, commands
 * (<code>/<kbd>/<pre>, .mono), acronyms and the allowed names are taken out: each hit is the
 * run of Latin words around it. Expected: none in a Chinese page.
 */
export async function englishLeft(page: Page): Promise<string[]> {
  const text = await page.evaluate<string>(`(() => {
    const body = document.body.cloneNode(true);
    for (const el of Array.from(body.querySelectorAll('code, kbd, pre, samp, script, style, .mono, [translate="no"], svg'))) el.remove();
    const box = document.createElement('div');
    box.style.position = 'absolute'; box.style.left = '-99999px'; box.style.width = '1200px';
    box.appendChild(body);
    document.documentElement.appendChild(box);
    const t = box.innerText;
    box.remove();
    return t;
  })()`);
  const cleaned = text
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\bOutlook for (Windows|Mac)\b/g, ' ') // product names with a preposition
    .replace(/\.(mobileconfig|ics|eml|vcf|csv|html|pdf|xml)\b/g, ' ') // file types
    .replace(/\bmailshift(?: [a-z][a-z-]*){0,3}(?: ?[(（][a-z, -]+[)）])?/g, ' ') // a command named in a sentence, with its arguments
    .replace(/\S*\d\S*/g, ' ') // ids, versions, sizes, times
    .replace(/\b[a-z]+\.(?=[^\sA-Za-z]|$)/g, ' ') // host-name prefixes such as "imap." in a list
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ') // e-mail addresses
    .replace(/\b[\w-]+(\.[\w-]+)+\b/g, ' ') // host names, file names, config keys (a.b.c)
    .replace(/\S*[/\\]\S*/g, ' ') // paths, "a/b" alternatives
    .replace(/\S*[=:_]\S*/g, ' ') // key=value, key: value, snake_case
    .replace(/--?[a-z][\w-]*/g, ' ') // command-line flags
    .replace(/\{[^}]*\}/g, ' ');
  const hits = new Set<string>();
  for (const m of cleaned.matchAll(/[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*)*/g)) {
    const words = m[0].split(/[ \t]+/).filter((w) => !LATIN_ALLOWED.has(w) && !/^[A-Z0-9-]+s?$/.test(w) && !/^[A-Z][a-z]+[A-Z]\w*$/.test(w));
    if (words.some((w) => /^[a-z]{2,}/.test(w) || words.length > 1)) hits.add(m[0].trim());
  }
  return [...hits];
}

/** True when the boss summary (#boss) is the first thing printed and fits on page 1 of an A4 PDF. */
export async function bossOnFirstPage(page: Page): Promise<{ pages: number; first: boolean }> {
  const first = await page.evaluate<boolean>(`(() => {
    const boss = document.getElementById('boss');
    if (!boss) return false;
    const before = Array.from(document.body.children).slice(0, Array.from(document.body.children).indexOf(boss));
    return before.every((el) => /^(H1|P|NAV|HEADER)$/.test(el.tagName) && el.getBoundingClientRect().height < 200);
  })()`);
  const pages = await printedPagesOf(page, '#boss');
  return { pages, first };
}
