import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Fmt, systemTimeZone } from '../../src/i18n/format.js';
import { CATALOGUES } from '../../src/kit/catalogue/index.js';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DOMAIN, recordCompleteSync, startCutoverWorld, type CutoverWorld, type TestContext } from '../support/cutover-fixture.js';

// `mailshift cutover …` as a user runs it (in-process main(): same parsing, exit codes and
// output), against the loopback DNS / SMTP / HTTPS world.

let w: CutoverWorld;
const open: TestContext[] = [];

beforeAll(async () => {
  w = await startCutoverWorld();
});
afterAll(async () => {
  await w.stop();
});
beforeEach(() => w.baseline());
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

/** A job directory with a config; the store is closed again so the CLI opens it itself. */
async function job(cutover: Record<string, unknown> = {}, opts: { synced?: boolean } = {}) {
  const t = w.context(cutover);
  if (opts.synced !== false) await recordCompleteSync(t.ctx);
  t.close();
  return t;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    const code = await main(['node', 'mailshift', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('mailshift cutover plan', () => {
  it('writes the checklist as Markdown, self-contained HTML and JSON with due times from T', async () => {
    const t = await job();
    const r = await cli(['cutover', 'plan', '--config', t.configPath, '--at', '2026-12-05T10:00:00+08:00', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { at: string; steps: { key: string; when: string; dueAt: string; who: string; state: string }[] };
    expect(doc.at).toBe('2026-12-05T02:00:00.000Z');
    const byKey = Object.fromEntries(doc.steps.map((s) => [s.key, s]));
    expect(byKey['mx-read']).toMatchObject({ when: 'T-7d', dueAt: '2026-11-28T02:00:00.000Z', who: 'mailshift' });
    expect(byKey['change-mx']).toMatchObject({ when: 'T', dueAt: '2026-12-05T02:00:00.000Z' });
    expect(byKey['final-delta']).toMatchObject({ when: 'T+72h', dueAt: '2026-12-08T02:00:00.000Z' });
    expect(byKey['after']).toMatchObject({ when: 'T+30d', dueAt: '2027-01-04T02:00:00.000Z' });
    const dir = join(t.dir, 'cutover');
    const md = readFileSync(join(dir, 'checklist.md'), 'utf8');
    // Dates in the job's time zone (the system's: the test config sets none).
    const fmt = new Fmt(CATALOGUES.en, systemTimeZone());
    expect(md).toContain(`| 12 | T | ${fmt.dateTime('2026-12-05T02:00:00.000Z')} | Change MX to the new set`);
    const html = readFileSync(join(dir, 'checklist.html'), 'utf8');
    expect(html).toContain(`<td>T-7d</td><td class="nw">${fmt.dateTime('2026-11-28T02:00:00.000Z')}</td>`);
    expect(html).not.toMatch(/<(link|script)\b|src=|url\(/i); // nothing fetched from elsewhere
    expect(JSON.parse(readFileSync(join(dir, 'checklist.json'), 'utf8')).steps).toHaveLength(doc.steps.length);
  });

  it('records the steps and updates their state from the next check', async () => {
    const t = await job();
    expect((await cli(['cutover', 'plan', '--config', t.configPath, '--at', new Date(Date.now() + 10 * 86400_000).toISOString()])).code).toBe(0);
    w.dns.remove(`_smtp._tls.${DOMAIN}`, 'TXT');
    expect((await cli(['cutover', 'check', '--config', t.configPath])).code).toBe(0);
    const r = await cli(['cutover', 'plan', '--config', t.configPath, '--json']);
    const steps = Object.fromEntries((JSON.parse(r.stdout) as { steps: { key: string; state: string }[] }).steps.map((s) => [s.key, s.state]));
    expect(steps).toMatchObject({ spf: 'pass', 'smtp-probe': 'pass', 'tls-rpt': 'warn', 'change-mx': 'pending' });
    expect(readFileSync(join(t.dir, 'cutover', 'checklist.md'), 'utf8')).toContain('**WARN** TLS-RPT record: no TLS-RPT record');
  });

  it('exits 2 with one line when there is no cutover time, or a bad one', async () => {
    const t = await job({ at: undefined });
    // A config without a cutover section at all loads too.
    const cfg = JSON.parse(readFileSync(t.configPath, 'utf8'));
    delete cfg.cutover;
    writeFileSync(t.configPath, JSON.stringify(cfg));
    const none = await cli(['cutover', 'plan', '--config', t.configPath]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('mailshift: no cutover time: pass --at 2026-12-05T10:00:00+08:00 or set cutover.at in the config\n');
    const bad = await cli(['cutover', 'plan', '--config', t.configPath, '--at', 'next friday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at: "next friday" is not a date and time');
    expect(existsSync(join(t.dir, 'cutover'))).toBe(false);
    const cfgBad = { ...cfg, cutover: { at: 'soon' } };
    writeFileSync(t.configPath, JSON.stringify(cfgBad));
    const badCfg = await cli(['cutover', 'check', '--config', t.configPath]);
    expect(badCfg.code).toBe(2);
    expect(badCfg.stderr).toBe('mailshift: mailshift.yaml: cutover.at: must be a date and time like 2026-12-05T10:00:00+08:00\n');
  });
});

describe('mailshift cutover check', () => {
  it('exits 0 when everything passes, 0 with warnings only, 3 when a check fails', async () => {
    const t = await job();
    const ok = await cli(['cutover', 'check', '--config', t.configPath, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ pass: 10, warn: 0, fail: 0 });

    w.dns.set(`_dmarc.${DOMAIN}`, 'TXT', [{ text: 'v=DMARC1; p=none' }]);
    const warned = await cli(['cutover', 'check', '--config', t.configPath]);
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain('WARN  DMARC record: DMARC p=none has no rua=');
    expect(warned.stdout).toContain('9 passed, 1 warning(s), 0 failed');

    w.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test -all' }, { text: 'v=spf1 include:spf.newmail.test -all' }]);
    const failed = await cli(['cutover', 'check', '--config', t.configPath, '--json']);
    expect(failed.code).toBe(3);
    const report = JSON.parse(failed.stdout) as { fail: number; results: { id: string; status: string; fix?: string }[] };
    expect(report.fail).toBe(1);
    expect(report.results.find((c) => c.id === 'spf')).toMatchObject({ status: 'FAIL', fix: 'merge them into one "v=spf1 …" record with every include' });
    expect(failed.stderr).toBe('mailshift: 1 cutover check(s) failed: spf\n');
  });

  it('refuses an unknown --only check with exit 2', async () => {
    const t = await job();
    const r = await cli(['cutover', 'check', '--config', t.configPath, '--only', 'mx,dnssec']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--only: unknown check dnssec');
  });
});

describe('mailshift cutover confirm / watch flags', () => {
  it('confirm exits 3 while the authoritative servers answer the old MX, 0 once they answer the new one', async () => {
    const t = await job();
    const early = await cli(['cutover', 'confirm', '--config', t.configPath]);
    expect(early.code).toBe(3);
    expect(early.stderr).toContain('not confirmed:');
    w.dns.set(DOMAIN, 'MX', [{ exchange: 'mx1.newmail.test', priority: 0 }]);
    const ok = await cli(['cutover', 'confirm', '--config', t.configPath, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ alreadyConfirmed: false });
  });

  it('watch rejects a bad --for with exit 2', async () => {
    const t = await job();
    const r = await cli(['cutover', 'watch', '--config', t.configPath, '--for', 'forever']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--for: "forever" is not a duration');
  });
});
