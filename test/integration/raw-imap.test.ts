import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import type { ServerConfig } from '../../src/config/types.js';
import { closeImap, connectImap } from '../../src/imap/connect.js';
import { appendMessages } from '../../src/imap/multiappend.js';
import { rawAvailable } from '../../src/imap/raw.js';
import { rawFetchBodies, rawFetchListing } from '../../src/imap/raw-fetch.js';
import { passwordCredentials } from '../../src/auth/provider.js';
import type { Account } from '../../src/config/types.js';
import { Secret } from '../../src/secret.js';

/** A password login for a sandbox user (the same password on both sides). */
const pw = (user: string) => {
  const account: Account = { line: 1, sourceUser: user, sourcePassword: new Secret('pw'), destinationUser: user, destinationPassword: new Secret('pw') };
  return { account, credentials: passwordCredentials };
};
import { readAll, seedMessages, startDovecot, type DovecotServer, type SeedMessage } from '../support/dovecot.js';

// The copier's bulk path (FETCH and MULTIAPPEND written to the socket directly) against a live
// Dovecot, in plain, implicit-TLS and STARTTLS sessions: it returns what imapflow's own FETCH
// returns, byte for byte, appends what it is given, and leaves the session usable for imapflow.

let server: DovecotServer;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

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
  server = await startDovecot({ name: 'raw', separator: '.', namespacePrefix: 'INBOX.', tlsPort: true });
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

describe.each(modes)('bulk path over $name', ({ cfg }) => {
  it('FETCH returns what imapflow returns; the session stays usable; APPEND stores exactly what was sent', async () => {
    const c: ImapFlow = await connectImap(cfg(), pw('raw'), { side: 'source' });
    try {
      const mb = await c.mailboxOpen('INBOX', { readOnly: true });
      expect(mb.exists).toBe(41);
      expect(rawAvailable(c)).toBe(true);
      const raw = await rawFetchBodies(c, '1:*');
      // imapflow's own FETCH on the same session afterwards: the socket was handed back intact.
      const viaImapflow = new Map<number, { sha: string; flags: string[]; date: string }>();
      for await (const m of c.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true }, { uid: true })) {
        viaImapflow.set(m.uid, { sha: sha(m.source!), flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), date: new Date(m.internalDate!).toISOString() });
      }
      expect(raw.size).toBe(41);
      for (const [uid, m] of raw) {
        expect({ sha: sha(m.source!), flags: m.flags, date: m.internalDate!.toISOString() }, `uid ${uid}`).toEqual(viaImapflow.get(uid));
      }
      // The listing form: sizes, flags and dates as imapflow reads them, no bodies.
      const listing = await rawFetchListing(c, '1:*');
      const imapflowListing = new Map<number, { size: number; flags: string[]; date: string }>();
      for await (const m of c.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true }, { uid: true })) {
        imapflowListing.set(m.uid, { size: m.size!, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(), date: new Date(m.internalDate!).toISOString() });
      }
      expect(new Map([...listing].map(([uid, m]) => [uid, { size: m.size!, flags: m.flags, date: m.internalDate!.toISOString() }]))).toEqual(imapflowListing);
      expect([...listing.values()].every((m) => m.source === undefined && m.size === raw.get(m.uid)!.source!.length)).toBe(true);
      // A UID set with holes and one UID that does not exist.
      const some = await rawFetchBodies(c, '2,5:6,999');
      expect([...some.keys()].sort((a, b) => a - b)).toEqual([2, 5, 6]);
      // Read-only: BODY.PEEK set no \Seen.
      const after = await c.fetchOne('5', { flags: true }, { uid: true }); // seeded unread
      expect(after && [...(after.flags ?? [])]).not.toContain('\\Seen');

      // MULTIAPPEND through the bulk path, into another user's folder (a fresh session).
      const t = await connectImap(cfg(), pw('target'), { side: 'destination' });
      try {
        await t.mailboxCreate('INBOX.Copied').catch(() => undefined);
        await t.mailboxOpen('INBOX.Copied');
        expect(rawAvailable(t)).toBe(true);
        const items = [...raw.values()].sort((a, b) => a.uid - b.uid).map((m) => ({ raw: m.source!, flags: m.flags, internalDate: m.internalDate! }));
        const res = await appendMessages(t, 'INBOX.Copied', items);
        expect(res.uids).toHaveLength(items.length);
        // A refused APPEND (no such folder) comes back as a NO with its response code, and the
        // session is still usable afterwards.
        await expect(appendMessages(t, 'INBOX.Missing', items.slice(0, 2))).rejects.toMatchObject({ responseStatus: 'NO', serverResponseCode: 'TRYCREATE' });
        const st = await t.status('INBOX.Copied', { messages: true });
        expect(st && st.messages).toBe(items.length);
      } finally {
        await closeImap(t);
      }
      const copied = (await readAll(server, 'target', 'pw')).find((f) => f.path === 'Copied')!;
      const want = [...raw.values()].map((m) => `${sha(m.source!)} ${m.flags.join(',')} ${m.internalDate!.toISOString()}`).sort();
      expect(copied.messages.map((m) => `${m.sha256} ${m.flags.join(',')} ${m.internalDate.toISOString()}`).sort()).toEqual(want);
      const del = await connectImap(cfg(), pw('target'), { side: 'destination' });
      await del.mailboxDelete('INBOX.Copied');
      await closeImap(del);
    } finally {
      await closeImap(c);
    }
  });
});
