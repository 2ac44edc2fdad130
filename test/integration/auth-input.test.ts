import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../support/cli.js';
import { startOidcServer } from '../support/auth-fixture.js';

// Bad sign-in settings: one clear line and exit 2, never a stack trace; a device code nobody
// approves in time: exit 3 naming that account.

function job(destinationAuth: unknown, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-auth-input-'));
  const config = join(dir, 'mailshift.yaml');
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\nann@acme.test,pw1,ann@acme.test,\nben@acme.test,pw2,ben@acme.test,\n');
  writeFileSync(
    config,
    JSON.stringify({
      job: 'input',
      domain: 'acme.test',
      source: { host: '127.0.0.1', port: 1, tls: 'none', allowInsecure: true },
      destination: { host: '127.0.0.1', port: 1, tls: 'none', allowInsecure: true, auth: destinationAuth, ...extra },
      accounts: 'accounts.csv',
    }),
  );
  return { dir, run: (args: string[]) => runCli([...args, '--config', config], { timeoutMs: 60_000 }) };
}

function expectOneLine(r: { code: number | null; stderr: string; stdout: string }, code: number, pattern: RegExp) {
  expect(r.code, r.stderr + r.stdout).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('sign-in settings that cannot work', () => {
  it.each([
    ['an unknown auth.method', { method: 'kerberos' }, /destination\.auth\.method: must be one of password, oauth2, master/],
    ['an unknown flow', { method: 'oauth2', flow: 'implicit', issuer: 'https://login.example.com', clientId: 'x' }, /destination\.auth\.flow: must be one of device, loopback, client-credentials, service-account/],
    ['client-credentials without clientSecret', { method: 'oauth2', flow: 'client-credentials', issuer: 'https://login.example.com/t/v2.0', clientId: 'x' }, /destination\.auth\.clientSecret: is required for flow client-credentials/],
    ['an http issuer off loopback', { method: 'oauth2', flow: 'device', issuer: 'http://login.example.com/tenant/v2.0', clientId: 'x' }, /destination\.auth\.issuer: must be https \(http is accepted only on a loopback address\)/],
    ['master without its password', { method: 'master', user: 'admin' }, /destination\.auth\.password: is required for method master/],
  ])('%s: exit 2, one line', async (_name, auth, pattern) => {
    const j = job(auth);
    for (const cmd of [['sync'], ['auth', 'login']]) expectOneLine(await j.run(cmd), 2, pattern);
  });

  it('the Google preset refuses device flow for the mail scope, in one line', async () => {
    const j = job({ method: 'oauth2', flow: 'device', clientId: 'x.apps.googleusercontent.com' }, { preset: 'google-workspace' });
    expectOneLine(await j.run(['auth', 'login']), 2, /Google does not allow the mail scope \(https:\/\/mail\.google\.com\/\) on its device flow: use flow loopback/);
  });

  it('an issuer without OpenID discovery: exit 2 from auth login and from sync', async () => {
    const http = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => http.close(() => r())));
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}/realms/acme`;
    const j = job({ method: 'oauth2', flow: 'device', issuer, clientId: 'x', scope: 'imap offline_access' });
    for (const cmd of [['auth', 'login'], ['sync']]) expectOneLine(await j.run(cmd), 2, new RegExp(`destination\\.auth\\.issuer ${issuer.replace(/[.:/]/g, '\\$&')}: no OpenID discovery document there`));
  });

  it('a device code that expires before approval: exit 3 for that account, the approved one is kept', async () => {
    const idp = await startOidcServer();
    const j = job({ method: 'oauth2', flow: 'device', issuer: idp.issuer, clientId: idp.userClientId, scope: 'openid offline_access imap' });
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../support/cli.js');
    const child = spawn(process.execPath, [BIN, 'auth', 'login', '--json', '--config', join(j.dir, 'mailshift.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const approvals: Promise<void>[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split('\n').filter(Boolean)) {
        const p = JSON.parse(line) as { account: string; user_code?: string };
        if (p.user_code) approvals.push(p.account === 'ann@acme.test' ? idp.approve(p.user_code, p.account) : idp.expire(p.user_code));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    await Promise.all(approvals);
    expect(code, err + out).toBe(3);
    const results = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { account: string; ok?: boolean; message?: string }).filter((r) => r.ok !== undefined);
    expect(results.find((r) => r.account === 'ann@acme.test')?.ok).toBe(true);
    expect(results.find((r) => r.account === 'ben@acme.test')?.message).toMatch(/ben@acme\.test: the code expired before it was approved/);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/auth login: 1 of 2 sign-in\(s\) did not complete \(ben@acme\.test\)/);
    const status = await j.run(['auth', 'status']);
    expect(status.stdout).toMatch(/ann@acme\.test \(destination\): valid/);
    expect(status.stdout).toMatch(/ben@acme\.test \(destination\): none/);
  }, 60_000);
});
