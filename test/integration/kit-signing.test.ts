import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../support/cli.js';
import { makeKitJob, PEOPLE, type KitJob } from '../support/kit-fixture.js';

// kit.signing: the Apple profiles as CMS signed data, checked with `openssl cms -verify` against
// a CA made here; the payload that comes back is the unsigned profile, byte for byte.
const jobs: KitJob[] = [];
afterEach(() => {
  for (const j of jobs.splice(0)) j.cleanup();
});
const ossl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

describe('signed Apple profiles', () => {
  it('signs every .mobileconfig when kit.signing is set; openssl cms -verify returns the unsigned profile', async () => {
    const j = makeKitJob();
    jobs.push(j);
    const d = j.dir;
    ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Acme test root'], d);
    ossl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signer.key', '-out', 'signer.csr', '-subj', '/CN=Acme IT profile signing'], d);
    writeFileSync(join(d, 'ext.cnf'), 'keyUsage=digitalSignature\nextendedKeyUsage=codeSigning,emailProtection\n');
    ossl(['x509', '-req', '-in', 'signer.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'signer.pem', '-days', '2', '-extfile', 'ext.cnf'], d);

    const unsigned = await runCli(['kit', '--config', j.configPath, '--out', join(d, 'plain'), '--lang', 'en']);
    expect(unsigned.code, unsigned.stderr).toBe(0);
    expect(readFileSync(join(d, 'plain', 'README.md'), 'utf8')).toContain('"Unverified"');

    const doc = parse(readFileSync(j.configPath, 'utf8')) as { kit: Record<string, unknown> };
    doc.kit.signing = { certificate: 'signer.pem', key: 'signer.key' };
    writeFileSync(j.configPath, stringify(doc));
    const signed = await runCli(['kit', '--config', j.configPath, '--out', join(d, 'signed'), '--lang', 'en']);
    expect(signed.code, signed.stderr).toBe(0);
    expect(readFileSync(join(d, 'signed', 'README.md'), 'utf8')).toContain('signed with the certificate');
    ossl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=Other root'], d);
    const names = readdirSync(join(d, 'plain', 'mobileconfig'));
    expect(names).toHaveLength(PEOPLE.length);
    for (const p of names) {
      const file = join(d, 'signed', 'mobileconfig', p);
      const der = readFileSync(file);
      expect(der.subarray(0, 1)[0]).toBe(0x30); // DER SEQUENCE, not XML
      const payload = ossl(['cms', '-verify', '-inform', 'DER', '-in', file, '-CAfile', 'ca.pem', '-purpose', 'any'], d);
      expect(payload.equals(readFileSync(join(d, 'plain', 'mobileconfig', p))), p).toBe(true);
      // A different root does not verify it.
      expect(() => ossl(['cms', '-verify', '-inform', 'DER', '-in', file, '-CAfile', 'other.pem', '-purpose', 'any'], d)).toThrow();
    }
  }, 120_000);

  it('a missing key file is one line and exit 2', async () => {
    const j = makeKitJob();
    jobs.push(j);
    const doc = parse(readFileSync(j.configPath, 'utf8')) as { kit: Record<string, unknown> };
    doc.kit.signing = { certificate: 'nope.pem', key: 'nope.key' };
    writeFileSync(j.configPath, stringify(doc));
    const r = await runCli(['kit', '--config', j.configPath, '--out', join(j.dir, 'k')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/kit\.signing\.certificate: .*nope\.pem does not exist/);
  });
});
