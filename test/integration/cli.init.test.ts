import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';

describe('mailshift init (no terminal)', () => {
  it('asks for the flags it needs in one line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-init-'));
    const r = await runCli(['init', '--config', join(dir, 'm.yaml'), '--domain', 'acme.com.hk'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('mailshift: init needs a terminal to ask, or these flags: --job --source-preset --destination-preset');
  });

  it('writes a config that loads, from presets, plus an accounts template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-init-'));
    const r = await runCli(
      ['init', '--config', 'm.yaml', '--job', 'acme-2026', '--domain', 'acme.com.hk', '--source-preset', 'tencent-exmail', '--destination-preset', 'dovecot', '--destination-host', 'mail.acme.com.hk'],
      { cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parse(readFileSync(join(dir, 'm.yaml'), 'utf8'))).toEqual({
      job: 'acme-2026',
      domain: 'acme.com.hk',
      source: { preset: 'tencent-exmail' },
      destination: { preset: 'dovecot', host: 'mail.acme.com.hk' },
      accounts: 'accounts.csv',
    });
    expect(readFileSync(join(dir, 'accounts.csv'), 'utf8')).toMatch(/^source_user,source_password,destination_user,destination_password\n/);
    // A second init does not overwrite without --force.
    const again = await runCli(['init', '--config', 'm.yaml', '--job', 'x', '--domain', 'acme.com.hk', '--source-preset', 'generic', '--destination-preset', 'generic'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/m\.yaml already exists; pass --force/);
  });

  it('refuses an unknown preset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-init-'));
    const r = await runCli(['init', '--config', 'm.yaml', '--job', 'j', '--domain', 'acme.test', '--source-preset', 'hotmail', '--destination-preset', 'm365'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--source-preset "hotmail" is unknown/);
  });
});
