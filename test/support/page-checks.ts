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
