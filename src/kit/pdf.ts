// The guide as an A4 PDF, printed by the Chromium installed on this machine through
// playwright-core (no browser download). Without Chromium the kit keeps the HTML and says so.
import { existsSync } from 'node:fs';

/** Chromium to print with: $MAILSHIFT_CHROMIUM, else the Debian/Ubuntu paths; undefined when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MAILSHIFT_CHROMIUM !== undefined) return env.MAILSHIFT_CHROMIUM && existsSync(env.MAILSHIFT_CHROMIUM) ? env.MAILSHIFT_CHROMIUM : undefined;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

// The same flags as the test harness (test/support/chromium.ts): headless, no network side
// channels. The page is set as content, so it loads nothing from anywhere.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Prints each HTML page to an A4 PDF in one browser; undefined when no Chromium is available. */
export async function printPdfs(pages: readonly string[], executablePath = findChromium()): Promise<Buffer[] | undefined> {
  if (!executablePath) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const out: Buffer[] = [];
    for (const html of pages) {
      const page = await browser.newPage();
      // Only the page itself: a guide that tried to fetch anything would print without it.
      await page.route('**/*', (r) => (r.request().url().startsWith('data:') ? r.continue() : r.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      out.push(await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true }));
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}
