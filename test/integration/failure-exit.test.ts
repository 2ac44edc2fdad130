import { describe, expect, it } from 'vitest';
import { readAll, seedMessages, snapshotDigest, usePair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';

// The failure policy's exit codes as a user sees them: 1 when nothing at all could be done
// (every login refused, the server unreachable), 3 when some work was done but not all; and the
// once-per-run warning when allowInsecure turns certificate checks off.

const mail = (user: string, n: number): SeedMessage[] =>
  Array.from({ length: n }, (_x, i) => ({ folder: 'INBOX', raw: Buffer.from(`Message-ID: <fx-${i}@${user}>\r\nSubject: ${i}\r\nDate: ${new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toUTCString()}\r\n\r\nbody ${i}\r\n`), flags: [], internalDate: new Date(Date.UTC(2025, 0, 1, 0, 0, i)) }));

const noCrash = (s: string) => expect(s).not.toMatch(/internal error|\n\s+at /);

describe('exit codes of the failure policy', () => {
  const pair = usePair({ tlsPort: true });
  const good = { user: 'good@acme.test', password: 'pw-good' };
  const other = { user: 'other@acme.test', password: 'pw-other' };

  it('every login refused: exit 1, one line saying nothing could be done, at once', async () => {
    await pair.source.addUser(good.user, good.password);
    await pair.source.addUser(other.user, other.password);
    // The destination knows neither user: both logins there are refused.
    const job = makeJob(pair.source, pair.destination, [good, other]);
    const t0 = Date.now();
    const r = await job.run(['sync', '--no-progress'], 60_000);
    noCrash(r.stderr);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^mailshift: sync: nothing could be done: all 2 account\(s\) failed, the first one: destination 127\.0\.0\.1:\d+ \((good|other)@acme\.test\): login refused: /);
    // A refused login is permanent: no retries, no back-off.
    expect(Date.now() - t0).toBeLessThan(20_000);
    const dry = await job.run(['sync', '--dry-run', '--no-progress'], 60_000);
    expect(dry.code, dry.stderr).toBe(1);
    expect(dry.stderr.trim().split('\n').at(-1)).toMatch(/^mailshift: sync --dry-run: nothing could be done: all 2 account\(s\) failed/);
  });

  it('destination unreachable for good: exit 1 within the configured bound', async () => {
    await pair.source.addUser(good.user, good.password);
    const job = makeJob(pair.source, { host: '127.0.0.1', port: 9 }, [good], { retry: { maxAttempts: 3, maxSeconds: 8 } });
    const t0 = Date.now();
    const r = await job.run(['sync', '--no-progress'], 60_000);
    noCrash(r.stderr);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^mailshift: sync: nothing could be done: all 1 account\(s\) failed: destination 127\.0\.0\.1:9 \(good@acme\.test\): cannot reach the server: ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('one account copied, one refused: exit 3 (some work done), the good one complete', async () => {
    const a = { user: 'half-a@acme.test', password: 'pw-a' };
    const b = { user: 'half-b@acme.test', password: 'pw-b' };
    for (const u of [a, b]) await pair.source.addUser(u.user, u.password);
    await pair.destination.addUser(a.user, a.password);
    await seedMessages(pair.source, a.user, a.password, mail(a.user, 12));
    const job = makeJob(pair.source, pair.destination, [a, b]);
    const r = await job.run(['sync', '--no-progress'], 60_000);
    noCrash(r.stderr);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`  ${b.user.replace('.', '\\.')}: failed - destination .*login refused`));
    expect(r.stdout).toMatch(new RegExp(`  ${a.user.replace('.', '\\.')}: complete \\(12 copied now\\)`));
    const [src, dst] = await Promise.all([readAll(pair.source, a.user, a.password, { hashOnly: true }), readAll(pair.destination, a.user, a.password, { hashOnly: true })]);
    expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => (f.path === 'INBOX' ? 'INBOX' : f.path) }));
  });

  it('allowInsecure on a TLS server: one warning per server for the whole run, however many sessions', async () => {
    const users = [1, 2, 3].map((i) => ({ user: `tls${i}@acme.test`, password: `pw-tls${i}` }));
    for (const u of users) {
      await pair.source.addUser(u.user, u.password);
      await pair.destination.addUser(u.user, u.password);
      await seedMessages(pair.source, u.user, u.password, mail(u.user, 5));
    }
    const tlsServer = (port: number) => ({ host: '127.0.0.1' as const, port });
    const job = makeJob(tlsServer(pair.source.tlsPort!), tlsServer(pair.destination.tlsPort!), users, { source: { tls: 'implicit' }, destination: { tls: 'implicit' } });
    const r = await job.run(['sync', '--no-progress'], 120_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('allowInsecure'));
    expect(warnings.sort()).toEqual([
      `mailshift: warning: destination server 127.0.0.1:${pair.destination.tlsPort} has allowInsecure: true: its certificate and host name are not verified (use it only for a server you trust on a network you trust)`,
      `mailshift: warning: source server 127.0.0.1:${pair.source.tlsPort} has allowInsecure: true: its certificate and host name are not verified (use it only for a server you trust on a network you trust)`,
    ]);
    // Plain IMAP to a loopback server (the sandbox) exposes nothing and is not warned about.
    const plain = makeJob(pair.source, pair.destination, users);
    const p = await plain.run(['sync', '--no-progress'], 120_000);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).not.toMatch(/allowInsecure/);
  });
});
