import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSame, findLeaks, makeJob, sampleProcesses, seed, startOidcServer, startServer, type Job, type OidcServer, type User } from '../support/auth-fixture.js';

// Device sign-in (RFC 8628) against a real authorization server (oidc-provider), then syncs to a
// Dovecot that accepts only OAuth2 bearer tokens, checked by introspection at that server, with
// 15-second access tokens. Accounts run one after another (maxConnections 1) at a throttled
// rate, so later accounts log in long after the tokens from `auth login` expired.

const REFRESH = 'refresh_token';

/** Runs `auth login --json`, approving each code as its account would, in the provider's own pages. */
async function deviceLogin(job: Job, idp: OidcServer, extra: string[] = []) {
  const approvals: Promise<void>[] = [];
  const prompts: Array<Record<string, unknown>> = [];
  const login = job.spawn(['auth', 'login', '--json', ...extra], (line) => {
    const p = JSON.parse(line) as { account: string; user_code?: string };
    prompts.push(p);
    if (p.user_code) approvals.push(idp.approve(p.user_code, p.account));
  });
  const r = await login.done;
  await Promise.all(approvals);
  return { ...r, prompts: prompts.filter((p) => p.user_code) };
}

function setup(idp: OidcServer, source: Parameters<typeof makeJob>[0], destination: Parameters<typeof makeJob>[1], users: User[]) {
  return makeJob(source, destination, users.map((u) => [u.user, u.password, u.user, '']), {
    sync: { batchMessages: 2 },
    source: { maxConnections: 1 },
    destination: {
      maxConnections: 1,
      throttle: { messagesPerHour: 1200 },
      auth: { method: 'oauth2', flow: 'device', issuer: idp.issuer, clientId: idp.userClientId, scope: 'openid offline_access imap' },
    },
  });
}

describe('auth login (device flow) + sync to an OAuth2-only server', () => {
  it('signs in every account, syncs exactly once across at least 4 refreshes, verify --deep is clean', async () => {
    const idp = await startOidcServer({ accessTokenTtl: 15 });
    const source = await startServer('src', '/');
    const destination = await startServer('dst-oauth', '.', { oauth2: { introspectionUrl: idp.introspectionUrlWithCredentials }, passwords: false });
    const users: User[] = ['ann', 'ben', 'cat', 'dan', 'eli'].map((n) => ({ user: `${n}@acme.test`, password: `pw-${n}` }));
    await seed(source, destination, users, 6);
    const job = setup(idp, source, destination, users);

    const login = await deviceLogin(job, idp);
    expect(login.code, login.stderr + login.stdout).toBe(0);
    expect(login.prompts.map((p) => p.account).sort()).toEqual(users.map((u) => u.user).sort());
    for (const p of login.prompts) expect(Object.keys(p).sort()).toEqual(['account', 'expires_in', 'side', 'user_code', 'verification_uri', 'verification_uri_complete']);
    const tokens = `${job.dir}/auth-test.tokens`;
    expect(statSync(tokens).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(tokens)).mode & 0o777).toBe(0o700);

    const before = idp.grants[REFRESH] ?? 0;
    const t0 = Date.now();
    const ps = sampleProcesses();
    const sync = await job.run(['sync']);
    const seconds = (Date.now() - t0) / 1000;
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    const refreshes = (idp.grants[REFRESH] ?? 0) - before;
    expect(refreshes).toBeGreaterThanOrEqual(4);
    console.log(`sync: ${seconds.toFixed(1)} s, ${refreshes} refreshes at the authorization server`);

    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.count).toBe(6);
      expect(same.destination).toEqual(same.source);
    }
    const verify = await job.run(['verify', '--deep']);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    const again = await job.run(['sync']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/sync: 0 messages/);

    const status = await job.run(['auth', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const argv = ps.stop();
    expect(argv.some((a) => a.includes('mailshift.js sync'))).toBe(true);

    // No access or refresh token (every one the server issued) anywhere but the token file.
    const secrets = idp.issuedTokens();
    expect(secrets.length).toBeGreaterThanOrEqual(users.length * 2 + refreshes * 2);
    const tokenText = readFileSync(tokens, 'utf8');
    expect(secrets.some((t) => tokenText.includes(t))).toBe(true);
    const outputs = [login, sync, verify, again, status].flatMap((r) => [r.stdout, r.stderr]);
    expect(findLeaks(secrets, { dir: job.dir, allowed: [tokens], outputs, argv })).toEqual([]);
    // The check itself finds a token that was logged.
    expect(findLeaks(secrets, { dir: job.dir, outputs: [`oops ${secrets[0]}`], argv: [] }).length).toBeGreaterThan(1);
    const st = JSON.parse(status.stdout) as { accounts: Array<{ account: string; state: string; scopes?: string; hasRefreshToken?: boolean }> };
    expect(st.accounts.filter((a) => a.account.endsWith('acme.test') && (a as { side?: string }).side === 'destination').map((a) => [a.account, a.hasRefreshToken, a.scopes])).toEqual(
      users.map((u) => [u.user, true, 'openid offline_access imap']),
    );
  }, 400_000);

  it('a sign-in revoked mid-run stops that account alone (exit 3, one line naming auth login); login + sync completes it', async () => {
    const idp = await startOidcServer({ accessTokenTtl: 15 });
    const source = await startServer('src', '/');
    const destination = await startServer('dst-oauth', '.', { oauth2: { introspectionUrl: idp.introspectionUrlWithCredentials }, passwords: false });
    const users: User[] = ['eve', 'fay'].map((n) => ({ user: `${n}@acme.test`, password: `pw-${n}` }));
    await seed(source, destination, users, 8);
    const job = setup(idp, source, destination, users);
    const login = await deviceLogin(job, idp);
    expect(login.code, login.stderr).toBe(0);

    // Revoke fay's sign-in while eve (first in line) is being copied.
    let revoked = 0;
    const run = job.spawn(['sync'], (line) => void line);
    setTimeout(() => void idp.revokeAccount('fay@acme.test').then((n) => (revoked = n)), 3000);
    const r = await run.done;
    expect(revoked).toBeGreaterThan(0);
    expect(r.code, r.stderr + r.stdout).toBe(3);
    const lines = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('mailshift auth login'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toContain(`--account fay@acme.test`);
    expect(r.stdout).toMatch(/eve@acme\.test: complete/);
    expect(r.stdout).toMatch(/fay@acme\.test: failed - destination fay@acme\.test: the sign-in was revoked/);
    const eve = await expectSame(source, destination, users[0]!);
    expect(eve.destination).toEqual(eve.source);

    const status = await job.run(['auth', 'status', '--account', 'fay@acme.test']);
    expect(status.stdout).toMatch(/fay@acme\.test \(destination\): revoked/);
    const again = await deviceLogin(job, idp, ['--account', 'fay@acme.test']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.prompts.map((p) => p.account)).toEqual(['fay@acme.test']);
    const resumed = await job.run(['sync']);
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.destination).toEqual(same.source);
    }
    expect((await job.run(['verify', '--deep'])).code).toBe(0);
  }, 400_000);

  it('loopback sign-in (the Google way: browser, PKCE, 127.0.0.1 redirect) then a sync', async () => {
    const idp = await startOidcServer({ accessTokenTtl: 15 });
    const source = await startServer('src', '/');
    const destination = await startServer('dst-oauth', '.', { oauth2: { introspectionUrl: idp.introspectionUrlWithCredentials }, passwords: false });
    const users: User[] = ['kim', 'lee'].map((n) => ({ user: `${n}@acme.test`, password: `pw-${n}` }));
    await seed(source, destination, users, 4);
    const job = makeJob(source, destination, users.map((u) => [u.user, u.password, u.user, '']), {
      destination: { auth: { method: 'oauth2', flow: 'loopback', issuer: idp.issuer, clientId: idp.userClientId, scope: 'openid offline_access imap' } },
    });
    const visits: Promise<void>[] = [];
    const login = job.spawn(['auth', 'login', '--json'], (line) => {
      const p = JSON.parse(line) as { account: string; verification_uri?: string; ok?: boolean };
      if (p.ok !== undefined || !p.verification_uri) return;
      expect(new URL(p.verification_uri).searchParams.get('code_challenge_method')).toBe('S256');
      // The browser: sign in at the issuer, then follow its redirect back to mailshift's listener.
      visits.push(idp.authorizeInBrowser(p.verification_uri, p.account).then(async (back) => {
        expect(back).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?code=/);
        await fetch(back);
      }));
    });
    const r = await login.done;
    await Promise.all(visits);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(visits).toHaveLength(2);
    const sync = await job.run(['sync']);
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.count).toBe(4);
      expect(same.destination).toEqual(same.source);
    }
  }, 200_000);
});
