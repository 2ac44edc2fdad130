import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeKitJob, PEOPLE, type KitJob } from '../support/kit-fixture.js';

// `mailshift kit` through the built CLI (`npm run build` first), as an IT person runs it.

const jobs: KitJob[] = [];
afterEach(() => {
  for (const j of jobs.splice(0)) j.cleanup();
});
const job = (overrides: Record<string, unknown> = {}) => {
  const j = makeKitJob(overrides);
  jobs.push(j);
  return j;
};

describe('mailshift kit (CLI)', () => {
  it('--json: exit 0 and a list of the files written, all of which exist', async () => {
    const j = job();
    const out = join(j.dir, 'staff-kit');
    const r = await runCli(['kit', '--config', j.configPath, '--out', out, '--lang', 'en,zh-Hant', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { outDir: string; languages: string[]; people: number; synced: boolean; files: { path: string; kind: string; lang?: string }[] };
    expect(result.outDir).toBe(out);
    expect(result.languages).toEqual(['en', 'zh-Hant']);
    expect(result.people).toBe(PEOPLE.length);
    expect(result.synced).toBe(false);
    const paths = result.files.map((f) => f.path);
    for (const p of ['guide.en.html', 'guide.zh-Hant.md', 'autoconfig/config-v1.1.xml', 'autodiscover/autodiscover.xml', 'dns-records.txt', 'emails/on-the-day.zh-Hant.eml', 'people/alice@acme.com.hk.en.html', 'mobileconfig/alice@acme.com.hk.mobileconfig', 'README.md']) {
      expect(paths).toContain(p);
    }
    expect(paths.some((p) => p.includes('zh-Hans'))).toBe(false);
    expect(result.files.filter((f) => f.kind === 'email')).toHaveLength(8);
    for (const p of paths) expect(existsSync(join(out, p)), p).toBe(true);
  });

  it('without --out writes next to the config (kit.out or <job>-kit) and prints a summary', async () => {
    const j = job();
    const r = await runCli(['kit', '--config', j.configPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kit for Acme Trading & Co <HK> 貿易: \d+ files in /);
    expect(readFileSync(join(j.dir, 'acme-2026-kit', 'guide.zh-Hans.html'), 'utf8')).toContain('邮件');
    expect(r.stderr).toMatch(/no sync has run/);
  });

  it('an unknown language is one line and exit 2', async () => {
    const j = job();
    const r = await runCli(['kit', '--config', j.configPath, '--lang', 'en,fr', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual(['mailshift: --lang: unknown language "fr" (known: en, zh-Hant, zh-Hans)']);
  });

  it('a self-hosted destination without kit.smtp is one line and exit 2', async () => {
    const j = job({ kit: { helpdesk: 'IT' } });
    const r = await runCli(['kit', '--config', j.configPath]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mailshift: mailshift\.yaml: kit\.smtp is required/);
  });

  it('a typo in the kit section is reported by name', async () => {
    const j = job({ kit: { helpdesk: 'IT', smtp: { host: 'smtp.acme.com.hk', port: 465, tls: 'implicit' }, cutover_at: '2026-12-05' } });
    const r = await runCli(['kit', '--config', j.configPath]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mailshift: mailshift.yaml: unknown setting kit.cutover_at');
  });
});
