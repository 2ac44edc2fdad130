import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncJobStore, AsyncOf, CopyCheckpoints } from '../../src/store/contract/index.js';
import { allFactories } from './factory.js';
import { listed } from './seed.js';

// One suite, every implementation of the store contract: what callers rely on, asserted the
// same way against SQLite (a temp file) and memory.


const ident = async (s: AsyncOf<CopyCheckpoints>, fpId: number, uv: string) => (await s.messages(fpId, uv)).map((m) => ({ id: m.id, messageId: m.messageId ?? undefined, headerHash: m.headerHash!, flags: m.flags }));

describe.each(allFactories())('store contract: $name', (f) => {
  afterEach(() => f.cleanup());

  /** A store with one account and its INBOX pair listed with UIDs 1..n under UIDVALIDITY 7. */
  async function seeded(n = 5) {
    const store = await f.open();
    const acct = await store.upsertAccount('alice@old.test', 'alice@new.test');
    const fp = await store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    await store.sync.insertListed(fp, 7n, listed(Array.from({ length: n }, (_, i) => i + 1)));
    await store.sync.setSourceWatermark(fp, { uidValidity: 7n, uidNext: n + 1, listedUid: n });
    await store.sync.setDestinationState(fp, 9n, 1);
    return { store, acct, fp, sync: store.sync };
  }

  describe('job-wide records', () => {
    it('records the job once and refuses a store of another job', async () => {
      const s = await f.open();
      expect(await s.job()).toBeUndefined();
      await s.ensureJob('acme', 'acme.test');
      await s.ensureJob('acme', 'acme.test');
      expect(await s.job()).toMatchObject({ name: 'acme', domain: 'acme.test' });
      await expect(s.ensureJob('other', 'acme.test')).rejects.toThrow(/belongs to job "acme", not "other"/);
    });

    it('upserts accounts idempotently, lists them by id, records their state', async () => {
      const s = await f.open();
      const a = await s.upsertAccount('a@old.test', 'a@new.test');
      const b = await s.upsertAccount('b@old.test', 'b@new.test');
      expect(await s.upsertAccount('a@old.test', 'a2@new.test')).toBe(a);
      await s.setAccountState(b, 'failed', 'login refused');
      expect((await s.accounts()).map((r) => [r.id, r.sourceUser, r.destinationUser, r.state, r.lastError])).toEqual([
        [a, 'a@old.test', 'a2@new.test', 'pending', null],
        [b, 'b@old.test', 'b@new.test', 'failed', 'login refused'],
      ]);
    });

    it('keeps phase runs in order with their outcome and summary', async () => {
      const s = await f.open();
      const one = await s.startPhase('sync');
      const two = await s.startPhase('verify');
      const three = await s.startPhase('sync');
      await s.finishPhase(one, 'incomplete', { copied: 3, failed: [1, 2] });
      await s.finishPhase(three, 'complete');
      expect((await s.phaseRuns()).map((r) => r.id)).toEqual([one, two, three]);
      expect((await s.phaseRuns('sync')).map((r) => [r.id, r.outcome, r.summary])).toEqual([
        [one, 'incomplete', { copied: 3, failed: [1, 2] }],
        [three, 'complete', null],
      ]);
      expect(await s.lastPhaseRun('verify')).toMatchObject({ id: two, outcome: 'running', finishedAt: null });
      expect(await s.lastPhaseRun('cutover')).toBeUndefined();
    });

    it('keeps events in order, filtered and bounded; the dashboard reads the newest first', async () => {
      const s = await f.open();
      await s.addEvent({ phase: 'sync', level: 'info', kind: 'a', message: 'one', data: { n: 1 } });
      await s.addEvent({ phase: 'dual-run', level: 'warn', kind: 'dualrun.health', message: 'two' });
      await s.addEvent({ phase: 'sync', level: 'error', kind: 'b', message: 'three' });
      expect((await s.events()).map((e) => e.message)).toEqual(['one', 'two', 'three']);
      expect((await s.events({ phase: 'sync', limit: 1 })).map((e) => [e.message, e.data])).toEqual([['one', { n: 1 }]]);
      expect((await s.events({ kind: 'b' })).map((e) => e.level)).toEqual(['error']);
      expect((await s.dashboard.latestEvents(2)).map((e) => e.message)).toEqual(['three', 'two']);
      expect((await s.dashboard.latestPhaseEvents('dual-run', 5)).map((e) => e.message)).toEqual(['two']);
    });

    it('takes, reports and releases the job lock', async () => {
      const s = await f.open();
      await s.acquireLock('mailshift sync');
      expect(await s.lockHolder()).toMatchObject({ pid: process.pid, command: 'mailshift sync' });
      await s.releaseLock();
      expect(await s.lockHolder()).toBeUndefined();
    });

    it('keeps the pipeline history: the first time a phase is done wins, oldest first', async () => {
      const s = await f.open();
      await s.pipeline.markDone('sync', 2, '2026-12-01T10:00:00.000Z');
      await s.pipeline.markDone('assess', 1, '2026-12-01T09:00:00.000Z');
      await s.pipeline.markDone('sync', 2, '2026-12-01T11:00:00.000Z');
      expect(await s.pipeline.history()).toEqual([
        { phase: 'assess', seq: 1, doneAt: '2026-12-01T09:00:00.000Z' },
        { phase: 'sync', seq: 2, doneAt: '2026-12-01T10:00:00.000Z' },
      ]);
    });
  });

  describe('folder pairs', () => {
    it('upserts by (account, direction, source path): the same path both ways is two rows', async () => {
      const { store, acct, fp, sync } = await seeded(0);
      const sent = await sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'Sent', destinationPath: 'Sent Items', sourceLogical: 'Sent', destinationLogical: 'Sent Items', specialUse: '\\Sent', state: 'active', notes: ['renamed'] });
      const back = await sync.upsertFolderPair({ accountId: acct, direction: 'reverse', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
      expect(new Set([fp, sent, back]).size).toBe(3);
      // Written again (a re-run): the same rows, refreshed, watermarks kept.
      expect(await sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'excluded', notes: ['excluded by config'] })).toBe(fp);
      expect(await sync.folderPair(fp)).toMatchObject({ state: 'excluded', notes: ['excluded by config'], srcUidvalidity: '7', srcUidnext: 1, dstUidvalidity: '9', dstUidnext: 1 });
      expect((await sync.folderPairs(acct)).map((p) => [p.id, p.direction, p.sourcePath])).toEqual([
        [fp, 'forward', 'INBOX'],
        [sent, 'forward', 'Sent'],
        [back, 'reverse', 'INBOX'],
      ]);
      expect((await sync.folderPairs(undefined, 'reverse')).map((p) => p.id)).toEqual([back]);
      expect(await sync.folderPair(sent)).toMatchObject({ specialUse: '\\Sent', destinationPath: 'Sent Items', notes: ['renamed'] });
      expect((await sync.oppositePair(await sync.folderPair(fp)))?.id).toBe(back);
      expect(await sync.oppositePair(await sync.folderPair(sent))).toBeUndefined();
      await sync.markFolderGone(sent);
      expect((await sync.folderPair(sent)).state).toBe('gone');
      expect(await store.accounts()).toHaveLength(1);
    });

    it("keeps the listing's message count of a folder until a listing gives a new one", async () => {
      const { acct, sync } = await seeded(0);
      const pair = async (sourceMessages?: number) =>
        await sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'Archive', destinationPath: 'Archive', sourceLogical: 'Archive', destinationLogical: 'Archive', state: 'active', notes: [], ...(sourceMessages !== undefined ? { sourceMessages } : {}) });
      const id = await pair();
      expect((await sync.folderPair(id)).sourceMessagesListed).toBeNull();
      await pair(40);
      expect((await sync.folderPair(id)).sourceMessagesListed).toBe(40);
      await pair();
      expect((await sync.folderPair(id)).sourceMessagesListed).toBe(40);
      await pair(0);
      expect((await sync.folderPair(id)).sourceMessagesListed).toBe(0);
    });
  });

  describe('messages and batches: the copy state machine', () => {
    it('lists idempotently, in UID order, and counts what is open', async () => {
      const { fp, sync } = await seeded(3);
      await sync.insertListed(fp, 7n, listed([5, 4, 2]));
      expect((await sync.messages(fp, '7')).map((m) => m.srcUid)).toEqual([1, 2, 3, 4, 5]);
      expect((await sync.messages(fp, '7'))[1]).toMatchObject({ srcUid: 2, size: 200, flags: ['\\Seen'], messageId: '<m2@acme.test>', state: 'pending', attempts: 0, batchId: null });
      expect(await sync.countOpen(fp, '7')).toBe(5);
      expect(await sync.messages(fp, '8')).toEqual([]);
    });

    it('intent -> appended: the batch is open until its result is recorded, then copied with UIDs', async () => {
      const { fp, sync } = await seeded(3);
      const rows = await ident(sync, fp, '7');
      const batch = await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 2));
      expect((await sync.messages(fp, '7', ['copying'])).map((m) => [m.srcUid, m.batchId, m.attempts])).toEqual([
        [1, batch, 1],
        [2, batch, 1],
      ]);
      expect(await sync.openBatches(fp)).toEqual([{ id: batch, dstUidvalidity: '9', dstUidnextBefore: 1, messages: await sync.messages(fp, '7', ['copying']) }]);
      expect(await sync.inFlight()).toEqual({ copying: 2, openBatches: 1 });
      expect(await sync.countOpen(fp, '7')).toBe(3);
      await sync.finishBatch(batch, 9n, [{ id: rows[0]!.id, dstUid: 1 }, { id: rows[1]!.id, dstUid: 2, droppedFlags: ['$Big'], reason: 'keyword $Big dropped' }]);
      expect(await sync.openBatches(fp)).toEqual([]);
      expect((await sync.messages(fp, '7', ['copied'])).map((m) => [m.srcUid, m.dstUidvalidity, m.dstUid])).toEqual([
        [1, '9', 1],
        [2, '9', 2],
      ]);
      expect(await sync.droppedFlags(fp)).toEqual([{ srcUid: 2, flags: ['$Big'] }]);
      expect(await sync.claimedDestinationUids(fp, '9', 2)).toEqual(new Set([2]));
      expect(await sync.folderCounts(fp)).toEqual({
        found: 3, copied: 2, pending: 1, skipped: 0, failed: 0, adopted: 0, copiedWithReason: 1,
        reasons: [{ state: 'copied', reason: 'keyword $Big dropped', count: 1 }],
      });
      expect(await sync.copiedTotals('forward')).toEqual({ copied: 2, withoutDstUid: 0 });
      expect(await sync.inFlight()).toEqual({ copying: 0, openBatches: 0 });
    });

    it('a batch answered NO frees its messages (pending, or failed with the reason); a new run retries the failed', async () => {
      const { fp, sync } = await seeded(4);
      const rows = await ident(sync, fp, '7');
      const refused = await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 2));
      await sync.failBatch(refused, 'NO [OVERQUOTA]', { state: 'failed', reason: 'mailbox full' });
      const cut = await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(2));
      await sync.failBatch(cut, 'connection closed');
      expect(await sync.openBatches(fp)).toEqual([]);
      expect((await sync.messages(fp, '7')).map((m) => [m.srcUid, m.state, m.batchId, m.attempts, m.lastError])).toEqual([
        [1, 'failed', null, 1, 'mailbox full'],
        [2, 'failed', null, 1, 'mailbox full'],
        [3, 'pending', null, 1, null],
        [4, 'pending', null, 1, null],
      ]);
      expect(await sync.folderCounts(fp)).toMatchObject({ found: 4, pending: 2, failed: 2, reasons: [{ state: 'failed', reason: 'mailbox full', count: 2 }] });
      expect(await sync.retryFailed(fp)).toBe(2);
      expect(await sync.retryFailed(fp)).toBe(0);
      expect(await sync.countOpen(fp, '7')).toBe(4);
      // Tried again: the attempts add up.
      await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 1));
      expect((await sync.messages(fp, '7', ['copying'])).map((m) => [m.srcUid, m.attempts])).toEqual([[1, 2]]);
    });

    it('a crash after the intent: the next process finds the open batch and reconciles it (found -> copied, missing -> pending)', async () => {
      const { store, fp, sync } = await seeded(3);
      const rows = await ident(sync, fp, '7');
      const batch = await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 4 }, rows);
      // The process dies here: nothing more is written.
      const next = await f.reopen(store);
      const open = await next.sync.openBatches(fp);
      expect(open.map((b) => [b.id, b.dstUidvalidity, b.dstUidnextBefore, b.messages.map((m) => m.srcUid)])).toEqual([[batch, '9', 4, [1, 2, 3]]]);
      await next.sync.resolveBatch(batch, 9n, [{ id: rows[0]!.id, dstUid: 4 }, { id: rows[2]!.id, dstUid: 5 }], [rows[1]!.id]);
      expect(await next.sync.openBatches(fp)).toEqual([]);
      expect((await next.sync.messages(fp, '7')).map((m) => [m.srcUid, m.state, m.dstUid, m.batchId])).toEqual([
        [1, 'copied', 4, batch],
        [2, 'pending', null, null],
        [3, 'copied', 5, batch],
      ]);
      // A batch of which nothing arrived is closed as failed; its messages go back to pending.
      const lost = await next.sync.beginBatch(fp, { uidValidity: 9n, uidNext: 6 }, [rows[1]!]);
      const third = await f.reopen(next);
      await third.sync.resolveBatch(lost, 9n, [], [rows[1]!.id]);
      expect(await third.sync.openBatches(fp)).toEqual([]);
      expect(await third.sync.folderCounts(fp)).toMatchObject({ copied: 2, pending: 1 });
      // The throttle counts what reached the server (done) or may have (sent), not what failed.
      expect((await third.throttle.recentAppends('forward', '2000-01-01T00:00:00.000Z')).map((a) => a.n)).toEqual([3]);
      expect(await third.throttle.recentAppends('reverse', '2000-01-01T00:00:00.000Z')).toEqual([]);
    });

    it('what a store commits survives the next process: watermarks, counts, open batches', async () => {
      const { store, fp, sync } = await seeded(2);
      const rows = await ident(sync, fp, '7');
      await sync.finishBatch(await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 1)), 9n, [{ id: rows[0]!.id, dstUid: 1 }]);
      const next = await f.reopen(store);
      expect(await next.sync.folderPair(fp)).toEqual(await sync.folderPair(fp));
      expect(await next.sync.messages(fp, '7')).toEqual(await sync.messages(fp, '7'));
      expect(await next.sync.folderCounts(fp)).toEqual(await sync.folderCounts(fp));
      expect(await next.accounts()).toEqual(await store.accounts());
    });

    it('source UIDVALIDITY change: old rows rebound to new UIDs, uncopied old rows forgotten', async () => {
      const { fp, sync } = await seeded(3);
      const rows = await ident(sync, fp, '7');
      await sync.finishBatch(await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 2)), 9n, [{ id: rows[0]!.id, dstUid: 1 }, { id: rows[1]!.id, dstUid: 2 }]);
      // The folder was re-created: UIDVALIDITY 8, the same two messages now UIDs 10 and 11.
      const old = await sync.messagesNotOf(fp, '8');
      expect(old.map((m) => [m.srcUid, m.state])).toEqual([
        [1, 'copied'],
        [2, 'copied'],
        [3, 'pending'],
      ]);
      await sync.rebindSource([{ id: rows[0]!.id, uid: 10 }, { id: rows[1]!.id, uid: 11 }], 8n);
      await sync.forgetUncopied(fp, '8');
      await sync.insertListed(fp, 8n, listed([10, 11, 12]));
      expect(await sync.messagesNotOf(fp, '8')).toEqual([]);
      expect((await sync.messages(fp, '8')).map((m) => [m.srcUid, m.state, m.dstUid])).toEqual([
        [10, 'copied', 1],
        [11, 'copied', 2],
        [12, 'pending', null],
      ]);
    });

    it('destination UIDVALIDITY change: copied rows re-found get their new UIDs; the rest go back to pending', async () => {
      const { fp, sync } = await seeded(2);
      const rows = await ident(sync, fp, '7');
      const batch = await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows);
      await sync.finishBatch(batch, 9n, [{ id: rows[0]!.id, dstUid: 1 }, { id: rows[1]!.id, dstUid: 2 }]);
      await sync.rebindDestination([{ id: rows[0]!.id, dstUid: 30 }], 11n);
      await sync.setMessageState([rows[1]!.id], 'pending', null);
      await sync.setDestinationState(fp, 11n, 31);
      expect(await sync.claimedDestinationUids(fp, '11', 1)).toEqual(new Set([30]));
      expect(await sync.claimedDestinationUids(fp, '9', 1)).toEqual(new Set());
      expect(await sync.folderPair(fp)).toMatchObject({ dstUidvalidity: '11', dstUidnext: 31 });
      expect((await sync.messages(fp, '7')).map((m) => [m.srcUid, m.state, m.dstUidvalidity, m.dstUid, m.batchId])).toEqual([
        [1, 'copied', '11', 30, batch],
        [2, 'pending', '9', 2, null],
      ]);
    });

    it('adoption: pending rows found on the destination become copied and adopted, once per pair', async () => {
      const { fp, sync } = await seeded(3);
      const rows = await ident(sync, fp, '7');
      expect(await sync.adoptChecked(fp)).toBe(false);
      await sync.setMessageState([rows[2]!.id], 'skipped', 'too large');
      await sync.adopt(fp, 9n, [{ id: rows[0]!.id, dstUid: 7, headerHash: 'other' }, { id: rows[2]!.id, dstUid: 8, headerHash: 'h3' }]);
      expect(await sync.adoptChecked(fp)).toBe(true);
      expect((await sync.messages(fp, '7')).map((m) => [m.srcUid, m.state, m.dstUid, m.headerHash])).toEqual([
        [1, 'copied', 7, 'h1'],
        [2, 'pending', null, 'h2'],
        [3, 'skipped', null, 'h3'],
      ]);
      expect(await sync.folderCounts(fp)).toMatchObject({ found: 3, copied: 1, adopted: 1, pending: 1, skipped: 1, reasons: [{ state: 'skipped', reason: 'too large', count: 1 }] });
    });

    it('a rollback sees the forward copies by the UIDs APPENDUID returned', async () => {
      const { store, acct, fp, sync } = await seeded(2);
      const rows = await ident(sync, fp, '7');
      await sync.finishBatch(await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows), 9n, [{ id: rows[0]!.id, dstUid: 5 }, { id: rows[1]!.id, dstUid: 6 }]);
      const back = await sync.upsertFolderPair({ accountId: acct, direction: 'reverse', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
      const copies = await sync.oppositeCopies(await sync.folderPair(back), 9n, 6);
      expect([...copies]).toEqual([[6, { uid: 2, uidValidity: '7' }]]);
      expect((await sync.oppositeCopies(await sync.folderPair(back), 10n, 1)).size).toBe(0);
      expect(await store.sync.copiedTotals('reverse')).toEqual({ copied: 0, withoutDstUid: 0 });
    });

    it('gone and skipped rows: counted apart, "gone" is not found', async () => {
      const { fp, sync } = await seeded(4);
      const rows = await ident(sync, fp, '7');
      await sync.setMessageState([rows[0]!.id], 'gone', 'deleted on the source before it was copied');
      await sync.setMessageState([rows[1]!.id, rows[2]!.id], 'skipped', 'too large');
      await sync.setMessageState([rows[3]!.id], 'failed', 'NIL body');
      expect(await sync.folderCounts(fp)).toEqual({
        found: 3, copied: 0, pending: 0, skipped: 2, failed: 1, adopted: 0, copiedWithReason: 0,
        reasons: [
          { state: 'skipped', reason: 'too large', count: 2 },
          { state: 'failed', reason: 'NIL body', count: 1 },
        ],
      });
      expect(await sync.countOpen(fp, '7')).toBe(0);
    });
  });

  it('job-wide reads of the copy: rows per state, and per active forward folder (the kit and cutover read these)', async () => {
    const { store, acct, fp, sync } = await seeded(3);
    const bob = await store.upsertAccount('bob@old.test', 'bob@new.test');
    const rows = await ident(sync, fp, '7');
    await sync.finishBatch(await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 1)), 9n, [{ id: rows[0]!.id, dstUid: 1 }]);
    await sync.setMessageState([rows[1]!.id], 'failed', 'NO');
    const archive = await sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX.Archive', destinationPath: 'Archive', sourceLogical: 'Archive', destinationLogical: 'Archive', state: 'active', notes: [] });
    await sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'Junk', destinationPath: 'Junk', sourceLogical: 'Junk', destinationLogical: 'Junk', state: 'excluded', notes: [] });
    await sync.upsertFolderPair({ accountId: acct, direction: 'reverse', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    const bobs = await sync.upsertFolderPair({ accountId: bob, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    await sync.insertListed(bobs, 3n, listed([1]));
    expect(await sync.messageStates()).toEqual({ copied: 1, failed: 1, pending: 2 });
    expect(await sync.forwardFolderTotals()).toEqual([
      { accountId: acct, sourcePath: 'Archive', destinationPath: 'Archive', specialUse: null, copied: 0, notCopied: 0, total: 0 },
      { accountId: acct, sourcePath: 'INBOX', destinationPath: 'INBOX', specialUse: null, copied: 1, notCopied: 1, total: 3 },
      { accountId: bob, sourcePath: 'INBOX', destinationPath: 'INBOX', specialUse: null, copied: 0, notCopied: 0, total: 1 },
    ]);
    expect(archive).toBeGreaterThan(fp);
  });

  describe('cutover records', () => {
    it('keeps one state row, set field by field', async () => {
      const s = await f.open();
      expect(await s.cutover.state()).toMatchObject({ plannedAt: null, confirmedAt: null, oldMx: null });
      await s.cutover.updateState({ plannedAt: '2026-12-05T10:00:00.000Z', oldMx: [{ host: 'mx.old.test', priority: 10 }] });
      await s.cutover.updateState({ confirmedAt: '2026-12-05T10:05:00.000Z', mxTtlMax: 3600 });
      expect(await s.cutover.state()).toMatchObject({ plannedAt: '2026-12-05T10:00:00.000Z', confirmedAt: '2026-12-05T10:05:00.000Z', oldMx: [{ host: 'mx.old.test', priority: 10 }], mxTtlMax: 3600, finalizedAt: null });
    });

    it('re-planning keeps the state of steps already there; steps come in order', async () => {
      const s = await f.open();
      const step = (key: string, seq: number) => ({ key, seq, offsetSeconds: seq * 60, dueAt: null, title: key, who: 'IT', how: 'by hand', checkIds: ['mx'] });
      await s.cutover.saveSteps([step('b', 2), step('a', 1)]);
      await s.cutover.setStepState('a', 'done', 'checked by Wei');
      await s.cutover.saveSteps([step('a', 1), step('b', 2), step('c', 3)]);
      await s.cutover.setStepState('b', 'warn');
      expect((await s.cutover.steps()).map((r) => [r.key, r.state, r.note, r.checkIds])).toEqual([
        ['a', 'done', 'checked by Wei', ['mx']],
        ['b', 'warn', null, ['mx']],
        ['c', 'pending', null, ['mx']],
      ]);
    });

    it('reads back the latest check run only, in the order saved', async () => {
      const s = await f.open();
      const r = (checkId: string, status: 'PASS' | 'FAIL') => ({ checkId, title: checkId, status, reason: 'r', fix: null, data: { n: 1 } });
      await s.cutover.saveCheckRun('2026-12-01T10:00:00.000Z', [r('mx', 'FAIL')]);
      await s.cutover.saveCheckRun('2026-12-01T11:00:00.000Z', [r('spf', 'PASS'), r('mx', 'PASS')]);
      expect((await s.cutover.lastCheckRun()).map((c) => [c.runAt, c.checkId, c.status, c.data])).toEqual([
        ['2026-12-01T11:00:00.000Z', 'spf', 'PASS', { n: 1 }],
        ['2026-12-01T11:00:00.000Z', 'mx', 'PASS', { n: 1 }],
      ]);
    });

    it('a server flips once; a failed query neither flips it nor takes the flip back', async () => {
      const s = await f.open();
      expect(await s.cutover.recordServer('192.0.2.1', 'resolver', 'old', 'mx.old.test', 't1')).toBe(false);
      expect(await s.cutover.recordServer('192.0.2.1', 'resolver', 'new', 'mx.new.test', 't2')).toBe(true);
      expect(await s.cutover.recordServer('192.0.2.1', 'resolver', 'error', 'timeout', 't3')).toBe(false);
      expect(await s.cutover.recordServer('192.0.2.1', 'resolver', 'new', 'mx.new.test', 't4')).toBe(false);
      expect(await s.cutover.recordServer('192.0.2.9', 'authoritative', 'error', 'refused', 't4')).toBe(false);
      expect(await s.cutover.servers()).toEqual([
        { address: '192.0.2.9', kind: 'authoritative', state: 'error', answer: 'no answer: refused', flippedAt: null, lastSeenAt: 't4' },
        { address: '192.0.2.1', kind: 'resolver', state: 'new', answer: 'mx.new.test', flippedAt: 't2', lastSeenAt: 't4' },
      ]);
    });

    it('keeps late mail in arrival order', async () => {
      const s = await f.open();
      const m = (srcUid: number, direction: 'forward' | 'reverse') => ({ at: `t${srcUid}`, direction, account: 'a@old.test', sourcePath: 'INBOX', destinationPath: 'INBOX', srcUid, messageId: null, receivedFrom: 'mx.old.test', receivedBy: null, receivedDate: null });
      await s.cutover.addLateMail(m(2, 'forward'));
      await s.cutover.addLateMail(m(1, 'reverse'));
      expect((await s.cutover.lateMail()).map((r) => [r.srcUid, r.direction])).toEqual([
        [2, 'forward'],
        [1, 'reverse'],
      ]);
    });
  });

  it("the kit's view: each person's active forward folders with counts, and the cutover dates", async () => {
    const { store, fp, sync } = await seeded(3);
    const rows = await ident(sync, fp, '7');
    expect(await store.kit.kitView()).toMatchObject({ synced: true, cutover: { plannedAt: null, confirmedAt: null, finalizedAt: null } });
    await sync.finishBatch(await sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.slice(0, 2)), 9n, [{ id: rows[0]!.id, dstUid: 1 }, { id: rows[1]!.id, dstUid: 2 }]);
    await sync.setMessageState([rows[2]!.id], 'skipped', 'too large');
    await store.cutover.updateState({ confirmedAt: '2026-12-05T10:00:00.000Z' });
    const v = await store.kit.kitView();
    expect([...v.folders]).toEqual([['alice@new.test', [{ sourcePath: 'INBOX', destinationPath: 'INBOX', specialUse: null, copied: 2, notCopied: 1 }]]]);
    expect(v.cutover.confirmedAt).toBe('2026-12-05T10:00:00.000Z');
    expect(await (await f.open()).kit.kitView()).toEqual({ synced: false, folders: new Map(), cutover: { plannedAt: null, confirmedAt: null, finalizedAt: null } });
  });

  it('every aggregate the contract names is there', async () => {
    const s: AsyncJobStore = await f.open();
    for (const k of ['sync', 'pipeline', 'throttle', 'dashboard', 'cutover', 'kit', 'dualRun', 'dualRunActions', 'dualRunHealth', 'verify', 'assess', 'groupware'] as const) {
      expect(s[k]).toBeDefined();
    }
  });
});
