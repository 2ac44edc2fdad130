import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DavSession } from '../../src/groupware/dav.js';
import { Secret } from '../../src/secret.js';
import { runCli } from '../support/cli.js';
import { makePki } from '../support/https-server.js';
import { seedGroupware, startRadicale, type RadicaleServer } from '../support/radicale.js';

// Issue 16: `caFile` for DAV. The destination Radicale serves https with a certificate from a
// private CA (made with openssl). Without caFile the sync stops with one line naming the
// certificate problem; with `groupware.destination.caFile` (or the mail server's caFile of that
// side) every object arrives, byte for byte.

const USERS = [
  { user: 'alice', password: 'alice-pw' },
  { user: 'bob', password: 'bob-pw' },
];

async function objects(server: RadicaleServer, user: string, password: string, ca?: string): Promise<Map<string, string>> {
  const dav = new DavSession(server.url, user, new Secret(password), { ca });
  const out = new Map<string, string>();
  for (const kind of ['addressbook', 'calendar'] as const) {
    for (const c of await dav.collections(await dav.discoverHome(kind))) {
      for (const item of await dav.list(c.href)) out.set(new URL(item.href).pathname, (await dav.get(item.href)).body.toString('base64'));
    }
  }
  return out;
}

function job(source: RadicaleServer, destination: RadicaleServer, groupware: { destination: Record<string, unknown> }, mail: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-gw-tls-'));
  const config = join(dir, 'mailshift.yaml');
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + USERS.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
  const imap = { preset: 'dovecot', host: '127.0.0.1', port: 1, tls: 'none', allowInsecure: true };
  writeFileSync(config, JSON.stringify({ job: 'gw-tls', domain: 'acme.test', source: imap, destination: { ...imap, ...mail }, accounts: 'accounts.csv', groupware: { source: { url: source.url }, destination: { url: destination.url, ...groupware.destination }, include: ['contacts', 'calendars', 'tasks'] } }));
  return {
    dir,
    run: async (args: string[]) => {
      const t = Date.now();
      const r = await runCli([...args, '--config', config], { timeoutMs: 120_000 });
      console.log(`${args.join(' ')}: exit ${r.code} in ${Date.now() - t} ms`);
      return r;
    },
  };
}

describe('groupware over https with a private CA', () => {
  it('fails with one line without caFile; copies every object with groupware.destination.caFile or the mail server\'s caFile', async () => {
    const pki = makePki();
    onTestFinished(() => pki.cleanup());
    const [source, destination] = await Promise.all([startRadicale({ name: 'tls-source' }), startRadicale({ name: 'tls-destination', tls: pki.leaf('127.0.0.1') })]);
    onTestFinished(() => Promise.all([source.stop(), destination.stop()]).then(() => undefined));
    for (const s of [source, destination]) for (const u of USERS) s.addUser(u.user, u.password);
    expect(destination.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    await seedGroupware(source.url, 'alice', 'alice-pw', { contacts: 6, events: 5, seed: 7 });
    await seedGroupware(source.url, 'bob', 'bob-pw', { contacts: 3, events: 2, seed: 8 });

    // No caFile: the certificate is not trusted; one line, and nothing was written.
    const plain = job(source, destination, { destination: {} });
    const refused = await plain.run(['groupware', 'sync']);
    const lines = refused.stderr.trim().split('\n').filter((l) => l.startsWith('mailshift:'));
    expect(refused.code, refused.stderr + refused.stdout).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/certificate/i);
    expect(lines[0]).toMatch(/^mailshift: groupware.destination.url: https:\/\/127.0.0.1:\d+: its TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\); .*caFile$/);
    expect(refused.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(destination.requests().filter((r) => r.method === 'PUT')).toEqual([]);

    // groupware.destination.caFile (relative to the config): every object, byte for byte.
    const withCa = job(source, destination, { destination: { caFile: 'ca.pem' } });
    writeFileSync(join(withCa.dir, 'ca.pem'), pki.ca);
    const ok = await withCa.run(['groupware', 'sync']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    for (const u of USERS) {
      const [src, dst] = await Promise.all([objects(source, u.user, u.password), objects(destination, u.user, u.password, pki.ca)]);
      expect(src.size).toBeGreaterThan(0);
      expect(dst).toEqual(src);
    }
    const verify = await withCa.run(['groupware', 'verify']);
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);

    // The mail server's caFile of the same side is used when the DAV side has none.
    const viaMail = job(source, destination, { destination: {} }, { caFile: 'ca.pem' });
    writeFileSync(join(viaMail.dir, 'ca.pem'), pki.ca);
    const again = await viaMail.run(['groupware', 'sync']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    for (const u of USERS) expect(await objects(destination, u.user, u.password, pki.ca)).toEqual(await objects(source, u.user, u.password));
  }, 240_000);
});
