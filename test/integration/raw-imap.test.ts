import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import type { ServerConfig } from '../../src/config/types.js';
import { closeImap, connectImap } from '../../src/imap/connect.js';
import { BulkConnection } from '../../src/imap/bulk/connection.js';
import { append, appendEach, mailboxArg, status, uidFetch, uidSearch } from '../../src/imap/bulk/commands.js';
import { startCapProxy } from '../support/cap-proxy.js';
import { passwordCredentials } from '../../src/auth/provider.js';
import type { Account } from '../../src/config/types.js';
import { Secret } from '../../src/secret.js';

/** A password login for a sandbox user (the same password on both sides). */
const pw = (user: string) => {
  const account: Account = { line: 1, sourceUser: user, sourcePassword: new Secret('pw'), destinationUser: user, destinationPassword: new Secret('pw') };
  return { account, credentials: passwordCredentials };
};
import { readAll, seedMessages, startDovecot, type DovecotServer, type SeedMessage } from '../support/dovecot.js';

// BulkConnection (imapflow logs in, then hands the socket over with unbind()) against a live
// Dovecot, in plain, implicit-TLS, STARTTLS and COMPRESS=DEFLATE sessions, and behind the
// capability proxy (no LITERAL+: synchronizing literals; LITERAL-): it returns what imapflow's
// own FETCH returns, byte for byte, appends exactly what it is given, and follows EXISTS/EXPUNGE.

let server: DovecotServer;
/** SHA-256 of a buffer or of a body in pieces (the same bytes joined). */
const sha = (b: Buffer | Buffer[]) => {
  const h = createHash('sha256');
  for (const c of Buffer.isBuffer(b) ? [b] : b) h.update(c);
  return h.digest('hex');
};

function messages(): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < 40; i++) {
    const date = new Date(Date.UTC(2024, i % 12, 1 + i, 8, i, 0));
    // Bodies that look like protocol: parens, braces, a fake literal marker at a line end.
    const body = i === 3 ? 'a line ending like a literal {12}\r\n) ( "quoted" \\ back\r\n' : `body ${i}\r\n`.repeat(1 + i * 10);
    out.push({ folder: 'INBOX', raw: Buffer.from(`Message-ID: <raw-${i}@acme.test>\r\nSubject: =?UTF-8?B?${Buffer.from(`報告 ${i}`).toString('base64')}?=\r\n\r\n${body}`), flags: i % 2 ? ['\\Seen', '$Label1'] : [], internalDate: date });
  }
  // 3 MB: spans many socket reads.
  out.push({ folder: 'INBOX', raw: Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(3 * 1024 * 1024, 'x\r\n')]), flags: ['\\Flagged'], internalDate: new Date('2023-05-05T05:05:05Z') });
  return out;
}

beforeAll(async () => {
  server = await startDovecot({ name: 'raw', separator: '.', namespacePrefix: 'INBOX.', tlsPort: true, compress: true });
  await server.addUser('raw', 'pw');
  await server.addUser('target', 'pw');
  await seedMessages(server, 'raw', 'pw', messages());
});
afterAll(async () => {
  await server?.destroy();
});

const modes: { name: string; cfg: () => ServerConfig }[] = [
  { name: 'plain', cfg: () => ({ preset: 'dovecot', host: '127.0.0.1', port: server.port, tls: 'none', allowInsecure: true, maxConnections: 4, throttle: {} }) },
  { name: 'implicit TLS', cfg: () => ({ preset: 'dovecot', host: '127.0.0.1', port: server.tlsPort!, tls: 'implicit', allowInsecure: true, maxConnections: 4, throttle: {} }) },
  { name: 'STARTTLS', cfg: () => ({ preset: 'dovecot', host: '127.0.0.1', port: server.port, tls: 'starttls', allowInsecure: true, maxConnections: 4, throttle: {} }) },
];


/** A logged-in imapflow session turned into a BulkConnection. */
async function bulkOf(cfg: ServerConfig, user: string): Promise<BulkConnection> {
  return BulkConnection.fromClient(await connectImap(cfg, pw(user), { side: 'source' }));
}

/** What imapflow's own FETCH returns on a separate session, to compare with. */
async function viaImapflow(cfg: ServerConfig, user: string, folder: string): Promise<Map<number, { sha: string; flags: string[]; date: string; size: number }>> {
  const c = await connectImap(cfg, pw(user), { side: 'source' });
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    const out = new Map<number, { sha: string; flags: string[]; date: string; size: number }>();
    for await (const m of c.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true, source: true }, { uid: true })) {
      out.set(m.uid, { sha: sha(m.source!), flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), date: new Date(m.internalDate!).toISOString(), size: m.size! });
    }
    return out;
  } finally {
    await closeImap(c);
  }
}

describe.each(modes)('BulkConnection over $name', ({ name, cfg }) => {
  it('FETCH returns what imapflow returns; MULTIAPPEND stores exactly what was sent; EXISTS/EXPUNGE are followed', async () => {
    const want = await viaImapflow(cfg(), 'raw', 'INBOX');
    const b = await bulkOf(cfg(), 'raw');
    try {
      // Dovecot offers COMPRESS=DEFLATE here: imapflow negotiates it before the hand-over.
      expect(b.compressed).toBe(true);
      const st = await b.select('INBOX', mailboxArg(b, 'INBOX'), true);
      expect(st.exists).toBe(41);
      expect(st.readOnly).toBe(true);
      expect(st.uidNext).toBe(42);
      expect(st.uidValidity > 0n).toBe(true);
      expect(st.highestModseq! > 0n).toBe(true);
      // Three FETCHes in flight at once on one connection, each gets its own answers.
      const [bodies, listing, some] = await Promise.all([uidFetch(b, '1:*', 'body'), uidFetch(b, '1:*', 'size'), uidFetch(b, '2,5:6,999', 'body')]);
      expect(bodies.size).toBe(41);
      for (const [uid, m] of bodies) {
        expect({ sha: sha(m.source!), flags: m.flags, date: m.internalDate!.toISOString(), size: m.size }, `uid ${uid}`).toEqual(want.get(uid));
      }
      expect([...listing.values()].every((m) => m.source === undefined && m.size === want.get(m.uid)!.size)).toBe(true);
      expect([...some.keys()].sort((x, y) => x - y)).toEqual([2, 5, 6]);
      const headers = await uidFetch(b, '1:3', 'header');
      expect(headers.get(1)!.headers!.toString()).toMatch(/^Message-ID: <raw-0@acme.test>\r\n/);
      expect(await uidSearch(b, '40:*')).toEqual([40, 41]);
      // Read-only: BODY.PEEK set no \Seen (uid 5 was seeded unread).
      expect((await uidFetch(b, '5', 'size')).get(5)!.flags).not.toContain('\\Seen');

      // MULTIAPPEND into another user's folder, on a second bulk connection.
      const t = await bulkOf(cfg(), 'target');
      try {
        const box = `INBOX.Copied ${name} 客戶`;
        expect((await t.run('CREATE', ['CREATE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
        const selected = await t.select(box, mailboxArg(t, box), false);
        expect(selected.exists).toBe(0);
        expect(selected.permanentFlags.has('\\*')).toBe(true);
        const items = [...bodies.values()].sort((x, y) => x.uid - y.uid).map((m) => ({ raw: m.source!, flags: m.flags, internalDate: m.internalDate! }));
        const res = await append(t, box, items);
        expect(res.uids).toHaveLength(items.length);
        expect(res.uidValidity).toBe(selected.uidValidity);
        // The server's untagged EXISTS after the APPEND, tracked without asking.
        await t.noop();
        expect(t.selected!.exists).toBe(items.length);
        // A refused APPEND (no such folder) is a NO with its response code; the connection goes on.
        await expect(append(t, 'INBOX.Missing', items.slice(0, 2))).rejects.toMatchObject({ responseStatus: 'NO', serverResponseCode: 'TRYCREATE' });
        expect((await status(t, box, ['MESSAGES', 'UIDNEXT'])).get('MESSAGES')).toBe(BigInt(items.length));
        // Another session expunges two messages: the EXPUNGEs reach this connection's state.
        const other = await connectImap(cfg(), pw('target'), { side: 'destination' });
        try {
          await other.mailboxOpen(box);
          await other.messageDelete('1:2', { uid: true });
        } finally {
          await closeImap(other);
        }
        await t.noop();
        expect(t.selected!.exists).toBe(items.length - 2);
        expect(t.expunged).toBe(2);
        const copied = (await readAll(server, 'target', 'pw')).find((f) => f.path === box.slice('INBOX.'.length).replace(/\./g, '/'))!;
        const wantRest = items.slice(2).map((m) => `${sha(m.raw)} ${m.flags.join(',')} ${m.internalDate.toISOString()}`).sort();
        expect(copied.messages.map((m) => `${m.sha256} ${m.flags.join(',')} ${m.internalDate.toISOString()}`).sort()).toEqual(wantRest);
        // Dovecot drops a session whose selected folder is deleted: select another one first.
        await t.select('INBOX', mailboxArg(t, 'INBOX'), true);
        expect((await t.run('DELETE', ['DELETE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
      } finally {
        await t.logout();
      }
      expect(t.usable).toBe(false);
    } finally {
      await b.logout();
    }
  });
});

describe('BulkConnection literal8', () => {
  it('a message with a NUL byte goes as literal8 (BINARY is offered) and the server takes it', async () => {
    const cfg = modes[0]!.cfg();
    const t = await bulkOf(cfg, 'target');
    try {
      expect(t.has('BINARY')).toBe(true);
      const box = 'INBOX.Binary';
      expect((await t.run('CREATE', ['CREATE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
      const raw = Buffer.from('Message-ID: <nul@acme.test>\r\nSubject: nul\r\nContent-Transfer-Encoding: binary\r\n\r\na\0b\r\n');
      // In three pieces, the NUL in the middle one: the literal8 marker is decided over all of them.
      const res = await append(t, box, [{ raw: [raw.subarray(0, 20), raw.subarray(20, raw.length - 3), raw.subarray(raw.length - 3)], flags: ['\\Seen'], internalDate: new Date('2024-01-02T03:04:05Z') }]);
      expect(res.uids).toHaveLength(1);
      await t.select(box, mailboxArg(t, box), true);
      // The server may store binary content re-encoded (RFC 3516 4.4: Dovecot adds a few bytes),
      // which verify --deep reports as ALTERED; here: it was accepted as one message, with its flag.
      const back = await uidFetch(t, String(res.uids![0]), 'header');
      expect(back.get(res.uids![0]!)!.flags).toEqual(['\\Seen']);
      expect(back.get(res.uids![0]!)!.headers!.toString()).toMatch(/^Message-ID: <nul@acme.test>/);
      await t.select('INBOX', mailboxArg(t, 'INBOX'), true);
      expect((await t.run('DELETE', ['DELETE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
    } finally {
      await t.logout();
    }
  });
});

describe('BulkConnection without LITERAL+', () => {
  it.each(['minimal', 'gmail'] as const)('%s profile: pipelined single APPENDs with synchronizing (or LITERAL-) literals, nothing outside the profile', async (profile) => {
    const proxy = await startCapProxy({ host: '127.0.0.1', port: server.port }, profile);
    const cfg: ServerConfig = { preset: 'dovecot', host: '127.0.0.1', port: proxy.port, tls: 'none', allowInsecure: true, maxConnections: 4, throttle: {} };
    try {
      const src = await bulkOf(cfg, 'raw');
      const t = await bulkOf(cfg, 'target');
      try {
        expect(t.has('LITERAL+')).toBe(false);
        expect(t.has('MULTIAPPEND')).toBe(false);
        await src.select('INBOX', mailboxArg(src, 'INBOX'), true);
        const bodies = await uidFetch(src, '1:12,41', 'body');
        const box = `INBOX.Each-${profile}`;
        expect((await t.run('CREATE', ['CREATE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
        // Small and large literals (LITERAL- covers only those up to 4,096 bytes), one refused
        // in the middle (no such folder for it): the others still go in.
        const items = [...bodies.values()].sort((x, y) => x.uid - y.uid).map((m) => ({ raw: m.source!, flags: m.flags, internalDate: m.internalDate! }));
        const each = await appendEach(t, box, items);
        expect(each.every((r) => r.ok)).toBe(true);
        const mixed = await Promise.all([appendEach(t, box, items.slice(0, 2)), appendEach(t, 'INBOX.Nowhere', items.slice(2, 3)), appendEach(t, box, items.slice(3, 4))]);
        expect(mixed.flat().map((r) => r.ok)).toEqual([true, true, false, true]);
        const copied = (await readAll(server, 'target', 'pw')).find((f) => f.path === box.slice('INBOX.'.length))!;
        const want = [...items, ...items.slice(0, 2), items[3]!].map((m) => `${sha(m.raw)} ${m.internalDate.toISOString()}`).sort();
        expect(copied.messages.map((m) => `${m.sha256} ${m.internalDate.toISOString()}`).sort()).toEqual(want);
        expect((await t.run('DELETE', ['DELETE ', mailboxArg(t, box), '\r\n'])).status).toBe('OK');
      } finally {
        await Promise.all([src.logout(), t.logout()]);
      }
      expect(proxy.violations).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
