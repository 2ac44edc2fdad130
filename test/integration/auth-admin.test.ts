import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSame, findLeaks, makeJob, sampleProcesses, seed, startOidcServer, startServer, type User } from '../support/auth-fixture.js';

// One credential for every mailbox: an app token (client credentials, like Microsoft 365's
// IMAP.AccessAsApp), a service-account key (JWT bearer, like Google's domain-wide delegation),
// and Dovecot master users (SASL PLAIN authorization identity, and the user*master login name).

const users: User[] = ['gus', 'hal', 'ida'].map((n) => ({ user: `${n}@acme.test`, password: `pw-${n}` }));

describe('app-only and master sign-in', () => {
  it('client credentials: one app token logs in to every mailbox; no secret leaks', async () => {
    const idp = await startOidcServer({ accessTokenTtl: 15 });
    const source = await startServer('src', '/');
    // Like Exchange Online with IMAP.AccessAsApp: the token names the app, which may open every mailbox.
    const destination = await startServer('dst-app', '.', {
      oauth2: { introspectionUrl: idp.introspectionUrlWithCredentials, usernameAttribute: 'client_id', usernameFormat: idp.appClientId },
      passwords: false,
    });
    await seed(source, destination, users, 5);
    const job = makeJob(source, destination, users.map((u) => [u.user, u.password, u.user, '']), {
      destination: { auth: { method: 'oauth2', flow: 'client-credentials', issuer: idp.issuer, clientId: idp.appClientId, clientSecret: 'env:APP_SECRET', scope: 'imap' } },
    });
    const env = { APP_SECRET: idp.appClientSecret };
    const ps = sampleProcesses();
    const login = await job.run(['auth', 'login'], { env });
    expect(login.code, login.stderr + login.stdout).toBe(0);
    expect(login.stdout).toMatch(/app-only sign-in works/);
    const before = idp.grants['client_credentials'] ?? 0;
    const sync = await job.run(['sync'], { env });
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    expect((idp.grants['client_credentials'] ?? 0) - before).toBe(1);
    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.count).toBe(5);
      expect(same.destination).toEqual(same.source);
    }
    const verify = await job.run(['verify'], { env });
    expect(verify.code, verify.stderr).toBe(0);
    const argv = ps.stop();
    const leaks = findLeaks([idp.appClientSecret, idp.dovecotClientSecret, ...idp.issuedTokens()], { dir: job.dir, outputs: [login, sync, verify].flatMap((r) => [r.stdout, r.stderr]), argv });
    expect(leaks).toEqual([]);
  }, 300_000);

  it('service account: one key, a delegated token per mailbox (JWT bearer grant)', async () => {
    const idp = await startOidcServer({ accessTokenTtl: 15 });
    const source = await startServer('src', '/');
    const destination = await startServer('dst-sa', '.', { oauth2: { introspectionUrl: idp.introspectionUrlWithCredentials }, passwords: false });
    await seed(source, destination, users, 4);
    const job = makeJob(source, destination, users.map((u) => [u.user, u.password, u.user, '']), {
      destination: { auth: { method: 'oauth2', flow: 'service-account', issuer: idp.issuer, serviceAccountKey: 'sa.json', scope: 'imap' } },
    });
    writeFileSync(join(job.dir, 'sa.json'), JSON.stringify(idp.serviceAccount.key), { mode: 0o600 });
    const sync = await job.run(['sync']);
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    expect(idp.grants['urn:ietf:params:oauth:grant-type:jwt-bearer']).toBe(users.length);
    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.destination).toEqual(same.source);
    }
    const leaks = findLeaks([idp.serviceAccount.key.private_key!.split('\n')[5]!, ...idp.issuedTokens()], {
      dir: job.dir,
      allowed: [join(job.dir, 'sa.json')],
      outputs: [sync.stdout, sync.stderr],
      argv: [],
    });
    expect(leaks).toEqual([]);
  }, 300_000);

  it('master users, both styles: three accounts with no password in the CSV; a wrong admin password fails each account (exit 1: nothing could be done)', async () => {
    const source = await startServer('src-master', '/', { masterUsers: [{ user: 'src-admin', password: 'src-admin-pw-1234' }] });
    const destination = await startServer('dst-master', '.', { masterUsers: [{ user: 'dst-admin', password: 'dst-admin-pw-5678' }] });
    await seed(source, destination, users, 5);
    const job = makeJob(source, destination, users.map((u) => [u.user, '', u.user, '']), {
      source: { auth: { method: 'master', user: 'src-admin', password: 'env:SRC_ADMIN_PW', style: 'authzid' } },
      destination: { auth: { method: 'master', user: 'dst-admin', password: 'env:DST_ADMIN_PW', style: 'separator', separator: '*' } },
    });

    const wrong = await job.run(['sync'], { env: { SRC_ADMIN_PW: 'not-the-password', DST_ADMIN_PW: 'dst-admin-pw-5678' } });
    expect(wrong.code, wrong.stderr + wrong.stdout).toBe(1);
    for (const u of users) expect(wrong.stdout).toMatch(new RegExp(`${u.user.replace('.', '\\.')}: failed - source .*login refused`));
    expect(wrong.stderr).not.toMatch(/not-the-password|\n\s+at /);

    const env = { SRC_ADMIN_PW: 'src-admin-pw-1234', DST_ADMIN_PW: 'dst-admin-pw-5678' };
    const sync = await job.run(['sync'], { env });
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);
    for (const u of users) {
      const same = await expectSame(source, destination, u);
      expect(same.count).toBe(5);
      expect(same.destination).toEqual(same.source);
    }
    expect((await job.run(['verify', '--deep'], { env })).code).toBe(0);
    // Dovecot saw SASL PLAIN with an authorization identity on the source, the user*master form on the destination.
    const srcLog = (await import('node:fs')).readFileSync(source.logPath, 'utf8');
    const dstLog = (await import('node:fs')).readFileSync(destination.logPath, 'utf8');
    expect(srcLog).toMatch(/Login: user=<gus@acme\.test>, method=PLAIN/);
    expect(dstLog).toMatch(/Login: user=<gus@acme\.test>/);
    const leaks = findLeaks(['src-admin-pw-1234', 'dst-admin-pw-5678'], { dir: job.dir, outputs: [wrong.stdout, wrong.stderr, sync.stdout, sync.stderr], argv: [] });
    expect(leaks).toEqual([]);
  }, 300_000);
});
