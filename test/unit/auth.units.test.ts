import { mkdtempSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobCredentials } from '../../src/auth/provider.js';
import { signAssertion, readServiceAccountKey } from '../../src/auth/service-account.js';
import { TokenFile, tokenPathFor } from '../../src/auth/token-file.js';
import { loadConfig } from '../../src/config/load.js';
import { Secret } from '../../src/secret.js';
import { generateKeyPairSync, createVerify } from 'node:crypto';

// Pure pieces of sign-in: the token file, what a master login sends, the JWT assertion.

function config(auth: Record<string, unknown>, preset = 'dovecot') {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-auth-unit-'));
  writeFileSync(join(dir, 'a.csv'), 'source_user,source_password,destination_user,destination_password\nann@x.test,,ann@y.test,pw\n');
  writeFileSync(join(dir, 'm.yaml'), JSON.stringify({ job: 'j', domain: 'x.test', source: { preset, host: 'h', auth }, destination: { host: 'd' }, accounts: 'a.csv' }));
  return loadConfig(join(dir, 'm.yaml'));
}

const account = { line: 2, sourceUser: 'ann@x.test', sourcePassword: new Secret(''), destinationUser: 'ann@y.test', destinationPassword: new Secret('pw') };

describe('sign-in units', () => {
  it('token file: 0600 in a 0700 folder, replaced atomically (no temp files left), entries per side and user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-tokens-'));
    chmodSync(dir, 0o755);
    const f = new TokenFile(join(dir, 'job.tokens'));
    f.update('destination', 'Ann@Y.test', () => ({ side: 'destination', user: 'ann@y.test', issuer: 'i', clientId: 'c', refreshToken: 'r1', obtainedAt: 1 }));
    f.update('destination', 'ann@y.test', (e) => ({ ...e!, refreshToken: 'r2' }));
    expect(statSync(f.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['job.tokens']);
    expect(f.get('destination', 'ANN@y.test')?.refreshToken).toBe('r2');
    expect(f.deleteWhere((e) => e.user === 'ann@y.test')).toBe(1);
    expect(f.read()).toEqual({});
  });

  it('master login: PLAIN with authorization identity, or the user*master login name', async () => {
    process.env.MAILSHIFT_UNIT_ADMIN_PW = 'adm-pw';
    const a = new JobCredentials(config({ method: 'master', user: 'admin', password: 'env:MAILSHIFT_UNIT_ADMIN_PW' }));
    const c1 = await a.for('source', account);
    expect(c1).toMatchObject({ kind: 'master', user: 'admin', authzid: 'ann@x.test', mailbox: 'ann@x.test' });
    expect(c1.kind === 'master' && c1.secret.reveal()).toBe('adm-pw');
    const b = new JobCredentials(config({ method: 'master', user: 'admin', password: 'env:MAILSHIFT_UNIT_ADMIN_PW', style: 'separator' }));
    expect(await b.for('source', account)).toMatchObject({ kind: 'master', user: 'ann@x.test*admin', mailbox: 'ann@x.test' });
    expect(JSON.stringify(await b.for('source', account))).not.toContain('adm-pw');
    // A wrong admin password is not retried.
    expect(await b.refused('source', account, await b.for('source', account))).toBe(false);
    // The other side keeps its CSV password.
    expect(await b.for('destination', account)).toMatchObject({ kind: 'password', user: 'ann@y.test' });
  });

  it('presets give issuer, scope and flow; Microsoft app-only needs the tenant issuer', () => {
    const c = config({ method: 'oauth2', clientId: 'cid' }, 'm365');
    expect(c.source.auth).toEqual({ method: 'oauth2', flow: 'device', issuer: 'https://login.microsoftonline.com/organizations/v2.0', clientId: 'cid', scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access' });
    expect(config({ method: 'oauth2', clientId: 'cid' }, 'google-workspace').source.auth).toMatchObject({ flow: 'loopback', issuer: 'https://accounts.google.com', scope: 'https://mail.google.com/' });
    expect(() => config({ method: 'oauth2', flow: 'client-credentials', clientId: 'cid', clientSecret: 'env:X' }, 'm365')).toThrow(/client-credentials needs your tenant's issuer/);
  });

  it('service-account assertion: RS256 over iss/sub/scope/aud, verifiable with the public key', () => {
    const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-sa-'));
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ client_email: 'sa@p.iam.test', client_id: '123', private_key: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) }));
    const key = readServiceAccountKey('source.auth', join(dir, 'k.json'));
    const jwt = signAssertion(key, 'ann@x.test', 'https://mail.google.com/', 'https://oauth2.example/token', 1_700_000_000_000).reveal();
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({ iss: 'sa@p.iam.test', sub: 'ann@x.test', scope: 'https://mail.google.com/', aud: 'https://oauth2.example/token', iat: 1_700_000_000, exp: 1_700_000_600 });
    expect(createVerify('RSA-SHA256').update(`${h}.${p}`).verify(kp.publicKey, Buffer.from(s, 'base64url'))).toBe(true);
    expect(String(key.privateKey)).toBe('[redacted]');
    expect(() => readServiceAccountKey('source.auth', join(dir, 'none.json'))).toThrow(/source\.auth\.serviceAccountKey .*: file not found/);
  });
});

describe('where the token file lives', () => {
  it('beside a SQLite store; beside the config when the store is a postgres:// URL (never inside the store)', () => {
    expect(tokenPathFor({ storePath: '/srv/acme/state/acme.mailshift.db', configDir: '/srv/acme', job: 'acme' })).toBe('/srv/acme/state/acme.tokens');
    expect(tokenPathFor({ storePath: 'postgres://mailshift@db.acme.test/migration', configDir: '/srv/acme', job: 'acme' })).toBe('/srv/acme/acme.tokens');
  });
});
