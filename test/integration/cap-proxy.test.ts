import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { Store } from '../../src/store/store.js';
import { BIN } from '../support/cli.js';
import { startCapProxy, type ProfileName } from '../support/cap-proxy.js';
import { closeClient, openClient, readAll, seedMessages, seedUser, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';
import { countMessages, killAtProgress, spawnCli } from '../support/kill-loop.js';

// Provider profiles: the destination is Dovecot behind a proxy that offers only what Microsoft
// 365, Gmail or a bare IMAP4rev1 server offers, and answers BAD to anything else. Under each,
// sync (killed and re-run) ends exactly once, and the proxy saw no command outside the profile.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends lines one after another (waiting a moment for each answer) and returns everything read. */
async function talk(port: number, lines: string[]): Promise<string> {
  const sock = connect({ host: '127.0.0.1', port });
  let got = '';
  sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
  await sleep(200);
  for (const l of lines) {
    sock.write(l.replace(/\\r\\n/g, '\r\n') + '\r\n');
    await sleep(200);
  }
  sock.destroy();
  return got;
}

function extra(user: string, n: number): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.UTC(2025, 2, 1, 0, 0, i));
    const id = i % 13 === 0 ? '' : `Message-ID: <p-${i}@${user}>\r\n`;
    const m = { folder: i % 2 ? 'INBOX' : 'Projects', raw: Buffer.from(`${id}From: a@acme.test\r\nSubject: m ${i % 40 === 0 ? 'twin' : i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line\r\n'.repeat(1 + (i % 900))}`), flags: i % 3 ? ['\\Seen'] : ['$Label1'], internalDate: date };
    out.push(m);
    if (i % 40 === 0) out.push({ ...m });
  }
  return out;
}

describe('capability proxy', () => {
  it('cuts the capability list, strips codes and refuses what is not offered', async () => {
    const pair = await startPair();
    await pair.destination.addUser('u1', 'pw1');
    const proxy = await startCapProxy(pair.destination, 'minimal');
    onTestFinished(() => proxy.close());
    const c = await openClient(proxy, 'u1', 'pw1');
    try {
      expect([...c.capabilities.keys()].filter((k) => !k.startsWith('AUTH='))).toEqual(['IMAP4rev1']);
      const r = await c.append('INBOX', Buffer.from('Subject: x\r\n\r\nx\r\n'), ['\\Seen']);
      // No UIDPLUS: no APPENDUID reaches the client.
      expect(r && (r as { uid?: number }).uid).toBeFalsy();
    } finally {
      await closeClient(c);
    }
    expect(proxy.violations).toEqual([]);
    // What the profile lacks is refused and recorded: ENABLE, a MULTIAPPEND, a LITERAL+ literal.
    const said = await talk(proxy.port, ['a1 LOGIN u1 pw1', 'a2 ENABLE CONDSTORE', 'a3 APPEND INBOX {3+}\r\nabc {3+}\r\nabc', 'a4 APPEND INBOX {3}', 'abc', 'a5 LOGOUT']);
    expect(said).toMatch(/^a2 BAD .*ENABLE/m);
    expect(said).toMatch(/^a3 BAD .*LITERAL\+/m);
    expect(said).toMatch(/^a4 OK/m);
    expect(proxy.violations.map((v) => v.extension)).toEqual(['ENABLE', 'LITERAL+']);
  });

  for (const profile of ['m365', 'gmail', 'minimal'] as ProfileName[]) {
    it(`${profile}: sync with SIGKILLs and re-runs, then a dual-run pass, end exactly once; no command outside the profile`, async () => {
      const pair = await startPair();
      const proxy = await startCapProxy(pair.destination, profile);
      onTestFinished(() => proxy.close());
      const users = generateCorpus('tiny');
      for (const u of users) {
        await pair.destination.addUser(u.user, u.password);
        await seedUser(pair.source, u, { connections: 1 });
        await seedMessages(pair.source, u.user, u.password, extra(u.user, 240), { folders: u.folders, connections: 1 });
      }
      const job = makeJob(pair.source, proxy, users, { sync: { batchMessages: 9 }, destination: { throttle: { messagesPerHour: 360_000 } } });
      // Ten kills, each once the destination shows more mail than at the one before (counted
      // on Dovecot itself, behind the proxy, so the count adds no command to the profile's).
      const total = users.reduce((n, u) => n + u.messageCount, 0) + users.length * extra('x', 240).length;
      const r = await killAtProgress({ start: () => spawnCli(['sync', '--config', job.config]), progress: () => countMessages(pair.destination, users), total, kills: 10 });
      expect(r).toEqual({ kills: 10, endedEarly: 0 });
      const last = await job.run(['sync']);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      for (const u of users) {
        const st = (await job.status()).accounts.find((a) => a.sourceUser === u.user)!;
        const where = new Map(st.folders.filter((f) => f.state === 'active').map((f) => [f.source, f.destination]));
        const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
        expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
      }
      // Destination UIDs are known for every copy, with or without UIDPLUS (dual-run needs them).
      const v = await job.run(['verify']);
      expect(v.code, v.stdout).toBe(0);
      // Every copy has its destination UID recorded (from APPENDUID, or found by identity without UIDPLUS).
      const dbFile = readdirSync(job.dir).find((f) => f.endsWith('.db'))!;
      const store = Store.open(join(job.dir, dbFile), { readonly: true });
      try {
        const row = store.sync.copiedTotals('forward');
        expect(row.copied).toBeGreaterThan(500);
        expect(row.withoutDstUid).toBe(0);
      } finally {
        store.close();
      }
      // A dual-run pass: new mail and a flag change on the source reach the destination once
      // (CONDSTORE only where the profile offers it, a full FLAGS scan otherwise).
      const u0 = users[0]!;
      await seedMessages(pair.source, u0.user, u0.password, [{ folder: 'INBOX', raw: Buffer.from(`Message-ID: <dual-${profile}@acme.test>\r\nSubject: dual\r\n\r\nnew\r\n`), flags: [], internalDate: new Date('2026-01-02T00:00:00Z') }]);
      const sc = await openClient(pair.source, u0.user, u0.password);
      try {
        await sc.mailboxOpen('INBOX');
        await sc.messageFlagsAdd('1:3', ['$Checked'], { uid: true });
      } finally {
        await closeClient(sc);
      }
      const dr = await job.run(['dual-run', '--once']);
      expect(dr.code, dr.stdout + dr.stderr).toBe(0);
      {
        const st = (await job.status()).accounts.find((a) => a.sourceUser === u0.user)!;
        const where = new Map(st.folders.filter((f) => f.state === 'active' && f.direction === 'forward').map((f) => [f.source, f.destination]));
        const [src, dst] = await Promise.all([readAll(pair.source, u0.user, u0.password, { hashOnly: true }), readAll(pair.destination, u0.user, u0.password, { hashOnly: true })]);
        expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
      }
      expect(proxy.violations).toEqual([]);
      if (profile !== 'gmail') expect(proxy.commands.get('APPEND') ?? 0).toBeGreaterThan(0);
    }, 600_000);
  }
});
