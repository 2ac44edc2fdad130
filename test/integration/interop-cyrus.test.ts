import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { startCyrusServer } from '../support/cyrus.js';
import { readAll, seedMessages, seedUser, startPair } from '../support/dovecot.js';
import { expectMessageByMessage, hardCases, makeJob, munge8bitHeaders, type InteropJob, type JobUser } from '../support/interop.js';
import { countMessages, killAtProgress, spawnCli } from '../support/kill-loop.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import type { SeedMessage } from '../support/dovecot.js';

// Dovecot -> Cyrus and Cyrus -> Dovecot, with a user of the small corpus plus the hard cases,
// checked message by message. Cyrus is the second real implementation (classic INBOX. namespace
// with '.', or altnamespace + unixhierarchysep with '/'; munge8bit on, as it ships).

/** Source logical path -> destination logical path of every copied folder, from status. */
async function whereOf(job: InteropJob, user: string): Promise<Map<string, string>> {
  const s = await job.status();
  const a = s.accounts.find((x) => x.sourceUser === user)!;
  return new Map(a.folders.filter((f) => f.direction === 'forward' && f.state === 'active').map((f) => [f.source, f.destination]));
}

interface VerifyJson {
  totals: { missing: number; duplicated: number; extra: number; altered: number };
  folders: { sourcePath: string; missing: number; extra: number; altered: number; differences: { kind: string; detail: string; byteRange?: { start: number } }[] }[];
}

describe('interop: Dovecot -> Cyrus (classic INBOX. namespace)', () => {
  it('creates every folder, refuses to merge a collision until renamed, keeps what Cyrus keeps, reports what it changed', async () => {
    const pair = await startPair();
    const cyrus = await startCyrusServer({ name: 'dst', namespace: 'classic' });
    const corpus = generateCorpus('small')[2]!;
    const u: JobUser = { user: corpus.user, password: corpus.password, dstUser: 'marywong' };
    await seedUser(pair.source, corpus, { connections: 1 });
    const hard = hardCases({ collide: ['Notifications', 'INBOX/Notifications'], keywords: 150 });
    await seedMessages(pair.source, u.user, u.password, hard.messages, { folders: hard.folders, connections: 1 });
    await cyrus.addUser('marywong', u.password);
    const job = makeJob(pair.source, cyrus, [u], { sync: { batchMessages: 50 } });

    // The collision is a blocker before anything is written.
    const dry = await job.run(['sync', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(3);
    expect(dry.stdout).toMatch(/blocker: .*"Notifications" and "INBOX\/Notifications" would be one destination folder; suggested rule: folders\.rename: \[\{ from: "Notifications", to: "Notifications \(2\)" \}\]/);

    // sync copies everything else and does not merge: exit 3, the blocked folder named.
    const first = await job.run(['sync']);
    expect(first.code, first.stdout + first.stderr).toBe(3);
    let st = (await job.status()).accounts[0]!;
    expect(st.lastError).toMatch(/Notifications: would be merged with "INBOX\/Notifications"/);
    const tagged = st.folders.find((f) => f.source === 'Tagged')!;
    // Cyrus keeps a limited number of keywords per folder (100 in this build): every message is
    // copied, those that lost keywords carry them as their reason, and the lost ones add up.
    expect(tagged.copied).toBe(5);
    expect(tagged.copiedWithReason).toBeGreaterThanOrEqual(1);
    const lost = tagged.reasons.map((r) => {
      expect(r.state).toBe('copied');
      expect(r.reason).toMatch(/copied without \d+ keyword\(s\) the destination folder has no room for/);
      return Number(/without (\d+)/.exec(r.reason)![1]) * r.count;
    });
    const keptOnCyrus = (await readAll(cyrus, 'marywong', u.password)).find((f) => f.path === 'Tagged')!;
    const kept = new Set(keptOnCyrus.messages.flatMap((m) => m.flags.filter((f) => !f.startsWith('\\'))));
    expect(kept.size).toBeGreaterThanOrEqual(100);
    expect(kept.size + lost.reduce((a, b) => a + b, 0)).toBe(150);

    // With the suggested rule, the second folder gets its own name; the keyword reason stays (exit 3).
    job.write({ sync: { batchMessages: 50 }, folders: { rename: [{ from: 'Notifications', to: 'Notifications (2)' }] } });
    const second = await job.run(['sync']);
    expect(second.code, second.stdout + second.stderr).toBe(3);
    st = (await job.status()).accounts[0]!;
    expect(st.pending + st.failed + st.skipped).toBe(0);
    expect(st.copied).toBe(st.found);

    // Message by message: bytes as Cyrus stores them (8-bit header bytes munged), flags minus the
    // recorded dropped keywords, INTERNALDATE kept; child of Sent, Later and Later/Child present.
    const where = await whereOf(job, u.user);
    expect(where.get('Sent/2024')).toBe('Sent/2024');
    expect(where.get('Later/Child')).toBe('Later/Child');
    expect(where.get('Notifications')).toBe('Notifications (2)');
    expect(where.get('INBOX/Notifications')).toBe('INBOX/Notifications');
    const { messages } = await expectMessageByMessage(pair.source, cyrus, u, where, (folder, raw, flags) => ({
      raw: munge8bitHeaders(raw),
      flags: folder === 'Tagged' ? flags.filter((f) => f.startsWith('\\') || kept.has(f)) : flags,
    }));
    expect(messages).toBe(corpus.messageCount + hard.messages.length);

    // verify --deep: the munged messages are ALTERED with their first differing bytes, never missing + foreign.
    const v = await job.run(['verify', '--deep', '--json']);
    expect(v.code).toBe(3);
    const vr = JSON.parse(v.stdout) as VerifyJson;
    expect(vr.totals.missing).toBe(0);
    expect(vr.totals.extra).toBe(0);
    expect(vr.totals.duplicated).toBe(0);
    const inbox = vr.folders.find((f) => f.sourcePath === 'INBOX')!;
    const altered = inbox.differences.filter((d) => d.kind === 'altered');
    expect(altered.length).toBeGreaterThanOrEqual(2);
    expect(altered.map((d) => d.detail).join('\n')).toMatch(/source bytes \d+-\d+ "\\xc3\\xa9" -> destination bytes \d+-\d+ "XX"/);
    expect(altered.every((d) => d.byteRange !== undefined && /first difference at byte \d+: source bytes .*\\x[0-9a-f]{2}.* -> destination bytes .*X/.test(d.detail))).toBe(true);
  }, 600_000);
});

describe('interop: Cyrus -> Dovecot', () => {
  for (const namespace of ['classic', 'alt'] as const) {
    it(`Cyrus (${namespace}) as the source is copied exactly; the collision waits for a rule`, async () => {
      const pair = await startPair();
      const cyrus = await startCyrusServer({ name: `src-${namespace}`, namespace });
      const corpus = generateCorpus('small')[2]!;
      await cyrus.addUser('marywong', corpus.password);
      // The corpus user's mail, seeded into Cyrus (what Cyrus stores is the source's truth).
      await seedMessages(cyrus, 'marywong', corpus.password, corpus.messages(), { folders: corpus.folders, connections: 1 });
      // Cyrus holds at most 100 keywords in a folder (this build), so the source has 90; a case collision instead of INBOX/.
      const hard = hardCases({ collide: ['Work', 'work'], keywords: 90 });
      await seedMessages(cyrus, 'marywong', corpus.password, hard.messages, { folders: hard.folders, connections: 1 });
      const u: JobUser = { user: 'marywong', password: corpus.password };
      await pair.destination.addUser('marywong', corpus.password);
      const job = makeJob(cyrus, pair.destination, [u], { sync: { batchMessages: 50 } });

      const first = await job.run(['sync']);
      expect(first.code, first.stdout + first.stderr).toBe(3);
      expect((await job.status()).accounts[0]!.lastError).toMatch(/work: would be merged/);
      job.write({ sync: { batchMessages: 50 }, folders: { rename: [{ from: 'work', to: 'work (2)' }] } });
      const second = await job.run(['sync']);
      expect(second.code, second.stdout + second.stderr).toBe(0);

      const where = await whereOf(job, u.user);
      expect(where.get('Work')).toBe('Work');
      expect(where.get('work')).toBe('work (2)');
      const { messages } = await expectMessageByMessage(cyrus, pair.destination, u, where, (_f, raw, flags) => ({ raw, flags }));
      expect(messages).toBe(corpus.messageCount + hard.messages.length);
      const v = await job.run(['verify', '--deep']);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }, 600_000);
  }
});

describe('interop: Dovecot -> Cyrus survives SIGKILLs', () => {
  it('killed ten times mid-copy and re-run: every message in Cyrus exactly once (munged headers as Cyrus stores them)', async () => {
    const pair = await startPair();
    const cyrus = await startCyrusServer({ name: 'dst-kill', namespace: 'classic' });
    const users: (JobUser & { corpus: ReturnType<typeof generateCorpus>[number] })[] = generateCorpus('tiny').map((c, i) => ({ user: c.user, password: c.password, dstUser: `user${i}`, corpus: c }));
    for (const u of users) {
      await seedUser(pair.source, u.corpus, { connections: 1 });
      const hard = hardCases({ collide: ['Alpha', 'Beta'], keywords: 60 });
      await seedMessages(pair.source, u.user, u.password, hard.messages.filter((m) => m.folder !== 'Big'), { folders: hard.folders, connections: 1 });
      await cyrus.addUser(u.dstUser!, u.password);
    }
    // A pace slow enough that, between two marks, the copy outlasts one progress poll of every
    // Cyrus account on a loaded machine (at a faster pace the last run could end before its kill).
    const job = makeJob(pair.source, cyrus, users, { sync: { batchMessages: 4 }, destination: { throttle: { messagesPerHour: 30_000 } } });
    // Ten kills, each once Cyrus holds more of the mail than at the one before.
    const expected = users[0]!.corpus.messageCount + hardCases({ collide: ['Alpha', 'Beta'], keywords: 60 }).messages.length - 1;
    const r = await killAtProgress({
      start: () => spawnCli(['sync', '--config', job.config]),
      progress: () => countMessages(cyrus, users.map((u) => ({ user: u.dstUser!, password: u.password }))),
      total: users.reduce((n, u) => n + u.corpus.messageCount, 0) + users.length * (expected - users[0]!.corpus.messageCount),
      kills: 10,
    });
    expect(r).toEqual({ kills: 10, endedEarly: 0 });
    const last = await job.run(['sync']);
    expect(last.code, last.stdout + last.stderr).toBe(0);
    for (const u of users) {
      const where = await whereOf(job, u.user);
      const { messages } = await expectMessageByMessage(pair.source, cyrus, u, where, (_f, raw, flags) => ({ raw: munge8bitHeaders(raw), flags }));
      expect(messages).toBe(u.corpus.messageCount + hardCases({ collide: ['Alpha', 'Beta'], keywords: 60 }).messages.length - 1);
    }
  }, 600_000);
});

describe('interop: Dovecot -> Cyrus, an APPEND that landed but whose answer was lost', () => {
  it('8-bit headers (which Cyrus stores as X): the batch is found in Cyrus and not appended again', async () => {
    const pair = await startPair();
    const cyrus = await startCyrusServer({ name: 'dst-lost', namespace: 'classic' });
    const u: JobUser = { user: 'lost@acme.test', password: 'pw-lost-secret', dstUser: 'lostuser' };
    const at = (i: number) => new Date(Date.UTC(2025, 7, 1, 9, 0, i));
    const messages: SeedMessage[] = Array.from({ length: 8 }, (_, i) => ({
      folder: 'INBOX',
      raw: Buffer.from(`Message-ID: <lost-${i}@acme.test>\r\nFrom: P\xe9ter <p@acme.test>\r\nTo: lost@acme.test\r\nSubject: Caf\xc3\xa9 r\xc3\xa9union ${i}\r\nDate: ${at(i).toUTCString()}\r\n\r\nbody ${i}\r\n`, 'latin1'),
      flags: ['\\Seen'],
      internalDate: at(i),
    }));
    await pair.source.addUser(u.user, u.password);
    await seedMessages(pair.source, u.user, u.password, messages, { folders: [], connections: 1 });
    await cyrus.addUser(u.dstUser!, u.password);
    // The first two APPEND answers never reach mailshift: the link drops right after Cyrus stored
    // the batch (COMPRESS hidden, so the proxy can read the answers).
    const proxy = await startFaultProxy(cyrus.port, { hideCapabilities: ['COMPRESS=DEFLATE'], cutOnServerText: { pattern: /OK \[APPENDUID /, times: 2 } });
    try {
      const job = makeJob(pair.source, { host: '127.0.0.1', port: proxy.port }, [u], { sync: { batchMessages: 2 } });
      const r = await job.run(['sync']);
      expect(proxy.stats.serverCuts).toBe(2);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const { messages: n } = await expectMessageByMessage(pair.source, cyrus, u, new Map([['INBOX', 'INBOX']]), (_f, raw, flags) => ({ raw: munge8bitHeaders(raw), flags }));
      expect(n).toBe(messages.length);
    } finally {
      await proxy.close();
    }
  }, 300_000);
});
