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
    expect(r.stderr.trim()).toBe(`mailshift: init needs a terminal to ask its questions; without one, give the answers as flags: mailshift init --non-interactive --config ${join(dir, 'm.yaml')} --job <name> --domain acme.com.hk --source-preset <id> --destination-preset <id> --accounts-csv accounts.csv`);
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

  it('Microsoft 365 gets OAuth2 sign-in (device flow by default) and the next step names auth login', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-init-'));
    const r = await runCli(['init', '--config', 'm.yaml', '--job', 'j', '--domain', 'acme.test', '--source-preset', 'tencent-exmail', '--destination-preset', 'm365', '--client-id', 'cid-123'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parse(readFileSync(join(dir, 'm.yaml'), 'utf8')).destination).toEqual({ preset: 'm365', auth: { method: 'oauth2', flow: 'device', clientId: 'cid-123' } });
    expect(r.stdout).toMatch(/sign-in: each person opens .* types a short code/);
    expect(r.stdout).toMatch(/then: mailshift auth login --config m\.yaml/);
    const bad = await runCli(['init', '--config', 'n.yaml', '--job', 'j', '--domain', 'acme.test', '--source-preset', 'generic', '--destination-preset', 'm365', '--destination-sign-in', 'sms'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('mailshift: --destination-sign-in "sms" is unknown (known: password, device, loopback, client-credentials, service-account)');
  });
});
