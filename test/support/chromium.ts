/**
 * Headless Debian Chromium driven by playwright-core (no browser download): opens a local file,
 * collects console errors and failed requests, takes a screenshot.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export interface OpenedPage {
  page: Page;
  /** Console errors, page errors and failed requests seen while loading. */
  problems: string[];
  /** Requests that left file:// (a self-contained page makes none). */
  externalRequests: string[];
  close(): Promise<void>;
}

export async function openFile(path: string, opts: { width?: number; height?: number } = {}): Promise<OpenedPage> {
  if (!CHROMIUM) throw new Error('Chromium is not installed: apt-get install -y chromium');
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 } });
    const problems: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) externalRequests.push(r.url());
    });
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    return { page, problems, externalRequests, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Opens an http:// page (the dashboard) the same way, collecting the same problems. */
export async function openUrl(url: string, opts: { width?: number; height?: number } = {}): Promise<OpenedPage> {
  if (!CHROMIUM) throw new Error('Chromium is not installed: apt-get install -y chromium');
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 } });
    const problems: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const origin = new URL(url).origin;
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) externalRequests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, problems, externalRequests, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
