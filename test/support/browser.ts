/**
 * `withBrowserPage`: opens a local HTML file in headless Debian Chromium (via openFile in
 * ./chromium.ts), runs `fn`, and always closes the browser, even when `fn` throws.
 */
import { openFile, type OpenedPage } from './chromium.js';

export type { OpenedPage };

export async function withBrowserPage<T>(
  path: string,
  fn: (opened: OpenedPage) => Promise<T>,
  opts: { width?: number; height?: number } = {},
): Promise<T> {
  const opened = await openFile(path, opts);
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}
