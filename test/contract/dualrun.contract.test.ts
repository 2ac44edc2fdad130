import { afterEach, describe, expect, it } from 'vitest';
import type { ActionRow } from '../../src/store/contract/index.js';
import { allFactories } from './factory.js';
import { addPair, copyFirst } from './seed.js';

// Dual-run's aggregates (state, actions, health), the same assertions on SQLite and memory.

const pass = (n: number, extra: Partial<Parameters<import('../../src/store/contract/index.js').DualRunState['addPass']>[1]> = {}) => ({
  pass: n, startedAt: `2026-12-01T10:0${n}:00.000Z`, finishedAt: `2026-12-01T10:0${n}:30.000Z`, seconds: 30, syncSeconds: 20, copied: n, newFolders: 0,
  flagsApplied: 2, destinationKept: 0, sourceDeleted: 1, moved: 0, expunged: 1, deletesApplied: 0, complete: true, errors: [], ...extra,
});

describe.each(allFactories())('dual-run contract: $name', (f) => {
  afterEach(() => f.cleanup());

  async function seeded() {
    const store = await f.open();
    const acct = await store.upsertAccount('alice@old.test', 'alice@new.test');
    const inbox = await addPair(store, acct, 'INBOX', 5);
    const archive = await addPair(store, acct, 'Archive', 2);
    const ids = await copyFirst(store.sync, inbox, 4);
    return { store, acct, inbox, archive, ids };
  }

  describe('state: passes, watermarks, source deletions, kept changes', () => {
    it('keeps passes per invocation, oldest first, with their errors', async () => {
      const s = await f.open();
      await s.dualRun.addPass(1, pass(1));
      await s.dualRun.addPass(2, pass(1, { complete: false, errors: ['INBOX: connection reset'] }));
      await s.dualRun.addPass(2, pass(2));
      expect((await s.dualRun.passes()).map((p) => [p.runId, p.pass, p.complete])).toEqual([[1, 1, true], [2, 1, false], [2, 2, true]]);
      expect((await s.dualRun.passes(2))[0]).toMatchObject({ runId: 2, errors: ['INBOX: connection reset'], copied: 1, expunged: 1, syncSeconds: 20 });
      expect(await s.dualRun.passes(3)).toEqual([]);
    });

    it('keeps one flag watermark per folder, replaced by the next pass', async () => {
      const { store, inbox } = await seeded();
      expect(await store.dualRun.watermark(inbox)).toBeUndefined();
      await store.dualRun.setWatermark(inbox, { uidValidity: 7n, modseq: 42n, exists: 5, uidNext: 6 });
      await store.dualRun.setWatermark(inbox, { uidValidity: 7n, exists: 4, uidNext: 6 });
      expect(await store.dualRun.watermark(inbox)).toEqual({ srcUidvalidity: '7', flagsModseq: null, srcExists: 4, srcUidnext: 6 });
    });

    it('a copied row by source UID; deletions seen on the source leave the live set and the expected count', async () => {
      const { store, inbox, ids } = await seeded();
      const d = store.dualRun;
      expect(await d.copiedRow(inbox, '7', 2)).toEqual({ id: ids[1], srcUid: 2, flags: ['\\Seen'], droppedFlags: [], dstUidvalidity: '9', dstUid: 102 });
      expect(await d.copiedRow(inbox, '7', 5)).toBeUndefined(); // still pending
      expect(await d.expectedOnSource(inbox, '7')).toBe(5);
      await d.markSourceDeleted(inbox, [ids[0]!, ids[2]!]);
      await d.markSourceDeleted(inbox, [ids[0]!]); // seen again: once
      expect(await d.liveCopiedUids(inbox, '7')).toEqual([{ id: ids[1], srcUid: 2 }, { id: ids[3], srcUid: 4 }]);
      expect(await d.expectedOnSource(inbox, '7')).toBe(3);
      expect([await d.sourceDeletedCount(), await d.sourceDeletedCount(inbox), await d.sourceDeletedCount(inbox + 100)]).toEqual([2, 2, 0]);
    });

    it('a kept destination change is remembered until mailshift writes the flags again', async () => {
      const { store, inbox, ids } = await seeded();
      const d = store.dualRun;
      await d.recordKept(inbox, ids[0]!, ['\\Seen'], ['\\Seen', '\\Flagged']);
      await d.recordKept(inbox, ids[0]!, ['\\Seen', '$Work'], ['\\Flagged']);
      await d.recordKept(inbox, ids[1]!, [], ['\\Flagged']);
      expect(await d.keptCount()).toBe(2);
      expect(JSON.parse((await d.keptSourceFlags(ids[0]!))!)).toEqual(['\\Seen', '$Work']);
      await d.recordWritten([{ id: ids[0]!, flags: ['\\Seen', '$Work'], dropped: ['$Work'] }, { id: ids[2]!, flags: [], dropped: [] }]);
      expect(await d.keptSourceFlags(ids[0]!)).toBeUndefined();
      expect(await d.keptCount()).toBe(1);
      expect(await d.copiedRow(inbox, '7', 1)).toMatchObject({ flags: ['\\Seen', '$Work'], droppedFlags: ['$Work'] });
      expect(await d.copiedRow(inbox, '7', 3)).toMatchObject({ flags: [], droppedFlags: [] });
      expect(await store.dualRunActions.keptRow(ids[1]!)).toBe(true);
    });
  });

  describe('actions: intents of moves and deletions', () => {
    const moveOf = (fromPair: number, toPair: number, rowId: number, srcUid: number) => ({
      kind: 'move' as const, messageRowId: rowId, fromPairId: fromPair, fromDstPath: 'INBOX', fromDstUidvalidity: '9', fromDstUid: srcUid + 100, toPairId: toPair,
      toSrcUidvalidity: '7', toSrcUid: 3, toDstPath: 'Archive', toDstUidvalidity: '9', toDstUidnext: 50, method: null, runId: 1,
    });

    it('a move: the intent is open until finished; then the row stands for the message in its new folder, and the listed twin is dropped', async () => {
      const { store, inbox, archive, ids } = await seeded();
      const a = store.dualRunActions;
      // The sync listed UID 3 in Archive before the move step matched it to INBOX UID 1.
      await store.sync.insertListed(archive, 7n, [{ uid: 3, size: 100, flags: [] }]);
      expect((await a.pendingRows(archive)).map((r) => r.srcUid)).toEqual([1, 2, 3]);
      const id = await a.begin(moveOf(inbox, archive, ids[0]!, 1));
      expect((await a.open([inbox])).map((x) => [x.id, x.kind, x.state, x.toSrcUid, x.toDstUid])).toEqual([[id, 'move', 'intent', 3, null]]);
      expect(await a.open([archive])).toEqual([]);
      expect(await a.open([])).toEqual([]);
      const row = (await a.open([inbox]))[0] as ActionRow;
      await a.finishMove(id, row, 50, 'move');
      expect(await a.open([inbox])).toEqual([]);
      expect(await a.row(ids[0]!)).toMatchObject({ folderPairId: archive, srcUid: 3, dstUidvalidity: '9', dstUid: 50, messageId: '<m1@acme.test>' });
      expect((await a.pendingRows(archive)).map((r) => r.srcUid)).toEqual([1, 2]);
      expect((await a.liveRows(archive, '7')).map((r) => r.srcUid)).toEqual([3]);
      expect((await a.liveRows(inbox, '7')).map((r) => r.srcUid)).toEqual([2, 3, 4]);
      expect(await a.counts()).toEqual({ moved: 1, trashed: 0, expunged: 0, declined: 0 });
      expect(await a.tallyByMethod()).toEqual([{ kind: 'move', method: 'move', state: 'done', n: 1 }]);
    });

    it('deletions seen on the source wait for an action; done or declined ones are not offered again, abandoned ones are', async () => {
      const { store, inbox, archive, ids } = await seeded();
      const a = store.dualRunActions;
      await store.dualRun.markSourceDeleted(inbox, [ids[0]!, ids[1]!, ids[2]!]);
      expect((await a.deletedWithoutAction([inbox, archive])).map((r) => r.id)).toEqual([ids[0], ids[1], ids[2]]);
      expect(await a.deletedWithoutAction([])).toEqual([]);
      const base = (rowId: number, uid: number) => ({ messageRowId: rowId, fromPairId: inbox, fromDstPath: 'INBOX', fromDstUidvalidity: '9', fromDstUid: uid });
      const t = await a.begin({ ...base(ids[0]!, 101), kind: 'trash', toPairId: null, toSrcUidvalidity: null, toSrcUid: null, toDstPath: 'Trash', toDstUidvalidity: '3', toDstUidnext: 8, method: null });
      const e = await a.begin({ ...base(ids[1]!, 102), kind: 'expunge', toPairId: null, toSrcUidvalidity: null, toSrcUid: null, toDstPath: null, toDstUidvalidity: null, toDstUidnext: null, method: null });
      await a.decline({ ...base(ids[2]!, 103), kind: 'trash' }, 'the user flagged the copy');
      expect(await a.deletedWithoutAction([inbox])).toEqual([]); // an intent counts as handled
      await a.finishDeletion(t, 'copy-expunge', 8);
      await a.close(e, 'abandoned', 'the copy was already gone');
      expect((await a.deletedWithoutAction([inbox])).map((r) => r.id)).toEqual([ids[1]]);
      expect(await a.tally()).toEqual([
        { kind: 'expunge', state: 'abandoned', n: 1 },
        { kind: 'trash', state: 'declined', n: 1 },
        { kind: 'trash', state: 'done', n: 1 },
      ]);
      expect(await a.tallyByMethod()).toEqual([
        { kind: 'expunge', method: null, state: 'abandoned', n: 1 },
        { kind: 'trash', method: null, state: 'declined', n: 1 },
        { kind: 'trash', method: 'copy-expunge', state: 'done', n: 1 },
      ]);
      expect(await a.counts()).toEqual({ moved: 0, trashed: 1, expunged: 0, declined: 1 });
    });

    it('what a kill leaves: the next process finds the open intent with every field', async () => {
      const { store, inbox, archive, ids } = await seeded();
      const id = await store.dualRunActions.begin(moveOf(inbox, archive, ids[3]!, 4));
      const next = await f.reopen(store);
      expect(await next.dualRunActions.open([inbox, archive])).toEqual([
        { id, kind: 'move', messageRowId: ids[3], fromPairId: inbox, fromDstPath: 'INBOX', fromDstUidvalidity: '9', fromDstUid: 104, toPairId: archive,
          toSrcUidvalidity: '7', toSrcUid: 3, toDstPath: 'Archive', toDstUidvalidity: '9', toDstUidnext: 50, method: null, state: 'intent', toDstUid: null, note: null },
      ]);
      expect(await next.dualRunActions.row(ids[3]!)).toMatchObject({ folderPairId: inbox, srcUid: 4, dstUid: 104, size: 400, internalDate: '2026-01-04T00:00:00.000Z', headerHash: 'h4' });
      expect(await next.dualRunActions.row(99_999)).toBeUndefined();
    });
  });

  describe('health: heartbeat, canaries, alerts', () => {
    it('a new invocation takes the heartbeat over and keeps the last lag; a beat of another run changes nothing', async () => {
      const s = await f.open();
      expect(await s.dualRunHealth.heartbeat()).toBeUndefined();
      await s.dualRunHealth.start({ pid: 10, host: 'h', runId: 1, intervalS: 60 });
      await s.dualRunHealth.beat(1, { lagSeconds: 12, lastPassOk: true, lastPassAt: '2026-12-01T10:00:00.000Z' });
      await s.dualRunHealth.beat(7, { state: 'stopped' });
      expect(await s.dualRunHealth.heartbeat()).toMatchObject({ pid: 10, runId: 1, state: 'running', lagSeconds: 12, lastPassOk: true, lastError: null });
      await s.dualRunHealth.start({ pid: 11, host: 'h', runId: 2, intervalS: 30 });
      expect(await s.dualRunHealth.heartbeat()).toMatchObject({ pid: 11, runId: 2, intervalS: 30, lagSeconds: 12, lastPassOk: null, lastPassAt: null });
      await s.dualRunHealth.beat(2, { lastPassOk: false, lastError: 'login refused', state: 'stopped' });
      await s.dualRunHealth.beat(2, { lastError: null });
      expect(await s.dualRunHealth.heartbeat()).toMatchObject({ lastPassOk: false, lastError: null, state: 'stopped' });
    });

    it('canaries: the newest n in sending order, updated field by field', async () => {
      const s = await f.open();
      const ids: number[] = [];
      for (const i of [1, 2, 3]) ids.push(await s.dualRunHealth.addCanary({ token: `t${i}`, recipient: 'canary@acme.test', mxHost: 'mx.old.test', side: 'source' }));
      await s.dualRunHealth.updateCanary(ids[1]!, { state: 'copied', deliveryS: 2.5, lagS: 40, cleaned: true });
      await s.dualRunHealth.updateCanary(ids[1]!, {});
      expect((await s.dualRunHealth.canaries(2)).map((c) => [c.token, c.state, c.deliveryS, c.lagS, c.cleaned, c.error])).toEqual([
        ['t2', 'copied', 2.5, 40, true, null],
        ['t3', 'sent', null, null, false, null],
      ]);
      expect((await s.dualRunHealth.canaries()).map((c) => c.id)).toEqual(ids);
    });

    it("a canary's rows are forgotten (and where its copies were is returned); copiedAt sees forward copies only", async () => {
      const { store, inbox, acct } = await seeded();
      const h = store.dualRunHealth;
      expect(await h.copiedAt('<m2@acme.test>')).toBeDefined();
      expect(await h.copiedAt('<m5@acme.test>')).toBeUndefined(); // pending
      const back = await addPair(store, acct, 'Sent', 0, 'reverse');
      await store.sync.insertListed(back, 7n, [{ uid: 1, size: 1, flags: [], messageId: '<m2@acme.test>' }]);
      await store.dualRun.markSourceDeleted(inbox, [(await store.sync.messages(inbox, '7'))[1]!.id]);
      const gone = await h.forgetCanaryRows('<m2@acme.test>');
      expect(gone).toHaveLength(1);
      expect(gone[0]).toMatchObject({ destinationPath: 'INBOX', dstUidvalidity: '9', dstUid: 102 });
      expect(await h.copiedAt('<m2@acme.test>')).toBeUndefined();
      expect(await store.dualRun.sourceDeletedCount()).toBe(0);
      expect((await store.sync.messages(inbox, '7')).map((m) => m.srcUid)).toEqual([1, 3, 4, 5]);
      expect(await store.sync.messages(back, '7')).toHaveLength(1); // the reverse row stays
      expect(await h.forgetCanaryRows('<m5@acme.test>')).toEqual([]); // pending: dropped, nothing to clean
      expect((await store.sync.messages(inbox, '7')).map((m) => m.srcUid)).toEqual([1, 3, 4]);
    });

    it('alerts: the last one per key, and the newest n in order', async () => {
      const s = await f.open();
      await s.dualRunHealth.addAlert({ key: 'lag', level: 'warn', message: 'one', results: { webhook: 'ok' } });
      await s.dualRunHealth.addAlert({ key: 'login', level: 'error', message: 'two', results: {} });
      await s.dualRunHealth.addAlert({ key: 'lag', level: 'ok', message: 'three', results: { webhook: '500' } });
      expect(await s.dualRunHealth.lastAlert('lag')).toMatchObject({ message: 'three', results: { webhook: '500' } });
      expect(await s.dualRunHealth.lastAlert('none')).toBeUndefined();
      expect((await s.dualRunHealth.alerts(2)).map((a) => a.message)).toEqual(['two', 'three']);
    });
  });
});
