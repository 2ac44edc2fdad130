import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { LANGS } from '../../src/kit/catalogue/index.js';
import { openUrl } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { startServe, type Served } from '../support/serve.js';
import { seedUser, usePair } from '../support/dovecot.js';
import { englishFragments, englishIn, overflow, screenshotPath } from '../support/page-checks.js';

// `mailshift serve` against a real job: two sandbox Dovecot servers, a throttled sync running
// in its own process, and the dashboard in headless Chromium showing the numbers move.
describe('mailshift serve: the live dashboard', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-dashboard-'));
  const users = generateCorpus('tiny', 7);
  const total = users.reduce((n, u) => n + u.messageCount, 0);
  let config = '';
  let serve: Served | undefined;
  let url = '';

  beforeAll(async () => {
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    const dst = { preset: 'dovecot', host: pair.destination.host, port: pair.destination.port, tls: 'none', allowInsecure: true, maxConnections: 2, throttle: { messagesPerHour: 14_400 } };
    config = writeJobFiles({ dir, job: 'dash', domain: 'acme.test', company: 'Acme 貿易', source: pair.source, destination: pair.destination, accounts: users, extra: { destination: dst, timezone: 'Asia/Hong_Kong' } }).configPath;
    // The store exists before the page opens (assess writes nothing to the servers).
    expect((await runCli(['assess', '--config', config, '--probe-seconds', '0'])).code).toBe(0);
    serve = await startServe(config);
    url = serve.url;
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback with a long random token; refuses without it (403) and refuses writes', async () => {
    const u = new URL(url);
    expect(u.hostname).toBe('127.0.0.1');
    expect(u.searchParams.get('token')!.length).toBeGreaterThanOrEqual(32);
    const base = `${u.origin}/`;
    expect((await fetch(base)).status).toBe(403);
    expect((await fetch(`${base}?token=wrong`)).status).toBe(403);
    expect((await fetch(`${base}events`)).status).toBe(403);
    expect((await fetch(`${base}snapshot.json?token=${u.searchParams.get('token')!.slice(0, -1)}`)).status).toBe(403);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it("shows a running sync's numbers changing, then the final count", async () => {
    const opened = await openUrl(url);
    try {
      const { page } = opened;
      expect(opened.problems).toEqual([]);
      expect(opened.externalRequests).toEqual([]);
      const sync = runCli(['sync', '--config', config]);
      let done = false;
      void sync.then(() => (done = true));
      const seen: number[] = [];
      const started = Date.now();
      while (!done && Date.now() - started < 90_000) {
        const cell = page.locator('#overall td.copied');
        if (await cell.count()) {
          const n = Number((await cell.innerText()).replace(/[^\d]/g, ''));
          if (seen.at(-1) !== n) seen.push(n);
        }
        await page.waitForTimeout(150);
      }
      const r = await sync;
      expect(r.code, r.stderr).toBe(0);
      // Values seen while the sync ran: several, never going down, some strictly between 0 and the end.
      expect(seen.length, `seen ${seen.join(',')}`).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
      expect(seen.some((n) => n > 0 && n < total), `seen ${seen.join(',')}`).toBe(true);
      // The page catches up with the store by itself.
      // (Polled from here: the page's CSP forbids eval, which a string waitForFunction needs.)
      const until = Date.now() + 10_000;
      let shown = '';
      while ((shown = (await page.locator('#overall td.copied').innerText()).replace(/[^0-9]/g, '')) !== String(total) && Date.now() < until) await page.waitForTimeout(100);
      expect(shown).toBe(String(total));
      expect(await page.locator('#phases li').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#audit tbody tr').count()).toBeGreaterThan(0);
      for (const u of users) expect(await page.locator(`tr[data-account="${u.user}"]`).count()).toBe(1);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  }, 150_000);

  it('is in three languages with no English fallback in the Chinese pages, and fits the window', async () => {
    const fragments = englishFragments('dashboard');
    for (const lang of LANGS) {
      const opened = await openUrl(`${url}&lang=${lang}`, { width: 1000, height: 900 });
      try {
        const { page } = opened;
        expect(opened.problems).toEqual([]);
        const text = await page.locator('body').innerText();
        if (lang !== 'en') expect(englishIn(text, fragments)).toEqual([]);
        const o = await overflow(page);
        expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
        const shot = screenshotPath(`dashboard.${lang}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
      } finally {
        await opened.close();
      }
    }
  });
});
