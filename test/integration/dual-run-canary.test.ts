import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openUrl } from '../support/chromium.js';
import { startServe } from '../support/serve.js';
import { CATALOGUES, LANGS } from '../../src/kit/catalogue/index.js';
import { dualRunJob } from '../support/dualrun-fixture.js';
import { startDnsServer } from '../support/dns-server.js';
import { closeClient, openClient, readAll, seedMessages, type DovecotPair } from '../support/dovecot.js';
import { startMailSink, startWebhookReceiver } from '../support/alert-receivers.js';

// Issue 13, "Done when" 2: `dual-run --canary` sends a tagged message through the MX that DNS
// returns (a DNS server on loopback; an SMTP server on loopback that delivers what it accepts into
// the source mailbox by IMAP APPEND, as the old provider's MX would), measures delivery and
// end-to-end lag, reports them, and leaves no canary on either side. A canary that never arrives
// raises an alert on every channel.

const USER = { user: 'alice@acme.test', password: 'alice-pw' };

async function setUp(opts: { deliver: boolean; timeoutSeconds?: number }) {
  const job = await dualRunJob('canary', { user: USER });
  const { pair } = job;
  await seedMessages(pair.source, USER.user, USER.password, [
    { folder: 'INBOX', raw: Buffer.from('Message-ID: <c1@acme.test>\r\nSubject: one\r\n\r\nx\r\n'), flags: ['\\Seen'], internalDate: new Date('2026-03-01T00:00:00Z') },
  ]);
  // The old provider's MX: accepts mail for alice and puts it in her source INBOX (or loses it,
  // while opts.deliver is false: the test may switch it).
  const mx = await startMailSink({
    accept: (r) => r.toLowerCase() === USER.user,
    deliver: async (m) => {
      if (!opts.deliver) return;
      const c = await openClient(pair.source, USER.user, USER.password);
      try {
        await c.append('INBOX', m.raw, [], new Date());
      } finally {
        await closeClient(c);
      }
    },
  });
  const dns = await startDnsServer();
  dns.set('acme.test', 'MX', [{ exchange: 'mx.old-provider.test', priority: 10 }]);
  const hooks = await startWebhookReceiver();
  const alertMail = await startMailSink();
  onTestFinished(async () => {
    await Promise.all([mx.stop(), dns.stop(), hooks.stop(), alertMail.stop()]);
  });
  job.write({
    cutover: { mx: [{ host: 'mail.acme.test', priority: 10 }], dns: { resolvers: [dns.ports[0]!.address], timeoutMs: 2000 }, smtp: { hostMap: { 'mx.old-provider.test': `127.0.0.1:${mx.port}` } } },
    dualRun: {
      intervalSeconds: 10,
      canary: { to: [USER.user], every: '15m', timeoutSeconds: opts.timeoutSeconds ?? (opts.deliver ? 30 : 5) },
      alerts: [
        { type: 'dingtalk', url: 'env:C_DT', secret: 'env:C_DT_SECRET' },
        { type: 'wecom', url: 'env:C_WECOM' },
        { type: 'teams', url: 'env:C_TEAMS' },
        { type: 'slack', url: 'env:C_SLACK' },
        { type: 'webhook', url: 'env:C_HOOK' },
        { type: 'email', to: ['it@acme.test'], from: 'mailshift@acme.test', smtp: { host: '127.0.0.1', port: alertMail.port, tls: 'none', allowInsecure: true } },
      ],
    },
  });
  const env = { C_DT: hooks.url('/dingtalk?access_token=t'), C_DT_SECRET: 'SECx', C_WECOM: hooks.url('/wecom?key=k'), C_TEAMS: hooks.url('/teams'), C_SLACK: hooks.url('/slack'), C_HOOK: hooks.url('/hook') };
  const cli = (args: string[]) => job.cli(args, { env, timeoutMs: 120_000 });
  const sync = await cli(['sync', '--no-progress']);
  expect(sync.code, sync.stderr).toBe(0);
  return { pair, mx, hooks, alertMail, cli, dir: job.dir, config: job.config };
}

async function canariesOn(pair: DovecotPair, side: 'source' | 'destination'): Promise<number> {
  const all = await readAll(pair[side], USER.user, USER.password);
  return all.flatMap((f) => f.messages).filter((m) => m.raw.toString('latin1').includes('X-Mailshift-Canary:')).length;
}

describe('dual-run canaries', () => {
  it('--canary: sent via the MX from DNS, delivered to the source, carried to the destination, lag measured and reported, removed from both sides', async () => {
    const { pair, mx, hooks, cli } = await setUp({ deliver: true });
    const r = await cli(['dual-run', '--once', '--canary', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const pass = (JSON.parse(r.stdout) as { passes: { copied: number; complete: boolean; canaries: { state: string; side: string; mx: string; deliverySeconds: number; lagSeconds: number; cleaned: boolean }[] }[] }).passes[0]!;
    expect(pass.complete).toBe(true);
    expect(pass.copied).toBe(1); // the canary itself, carried over by this pass
    expect(pass.canaries).toHaveLength(1);
    const c = pass.canaries[0]!;
    expect(c).toMatchObject({ state: 'copied', side: 'source', mx: 'mx.old-provider.test', cleaned: true });
    expect(c.deliverySeconds).toBeGreaterThanOrEqual(0);
    expect(c.lagSeconds).toBeGreaterThanOrEqual(c.deliverySeconds);
    expect(c.lagSeconds).toBeLessThan(30);
    expect(mx.mails).toHaveLength(1);
    expect(mx.mails[0]!.to).toEqual([USER.user]);
    // Gone from both sides; the real mail is untouched.
    expect(await canariesOn(pair, 'source')).toBe(0);
    expect(await canariesOn(pair, 'destination')).toBe(0);
    for (const side of ['source', 'destination'] as const) {
      const msgs = (await readAll(pair[side], USER.user, USER.password, { hashOnly: true })).flatMap((f) => f.messages);
      expect(msgs.map((m) => m.flags)).toEqual([['\\Seen']]);
    }
    // Reported in status --json, and the next pass sees no expunge from the clean-up.
    const st = await cli(['status', '--json']);
    const canaries = (JSON.parse(st.stdout) as { dualRun: { canaries: { state: string; lagS: number; deliveryS: number; cleaned: boolean }[] } }).dualRun.canaries;
    expect(canaries).toHaveLength(1);
    expect(canaries[0]).toMatchObject({ state: 'copied', cleaned: true, lagS: c.lagSeconds });
    const again = await cli(['dual-run', '--once', '--json']);
    expect((JSON.parse(again.stdout) as { passes: Record<string, unknown>[] }).passes[0]).toMatchObject({ copied: 0, expunged: 0, moved: 0, canaries: [] });
    expect(hooks.requests).toHaveLength(0);
  }, 180_000);

  it('a canary that never arrives: the pass is incomplete (exit 3) and every channel gets a "canary lost" alert', async () => {
    const { pair, hooks, alertMail, cli } = await setUp({ deliver: false });
    const r = await cli(['dual-run', '--once', '--canary', '--json']);
    expect(r.code, r.stderr).toBe(3);
    const pass = (JSON.parse(r.stdout) as { passes: { canaries: { state: string; error: string }[]; errors: string[] }[] }).passes[0]!;
    expect(pass.canaries[0]).toMatchObject({ state: 'lost', error: 'canary to alice@acme.test via mx.old-provider.test not delivered within 5 s' });
    const lost = hooks.requests.filter((q) => JSON.stringify(q.body).includes('canary lost'));
    expect(lost.map((q) => q.path).sort()).toEqual(['/dingtalk', '/hook', '/slack', '/teams', '/wecom']);
    expect(alertMail.mails.map((m) => /^Subject: (.*)$/m.exec(m.raw.toString().replace(/\r?\n[ \t]+/g, ' '))?.[1])).toEqual(['[mailshift canary] canary lost: mail to alice@acme.test did not arrive']);
    expect(await canariesOn(pair, 'destination')).toBe(0);
    const h = await cli(['status', '--json']);
    expect((JSON.parse(h.stdout) as { dualRun: { canaries: { state: string }[] } }).dualRun.canaries.map((x) => x.state)).toEqual(['lost']);
  }, 180_000);

  it('the report shows the lag chart: one point per canary round for delivery and end-to-end lag, a lost one marked, in en, zh-Hant and zh-Hans', async () => {
    const opts = { deliver: true, timeoutSeconds: 8 };
    const { cli, dir, config } = await setUp(opts);
    // Three rounds delivered (each invocation with --canary sends one on its first pass), then one lost.
    const lags: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await cli(['dual-run', '--once', '--canary', '--json']);
      expect(r.code, r.stderr).toBe(0);
      lags.push((JSON.parse(r.stdout) as { passes: { canaries: { lagSeconds: number }[] }[] }).passes[0]!.canaries[0]!.lagSeconds);
    }
    opts.deliver = false;
    expect((await cli(['dual-run', '--once', '--canary', '--json'])).code).toBe(3);
    for (const lang of LANGS) {
      const out = join(dir, `report-${lang}`);
      const r = await cli(['report', '--lang', lang, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      const section = /<section id="lag">([\s\S]*?)<\/section>/.exec(html)?.[1];
      expect(section, `lag section in ${lang}`).toBeDefined();
      const L = CATALOGUES[lang].report.lag;
      expect(section).toContain(`<h2>${L.heading.replace(/&/g, '&amp;')}</h2>`);
      expect(section).toMatch(/<svg [^>]*class="chart lag-chart"/);
      // Three delivered rounds: three points in each series; the lost one is a cross on the axis.
      expect(section!.match(/<circle class="pt delivery"/g)).toHaveLength(3);
      expect(section!.match(/<circle class="pt lag"/g)).toHaveLength(3);
      expect(section!.match(/<path class="pt lost"/g)).toHaveLength(1);
      for (const label of [L.delivery, L.endToEnd, L.lost, L.axisSeconds]) expect(section).toContain(`>${label}</text>`);
      const peak = Math.round(Math.max(...lags));
      const summary = L.summary.replace('{canaries}', '4').replace('{lost}', '1').replace('{peak}', String(peak));
      expect(section).toContain(summary);
      if (lang !== 'en') expect(section).not.toMatch(/delivery by the MX|end to end|canary message/);
      // The Markdown report lists the same rounds (one row each) under the same heading.
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      const part = md.slice(md.indexOf(`## ${L.heading}`));
      expect(part).toContain(summary);
      expect(part.split('\n## ')[0]!.split('\n').filter((l) => /^\| \d/.test(l))).toHaveLength(4);
    }
    // The live dashboard shows the same rounds (newest first: the lost one on top) and the
    // dual-run's health from its heartbeat (a --once run ends with a clean stop), in each language.
    const served = await startServe(config);
    try {
      for (const lang of LANGS) {
        const D = CATALOGUES[lang].dashboard;
        const opened = await openUrl(`${served.url}&lang=${lang}`);
        try {
          const { page } = opened;
          expect(opened.problems).toEqual([]);
          const rows = page.locator('#canaries tbody tr');
          expect(await rows.count()).toBe(4);
          expect(await rows.first().getAttribute('data-state')).toBe('lost');
          expect(await rows.first().innerText()).toContain(D.canaryState.lost);
          expect(await page.locator('#canaries tr[data-state="copied"]').count()).toBe(3);
          const lagCells = await page.locator('#canaries tr[data-state="copied"] td.lag').allInnerTexts();
          expect(lagCells.every((t) => /\d/.test(t))).toBe(true);
          expect(await page.locator('#health').getAttribute('data-state')).toBe('stopped');
          expect(await page.locator('#health').innerText()).toContain(D.health.stopped);
          if (lang !== 'en') expect(await page.locator('#dualrun').innerText()).not.toMatch(/\b(lost|arrived|delivered|stopped|Health)\b/);
        } finally {
          await opened.close();
        }
      }
    } finally {
      await served.stop();
    }
  }, 300_000);
});
