import { afterEach, describe, expect, it } from 'vitest';
import type { Assessment } from '../../src/assess/types.js';
import type { VerifiedFolder } from '../../src/verify/result.js';
import { allFactories } from './factory.js';
import { addPair, copyFirst } from './seed.js';

// verify, assess and groupware records: the same assertions on SQLite and memory.

const folder = (account: string, path: string, extra: Partial<VerifiedFolder> = {}): VerifiedFolder => ({
  account, destinationAccount: account.replace('old', 'new'), sourcePath: path, destinationPath: path, method: 'store', sourceCount: 3, destinationCount: 3,
  matched: 3, missing: 0, duplicated: 0, extra: 0, altered: 0, refusedFlags: [], differences: [], ...extra,
});
const TOTALS = { accounts: 2, folders: 3, sourceMessages: 9, destinationMessages: 8, matched: 8, missing: 1, duplicated: 0, extra: 0, altered: 0, errors: 0 };

describe.each(allFactories())('records contract: $name', (f) => {
  afterEach(() => f.cleanup());

  describe('verify', () => {
    it('the latest run with its folders (by account, then as added) and their differences', async () => {
      const s = await f.open();
      const first = await s.verify.startRun(false);
      await s.verify.finishRun(first, 'clean', { ...TOTALS, missing: 0 });
      expect(await s.verify.latestRun()).toMatchObject({ runId: first, clean: true, deep: false });
      const run = await s.verify.startRun(true);
      expect(await s.verify.latestRun()).toMatchObject({ runId: run, outcome: 'running', finishedAt: null, clean: false, totals: { accounts: 0, missing: 0 } });
      await s.verify.addFolder(run, folder('bob@old.test', 'INBOX'));
      await s.verify.addFolder(run, folder('alice@old.test', 'Sent', { method: 'scan', sourceDigest: 'abc', error: 'no such folder', refusedFlags: [{ flag: '$Work', messages: 2 }] }));
      await s.verify.addFolder(run, folder('alice@old.test', 'INBOX', {
        missing: 1,
        differences: [
          { kind: 'missing', srcUid: 4, messageId: '<m4@acme.test>', detail: 'not on the destination' },
          { kind: 'altered', srcUid: 5, dstUid: 7, parts: ['flags'], detail: 'flags differ', byteRange: { start: 1, sourceEnd: 2, destinationEnd: 3 } },
        ],
      }));
      await s.verify.finishRun(run, 'differences', TOTALS);
      const r = (await s.verify.latestRun())!;
      expect(r).toMatchObject({ runId: run, deep: true, outcome: 'differences', clean: false, totals: TOTALS });
      expect(r.finishedAt).not.toBeNull();
      expect(r.folders.map((x) => [x.account, x.sourcePath, x.method])).toEqual([
        ['alice@old.test', 'Sent', 'scan'],
        ['alice@old.test', 'INBOX', 'store'],
        ['bob@old.test', 'INBOX', 'store'],
      ]);
      expect(r.folders[0]).toMatchObject({ sourceDigest: 'abc', error: 'no such folder', refusedFlags: [{ flag: '$Work', messages: 2 }] });
      expect(r.folders[0]!.destinationDigest).toBeUndefined();
      expect(r.folders[1]!.differences).toEqual([
        { kind: 'missing', srcUid: 4, messageId: '<m4@acme.test>', detail: 'not on the destination' },
        { kind: 'altered', srcUid: 5, dstUid: 7, parts: ['flags'], detail: 'flags differ' },
      ]);
    });

    async function copied() {
      const store = await f.open();
      const alice = await store.upsertAccount('Alice@old.test', 'alice@new.test');
      const bob = await store.upsertAccount('bob@old.test', 'bob@new.test');
      const inbox = await addPair(store, alice, 'INBOX', 5);
      const archive = await addPair(store, alice, 'Archive', 2);
      const bobIn = await addPair(store, bob, 'INBOX', 1);
      const back = await addPair(store, alice, 'INBOX', 3, 'reverse');
      await copyFirst(store.sync, inbox, 3);
      await copyFirst(store.sync, bobIn, 1);
      await copyFirst(store.sync, back, 3);
      const rows = await store.sync.messages(inbox, '7');
      await store.sync.setMessageState([rows[3]!.id], 'skipped', 'too large');
      await store.sync.setMessageState([rows[4]!.id], 'failed', 'NO [OVERQUOTA]');
      await store.sync.setMessageState([(await store.sync.messages(archive, '7'))[1]!.id], 'gone', null);
      const batch = await store.sync.beginBatch(archive, { uidValidity: 9n, uidNext: 1 }, (await store.sync.messages(archive, '7', ['pending'])).map((m) => ({ id: m.id, headerHash: m.headerHash!, flags: m.flags })));
      await store.sync.finishBatch(batch, 9n, (await store.sync.messages(archive, '7', ['copying'])).map((m) => ({ id: m.id, dstUid: 1, droppedFlags: ['$Work', '\\Seen'] })));
      await store.dualRun.recordWritten([{ id: rows[0]!.id, flags: ['$Work'], dropped: ['$Work'] }]);
      return { store, inbox, archive, bobIn, rows };
    }

    it("the checkpoint's pairing of one folder, found by the account's name in any case, only while the UIDVALIDITYs hold", async () => {
      const { store } = await copied();
      const cp = await store.verify.folderCheckpoint('alice@OLD.test', ['INBOX', 'Inbox'], 7n, 9n);
      expect(cp.found).toBe(true);
      expect([...cp.mapping].sort()).toEqual([[1, 101], [2, 102], [3, 103]]);
      expect([...cp.notCopied].sort()).toEqual([[4, { state: 'skipped', reason: 'too large' }], [5, { state: 'failed', reason: 'NO [OVERQUOTA]' }]]);
      expect([...cp.droppedFlags]).toEqual([[1, ['$Work']]]);
      expect((await store.verify.folderCheckpoint('alice@old.test', ['INBOX'], 7n, 10n)).mapping.size).toBe(0);
      expect(await store.verify.folderCheckpoint('alice@old.test', ['INBOX'], 8n, 9n)).toMatchObject({ found: true, mapping: new Map() });
      expect((await store.verify.folderCheckpoint('alice@old.test', ['INBOX'], undefined, undefined)).mapping.size).toBe(3);
      expect((await store.verify.folderCheckpoint('carol@old.test', ['INBOX'], 7n, 9n)).found).toBe(false);
    });

    it('totals per forward folder, problems, fingerprints and refused flags (the report reads these)', async () => {
      const { store } = await copied();
      const v = store.verify;
      expect((await v.folderTotals()).map((t) => [t.account, t.sourcePath, t.total, t.copied, t.skipped, t.failed, t.pending, t.bytesCopied])).toEqual([
        ['Alice@old.test', 'Archive', 1, 1, 0, 0, 0, 100],
        ['Alice@old.test', 'INBOX', 5, 3, 1, 1, 0, 600],
        ['bob@old.test', 'INBOX', 1, 1, 0, 0, 0, 100],
      ]);
      const t = (await v.folderTotals())[1]!;
      expect(t).toMatchObject({ destinationAccount: 'alice@new.test', accountState: 'pending', folderState: 'active', adopted: 0, specialUse: null });
      expect(t.firstCopiedAt! <= t.lastCopiedAt!).toBe(true);
      expect((await v.problems()).map((p) => [p.account, p.sourcePath, p.srcUid, p.state, p.reason, p.attempts, p.size, p.messageId])).toEqual([
        ['Alice@old.test', 'INBOX', 4, 'skipped', 'too large', 0, 400, '<m4@acme.test>'],
        ['Alice@old.test', 'INBOX', 5, 'failed', 'NO [OVERQUOTA]', 0, 500, '<m5@acme.test>'],
      ]);
      const fps: [string, string][] = [];
      await v.eachCopiedFingerprint((a, fp) => fps.push([a, fp]));
      expect(fps).toEqual([
        ['Alice@old.test', '<m1@acme.test>|2026-01-01T00:00:00.000Z|h1|100'],
        ['Alice@old.test', '<m2@acme.test>|2026-01-02T00:00:00.000Z|h2|200'],
        ['Alice@old.test', '<m3@acme.test>|2026-01-03T00:00:00.000Z|h3|300'],
        ['Alice@old.test', '|2026-01-01T00:00:00.000Z|h1|100'],
        ['bob@old.test', '<m1@acme.test>|2026-01-01T00:00:00.000Z|h1|100'],
      ]);
      expect(await v.droppedFlagTotals()).toEqual([
        { account: 'Alice@old.test', folder: 'Archive', flag: '$Work', messages: 1 },
        { account: 'Alice@old.test', folder: 'Archive', flag: '\\Seen', messages: 1 },
        { account: 'Alice@old.test', folder: 'INBOX', flag: '$Work', messages: 1 },
      ]);
      const per = await v.throughputPerMinute();
      expect(per.reduce((s, m) => s + m.messages, 0)).toBe(5);
      expect(per.reduce((s, m) => s + m.bytes, 0)).toBe(800);
      expect(per.every((m) => /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(m.minute))).toBe(true);
    });

    it("flag events: other phases' events about flags, in order", async () => {
      const s = await f.open();
      await s.addEvent({ level: 'warn', kind: 'sync.flags-dropped', message: 'one', data: { n: 2 } });
      await s.addEvent({ level: 'info', kind: 'sync.done', message: 'two' });
      await s.addEvent({ level: 'warn', kind: 'dualrun.Flag', message: 'three' });
      expect((await s.verify.flagEvents()).map((e) => [e.message, e.data])).toEqual([['one', { n: 2 }], ['three', null]]);
    });
  });

  describe('assess', () => {
    const assessment = (verdict: Assessment['verdict'], n: number) =>
      ({
        job: 'acme', domain: 'acme.test', generatedAt: `2026-12-0${n}T09:00:00.000Z`, mailshiftVersion: '0', verdict,
        summary: { accounts: 1, accountsAssessed: 1, folders: 2, messages: 10 * n, bytes: 1000 * n, blockers: n - 1, warnings: 1, ...(n > 1 ? { estimatedSeconds: 60 } : {}) },
        servers: [], capabilities: {},
        accounts: [{
          sourceUser: 'alice@old.test',
          source: { side: 'source', folders: [
            { path: 'INBOX', logicalPath: 'INBOX', selectable: true, messages: 7, bytes: 700, sizeSource: 'fetch', oldest: '2020-01-01', newest: '2026-11-30', largest: [] },
            { path: 'Junk', logicalPath: 'Junk', specialUse: '\\Junk', selectable: true, messages: 3, bytes: 300, sizeSource: 'fetch', largest: [], error: 'NO [SERVERBUG]' },
          ] },
          destination: { side: 'destination', folders: [{ path: 'INBOX', logicalPath: 'INBOX', selectable: true, messages: 0, bytes: 0, sizeSource: 'none', largest: [] }] },
          mapping: [{ sourcePath: 'INBOX', destinationPath: 'INBOX', action: 'copy' }],
        }],
        risks: [
          { id: 'oversize', severity: 'blocker', title: 'Too large', detail: 'd', fix: 'split', accounts: ['alice@old.test'], folders: ['alice@old.test: INBOX'] },
          { id: 'junk', severity: 'warning', title: 'Junk', detail: 'd', fix: 'skip', accounts: [], folders: [] },
        ],
      }) as unknown as Assessment;

    it('saves each assessment; the latest run, its full result, folders by side and user, risks by rank', async () => {
      const s = await f.open();
      expect(await s.assess.latestAssessRun()).toBeUndefined();
      expect(await s.assess.loadAssessment()).toBeUndefined();
      const one = await s.assess.saveAssessment(assessment('go', 1));
      const phase = await s.startPhase('assess');
      const two = await s.assess.saveAssessment(assessment('no-go', 2), { phaseRunId: phase, reportDir: '/tmp/r' });
      expect(await s.assess.latestAssessRun()).toEqual({ id: two, generatedAt: '2026-12-02T09:00:00.000Z', verdict: 'no-go', blockers: 1, warnings: 1, messages: 20, bytes: 2000, estimatedSeconds: 60, reportDir: '/tmp/r' });
      expect(await s.assess.loadAssessment(one)).toEqual(assessment('go', 1));
      expect((await s.assess.loadAssessment())?.verdict).toBe('no-go');
      expect(await s.assess.loadAssessment(99)).toBeUndefined();
      expect((await s.assess.assessFolders(one)).map((x) => [x.side, x.path, x.destinationPath, x.action, x.specialUse, x.error, x.oldest])).toEqual([
        ['source', 'INBOX', 'INBOX', 'copy', null, null, '2020-01-01'],
        ['source', 'Junk', null, null, '\\Junk', 'NO [SERVERBUG]', null],
        ['destination', 'INBOX', null, null, null, null, null],
      ]);
      expect(await s.assess.assessFolders(one, { side: 'destination', sourceUser: 'alice@old.test' })).toHaveLength(1);
      expect(await s.assess.assessFolders(one, { sourceUser: 'bob@old.test' })).toEqual([]);
      expect(await s.assess.assessRisks(two)).toEqual([
        { rank: 1, id: 'oversize', severity: 'blocker', title: 'Too large', fix: 'split', accounts: ['alice@old.test'], folders: ['alice@old.test: INBOX'] },
        { rank: 2, id: 'junk', severity: 'warning', title: 'Junk', fix: 'skip', accounts: [], folders: [] },
      ]);
    });
  });

  describe('groupware', () => {
    async function seeded() {
      const store = await f.open();
      const alice = await store.upsertAccount('alice@old.test', 'alice@new.test');
      const bob = await store.upsertAccount('bob@old.test', 'bob@new.test');
      return { store, g: store.groupware, alice, bob };
    }

    it('homes per side, account states in account order', async () => {
      const { g, alice, bob } = await seeded();
      expect(await g.hasData()).toBe(false);
      expect(await g.homes(alice, 'source')).toBeUndefined();
      await g.setAccountState(bob, 'failed', 'no CardDAV');
      await g.setHomes(alice, 'source', { addressbook: '/dav/a/', calendar: '/cal/a/' });
      expect(await g.homes(alice, 'source')).toEqual({ addressbook: '/dav/a/', calendar: '/cal/a/' });
      expect(await g.homes(alice, 'destination')).toBeUndefined();
      await g.setAccountState(alice, 'syncing');
      expect(await g.accountStates()).toEqual([
        { accountId: alice, sourceUser: 'alice@old.test', state: 'syncing', lastError: null },
        { accountId: bob, sourceUser: 'bob@old.test', state: 'failed', lastError: 'no CardDAV' },
      ]);
    });

    it("collections: upsert keeps the destination and the synced state; objects go intent -> put | kept | failed", async () => {
      const { g, alice, bob } = await seeded();
      const c = await g.upsertCollection({ accountId: alice, kind: 'addressbook', sourceHref: '/dav/a/contacts/', displayName: 'Contacts', color: null, description: null });
      expect(c).toMatchObject({ kind: 'addressbook', destinationHref: null, state: 'active', sourceCtag: null });
      await g.setCollectionDestination(c.id, '/new/a/contacts/');
      await g.setCollectionSynced(c.id, 'ctag1', 'tok1');
      const again = await g.upsertCollection({ accountId: alice, kind: 'addressbook', sourceHref: '/dav/a/contacts/', displayName: 'People', color: '#f00', description: 'd' });
      expect(again).toEqual({ ...c, displayName: 'People', color: '#f00', description: 'd', destinationHref: '/new/a/contacts/', sourceCtag: 'ctag1', sourceSyncToken: 'tok1' });
      const cal = await g.upsertCollection({ accountId: bob, kind: 'calendar', sourceHref: '/cal/b/', displayName: null, color: null, description: null });
      await g.setCollectionFailed(cal.id, 'REPORT refused');
      expect((await g.collections()).map((x) => [x.id, x.state, x.lastError])).toEqual([[c.id, 'active', null], [cal.id, 'failed', 'REPORT refused']]);
      expect((await g.collections(bob)).map((x) => x.id)).toEqual([cal.id]);

      const o = (href: string, bytes: number) => ({ collectionId: c.id, sourceHref: href, sourceEtag: `"e-${href}"`, uid: href, component: 'VCARD', bytes, destinationHref: `/new/${href}` });
      for (const [h, b] of [['1.vcf', 10], ['2.vcf', 20], ['3.vcf', 30], ['4.vcf', 40]] as const) await g.recordIntent(o(h, b));
      await g.recordPut(c.id, '1.vcf', '"e1"', '"d1"');
      await g.recordPut(c.id, '2.vcf', '"e2"', '"d2"', 25);
      await g.recordKept(c.id, '3.vcf', '"e3b"', 'edited on the destination');
      await g.recordFailed(c.id, '4.vcf', '413 too large');
      await g.recordPut(c.id, 'nope.vcf', null, null); // no row: nothing happens
      expect(await g.object(c.id, '2.vcf')).toMatchObject({ state: 'put', sourceEtag: '"e2"', destinationEtag: '"d2"', bytes: 25, reason: null, component: 'VCARD' });
      expect(await g.object(c.id, 'nope.vcf')).toBeUndefined();
      await g.recordIntent({ ...o('1.vcf', 11), sourceEtag: '"e1b"' }); // an update: intent again, the old destination ETag kept
      expect(await g.object(c.id, '1.vcf')).toMatchObject({ state: 'intent', sourceEtag: '"e1b"', destinationEtag: '"d1"', bytes: 11 });
      expect((await g.objects(c.id)).map((x) => [x.sourceHref, x.state])).toEqual([['1.vcf', 'intent'], ['2.vcf', 'put'], ['3.vcf', 'kept'], ['4.vcf', 'failed']]);
      expect((await g.counts()).map((x) => [x.collectionId, x.sourceUser, x.put, x.kept, x.failed, x.inFlight, x.bytes, x.displayName])).toEqual([
        [c.id, 'alice@old.test', 1, 1, 1, 1, 55, 'People'],
        [cal.id, 'bob@old.test', 0, 0, 0, 0, 0, null],
      ]);
      expect(await g.failures()).toEqual([{ sourceUser: 'alice@old.test', collection: 'People', sourceHref: '4.vcf', reason: '413 too large' }]);
      expect(await g.failures(0)).toEqual([]);
      expect(await g.hasData()).toBe(true);
    });

    it('verify rows: one per collection, replaced by the next check', async () => {
      const { g, alice } = await seeded();
      const a = await g.upsertCollection({ accountId: alice, kind: 'calendar', sourceHref: '/cal/a/', displayName: null, color: null, description: null });
      const b = await g.upsertCollection({ accountId: alice, kind: 'addressbook', sourceHref: '/dav/a/', displayName: null, color: null, description: null });
      const row = (id: number, missing: number) => ({ collectionId: id, checkedAt: '2026-12-01T10:00:00.000Z', sourceObjects: 5, destinationObjects: 5 - missing, missing, duplicated: 0, altered: 0, details: missing ? [{ uid: 'x', problem: 'missing' }] : [] });
      await g.saveVerify(row(b.id, 1));
      await g.saveVerify(row(a.id, 2));
      await g.saveVerify(row(a.id, 0));
      expect(await g.verifyRows()).toEqual([row(a.id, 0), row(b.id, 1)]);
    });
  });
});
