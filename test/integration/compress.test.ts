import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { runCli } from '../support/cli.js';
import { readAll, seedUser, snapshotDigest, startPair } from '../support/dovecot.js';

// COMPRESS=DEFLATE (RFC 4978) on both sides, as Gmail offers it: imapflow negotiates it before
// handing the connection over, and the bulk path copies the small corpus byte-exactly through
// the compressed streams. A byte-counting relay in front of each server shows the wire carried
// deflated data: fewer bytes than the mail that went through.

interface Relay {
  port: number;
  /** Bytes client -> server and server -> client, as they crossed the wire. */
  up: number;
  down: number;
  close(): Promise<void>;
}

async function relay(port: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const r: Relay = { port: 0, up: 0, down: 0, close: async () => undefined };
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port });
    sockets.add(client).add(upstream);
    client.on('data', (b: Buffer) => void (r.up += b.length));
    upstream.on('data', (b: Buffer) => void (r.down += b.length));
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as { port: number }).port;
  r.close = () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve())));
  return r;
}

describe('COMPRESS=DEFLATE on both sides', () => {
  it('the copy path copies the small corpus byte-exactly over compressed connections', async () => {
    const pair = await startPair({ source: { compress: true }, destination: { compress: true } });
    const users = generateCorpus('small').slice(0, 1);
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
    }
    const [src, dst] = await Promise.all([relay(pair.source.port), relay(pair.destination.port)]);
    try {
      const dir = mkdtempSync(join(tmpdir(), 'mailshift-compress-'));
      writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
      const server = (port: number) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, preset: 'dovecot' });
      const config = join(dir, 'mailshift.yaml');
      writeFileSync(config, JSON.stringify({ job: 'compress', domain: 'acme.test', source: server(src.port), destination: server(dst.port), accounts: 'accounts.csv' }));
      const r = await runCli(['sync', '--config', config], { timeoutMs: 400_000 });
      expect(r.code, r.stderr + r.stdout).toBe(0);

      // Byte-exact, flags and dates included, folder by folder (the mapping renames '/' to '.').
      const st = await runCli(['status', '--json', '--config', config]);
      expect(st.code, st.stderr).toBe(0);
      const status = JSON.parse(st.stdout) as { accounts: { sourceUser: string; folders: { direction: string; state: string; source: string; destination: string }[] }[] };
      let bytes = 0;
      for (const u of users) {
        const acc = status.accounts.find((x) => x.sourceUser === u.user)!;
        const where = new Map(acc.folders.filter((f) => f.direction === 'forward' && f.state === 'active').map((f) => [f.source, f.destination]));
        const [a, b] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
        expect(snapshotDigest(b)).toEqual(snapshotDigest(a, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
        bytes += a.reduce((n, f) => n + f.messages.reduce((m, x) => m + x.size, 0), 0);
      }
      expect(bytes).toBeGreaterThan(200_000);

      // The log says, once per session, which path it took: bulk, compressed.
      const log = readdirSync(dir).find((f) => f.endsWith('.log'))!;
      const lines = readFileSync(join(dir, log), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; path?: string; compressed?: boolean; side?: string });
      // (npm run test:imapflow-path runs this file with MAILSHIFT_BULK=off: then imapflow copies,
      // over the same compressed sessions, and the log says why.)
      const off = process.env.MAILSHIFT_BULK === 'off';
      const told = lines.filter((l) => l.msg.startsWith('copy path:')) as { path?: string; compressed?: boolean; side?: string; reason?: string }[];
      expect(told.length).toBeGreaterThanOrEqual(2);
      if (off) expect(told.every((l) => l.path === 'imapflow' && l.reason === 'MAILSHIFT_BULK=off')).toBe(true);
      else expect(told.every((l) => l.path === 'bulk' && l.compressed === true)).toBe(true);
      expect(new Set(told.map((l) => l.side))).toEqual(new Set(['source', 'destination']));

      // At the servers' side of the wire: every body crossed it once each way, so uncompressed
      // the source would have sent and the destination received at least `bytes`. Deflated, they
      // carried clearly less (the corpus has attachments that do not compress, so not much less).
      expect(src.down).toBeLessThan(bytes * 0.85);
      expect(dst.up).toBeLessThan(bytes * 0.85);
    } finally {
      await Promise.all([src.close(), dst.close()]);
    }
  }, 600_000);
});
