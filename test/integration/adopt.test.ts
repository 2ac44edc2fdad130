import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { closeClient, openClient, readAll, seedMessages, seedUser, snapshotDigest, startPair, type SeedMessage } from '../support/dovecot.js';
import { makeJob, type InteropJob } from '../support/interop.js';

// A destination that already holds the mail (a lost store, a second job, another tool): a fresh
// store adopts what is there and copies only what is missing, duplicates counted.

function twins(user: string): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < 12; i++) {
    const date = new Date(Date.UTC(2025, 1, 1, 0, 0, i));
    const id = i % 4 === 0 ? '' : `Message-ID: <twin-${i}@${user}>\r\n`;
    const m = { folder: 'INBOX', raw: Buffer.from(`${id}From: a@acme.test\r\nSubject: twin ${i}\r\nDate: ${date.toUTCString()}\r\n\r\nsame body\r\n`), flags: ['\\Seen'], internalDate: date };
    // Three identical copies of each on the source: three must end up in the destination.
    out.push(m, { ...m }, { ...m });
  }
  return out;
}

const total = (s: Awaited<ReturnType<InteropJob['status']>>, k: 'copied' | 'adopted' | 'found' | 'pending') => s.accounts.reduce((n, a) => n + (a[k] ?? 0), 0);

describe('adoption of mail already in the destination', () => {
  it('a fresh store copies nothing into a complete destination; with 10% deleted there it copies exactly that 10%', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny');
    for (const u of users) {
      await pair.destination.addUser(u.user, u.password);
      await seedUser(pair.source, u, { connections: 1 });
      await seedMessages(pair.source, u.user, u.password, twins(u.user), { folders: u.folders, connections: 1 });
    }
    const srcCount = async () => {
      let n = 0;
      for (const u of users) n += (await readAll(pair.source, u.user, u.password, { hashOnly: true })).reduce((k, f) => k + f.messages.length, 0);
      return n;
    };
    const digest = async (side: 'source' | 'destination', u: (typeof users)[number]) => snapshotDigest(await readAll(pair[side], u.user, u.password, { hashOnly: true }), { pathOf: (f) => f.path });
    const all = await srcCount();

    // Another job (its own store) copies everything first.
    const first = makeJob(pair.source, pair.destination, users);
    expect((await first.run(['sync'])).code).toBe(0);
    const after = await Promise.all(users.map((u) => digest('destination', u)));

    // A fresh store against the complete destination: nothing appended, every message adopted.
    const fresh = makeJob(pair.source, pair.destination, users);
    const r = await fresh.run(['sync']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    let st = await fresh.status();
    expect(total(st, 'found')).toBe(all);
    expect(total(st, 'adopted')).toBe(all);
    expect(total(st, 'copied')).toBe(all);
    expect(await Promise.all(users.map((u) => digest('destination', u)))).toEqual(after);
    const text = await fresh.run(['status']);
    expect(text.stdout).toMatch(/already in the destination, adopted/);

    // Delete 10% of the destination's messages (every tenth across its folders, twins included), then a third fresh store.
    let deleted = 0;
    for (const u of users) {
      const c = await openClient(pair.destination, u.user, u.password);
      try {
        const every: [string, number][] = [];
        for (const f of await c.list()) {
          if (f.flags.has('\\Noselect')) continue;
          const box = await c.mailboxOpen(f.path, { readOnly: true });
          if (!box.exists) continue;
          for (const uid of (await c.search({ all: true }, { uid: true })) || []) every.push([f.path, uid]);
        }
        const doomed = every.filter((_, i) => i % 10 === 0);
        for (const [path, uid] of doomed) {
          await c.mailboxOpen(path);
          await c.messageDelete(String(uid), { uid: true });
        }
        deleted += doomed.length;
      } finally {
        await closeClient(c);
      }
    }
    expect(deleted).toBeGreaterThanOrEqual(Math.floor(all / 10));
    expect(deleted).toBeLessThanOrEqual(Math.ceil(all / 10) + users.length);
    const third = makeJob(pair.source, pair.destination, users);
    const r3 = await third.run(['sync']);
    expect(r3.code, r3.stdout + r3.stderr).toBe(0);
    st = await third.status();
    expect(total(st, 'adopted')).toBe(all - deleted);
    expect(total(st, 'copied') - total(st, 'adopted')).toBe(deleted);
    // Destination equals source again, three twins each, nothing duplicated.
    for (const u of users) expect(await digest('destination', u)).toEqual(await digest('source', u));
    const v = await third.run(['verify']);
    expect(v.code, v.stdout).toBe(0);
  }, 600_000);

  it('a destination that holds the mail in its own rendering (new header encoding, added headers) adopts it by Message-ID + INTERNALDATE', async () => {
    const pair = await startPair();
    const u = { user: 'render@acme.test', password: 'pw-render-1' };
    await pair.source.addUser(u.user, u.password);
    await pair.destination.addUser(u.user, u.password);
    const at = (i: number) => new Date(Date.UTC(2025, 2, 1, 9, 0, i));
    const subject = (i: number) => `R\xc3\xa9union ${i}`;
    const source: SeedMessage[] = Array.from({ length: 10 }, (_, i) => ({
      folder: 'INBOX',
      raw: Buffer.from(`${i === 9 ? '' : `Message-ID: <render-${i}@acme.test>\r\n`}From: Peter Chan <p@acme.test>\r\nTo: render@acme.test\r\nSubject: ${subject(i)}\r\nDate: ${at(i).toUTCString()}\r\n\r\nbody ${i}\r\n`, 'latin1'),
      flags: ['\\Seen'],
      internalDate: at(i),
    }));
    // What a server that stores messages in its own form gives back: the subject as an RFC 2047
    // word, the display name quoted, a header of its own; Message-ID and INTERNALDATE kept.
    const rendered: SeedMessage[] = source.map((m, i) => ({
      ...m,
      raw: Buffer.from(`${i === 9 ? '' : `Message-ID: <render-${i}@acme.test>\r\n`}From: "Peter Chan" <p@acme.test>\r\nTo: <render@acme.test>\r\nSubject: =?utf-8?B?${Buffer.from(subject(i), 'latin1').toString('base64')}?=\r\nDate: ${at(i).toUTCString()}\r\nX-MS-Exchange-Organization-Id: 42\r\n\r\nbody ${i}\r\n`, 'latin1'),
    }));
    await seedMessages(pair.source, u.user, u.password, source, { folders: [], connections: 1 });
    await seedMessages(pair.destination, u.user, u.password, rendered, { folders: [], connections: 1 });

    const job = makeJob(pair.source, pair.destination, [u]);
    const r = await job.run(['sync']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const st = await job.status();
    // Nine adopted; the one without a Message-ID cannot be told from another message: appended.
    expect(total(st, 'adopted')).toBe(9);
    expect(total(st, 'copied')).toBe(10);
    const inbox = (await readAll(pair.destination, u.user, u.password)).find((f) => f.path === 'INBOX')!;
    expect(inbox.messages).toHaveLength(11);
    // A second sync appends nothing.
    const again = await job.run(['sync']);
    expect(again.code, again.stderr).toBe(0);
    expect((await readAll(pair.destination, u.user, u.password)).find((f) => f.path === 'INBOX')!.messages).toHaveLength(11);
  }, 300_000);
});
