import { describe, expect, it } from 'vitest';
import { asyncView } from '../../src/store/contract/async.js';
import { resolveOpenBatches, scanFrom, type ScannedMessage } from '../../src/copier/reconcile.js';
import type { CopyCheckpoints, JobStore } from '../../src/store/contract/index.js';
import { openMemoryStore, type MemoryStore } from '../../src/store/memory/index.js';

// The copier's exactly-once state machine on the memory store, no server: intent -> APPEND ->
// result, with a crash or a cut at each point, then the next process reconciling the open
// batches with the copier's own decisions (src/copier/reconcile.ts) before copying again.
// The destination folder is plain data here (what a UID FETCH of its headers would return).
// Each test must finish within a second.

const UV = 7n;
const DST_UV = 9n;
const FAST = 1000;

class Folder {
  readonly messages: ScannedMessage[] = [];
  uidNext = 1;
  store(m: Omit<ScannedMessage, 'uid'>): number {
    const uid = this.uidNext++;
    this.messages.push({ uid, ...m });
    return uid;
  }
  /** The headers scan the copier makes: UIDs at or above `from`. */
  scan(from: number): ScannedMessage[] {
    return this.messages.filter((m) => m.uid >= from).map((m) => ({ ...m }));
  }
}

class Killed extends Error {}

interface World {
  store: MemoryStore;
  fp: number;
  dst: Folder;
}

/** n source messages listed; `twins` of them identical to each other (same identity). */
function world(n: number, opts: { twins?: number; onDurable?: () => Promise<void> } = {}): World {
  const store = openMemoryStore({ onDurable: opts.onDurable });
  const acct = store.upsertAccount('alice@old.test', 'alice@new.test');
  const fp = store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
  const twins = opts.twins ?? 0;
  store.sync.insertListed(
    fp,
    UV,
    Array.from({ length: n }, (_, i) => {
      const k = i < twins ? 0 : i;
      return { uid: i + 1, size: 1000 + k, flags: [], messageId: `<m${k}@acme.test>`, headerHash: `h${k}`, internalDate: new Date(Date.UTC(2026, 0, 1 + k)) };
    }),
  );
  store.sync.setSourceWatermark(fp, { uidValidity: UV, uidNext: n + 1, listedUid: n });
  return { store, fp, dst: new Folder() };
}

const identity = (m: { messageId: string | null; headerHash: string | null; internalDate: string | null; size: number }) => ({
  messageId: m.messageId ?? undefined,
  headerHash: m.headerHash!,
  internalDate: m.internalDate ? new Date(m.internalDate) : undefined,
  size: m.size,
});

type Fault = 'before-append' | 'before-result' | { cutAfter: number } | { refuse: 'NO' | 'quota' };

/**
 * One batch, the way writeBatch drives the store: the intent (beginBatch), durable(), the
 * APPEND, then the result. A fault stops it where a kill or a dropped connection would.
 */
async function appendBatch(sync: CopyCheckpoints, w: World, ids: number[], fault?: Fault): Promise<void> {
  const rows = sync.messages(w.fp, String(UV)).filter((m) => ids.includes(m.id));
  const batch = sync.beginBatch(w.fp, { uidValidity: DST_UV, uidNext: w.dst.uidNext }, rows.map((r) => ({ id: r.id, messageId: r.messageId ?? undefined, headerHash: r.headerHash!, flags: r.flags })));
  await sync.durable();
  if (fault === 'before-append') throw new Killed('killed after the intent, before the APPEND');
  if (typeof fault === 'object' && 'refuse' in fault) {
    // A tagged NO: MULTIAPPEND is all or nothing, nothing was stored.
    sync.failBatch(batch, fault.refuse === 'quota' ? 'NO [OVERQUOTA] mailbox full' : 'NO message refused');
    return;
  }
  const uids: number[] = [];
  for (const [i, r] of rows.entries()) {
    if (typeof fault === 'object' && 'cutAfter' in fault && i === fault.cutAfter) throw new Killed(`connection cut after ${i} APPENDs`);
    uids.push(w.dst.store(identity(r)));
  }
  if (fault === 'before-result') throw new Killed('killed after the APPEND, before APPENDUID was recorded');
  sync.finishBatch(batch, DST_UV, rows.map((r, i) => ({ id: r.id, dstUid: uids[i] })));
}

/** A new process (or a new session): reconcile what is in flight, as syncFolder does first. */
async function reconcile(store: JobStore, w: World) {
  const open = store.sync.openBatches(w.fp);
  if (!open.length) return [];
  return await resolveOpenBatches(asyncView(store.sync), w.fp, open, DST_UV, w.dst.scan(scanFrom(open, DST_UV)));
}

/** Copies whatever is pending, in batches of `size`. */
async function copyPending(store: JobStore, w: World, size = 3): Promise<void> {
  const pending = store.sync.messages(w.fp, String(UV), ['pending']).map((m) => m.id);
  for (let i = 0; i < pending.length; i += size) await appendBatch(store.sync, w, pending.slice(i, i + size));
}

/** Exactly once: every source message copied, to a UID of its own that holds its identity. */
function expectExactlyOnce(store: JobStore, w: World, n: number): void {
  const rows = store.sync.messages(w.fp, String(UV));
  expect(rows.map((r) => r.state)).toEqual(Array(n).fill('copied'));
  expect(w.dst.messages).toHaveLength(n);
  const uids = rows.map((r) => r.dstUid);
  expect(new Set(uids).size).toBe(n);
  for (const r of rows) {
    const there = w.dst.messages.find((m) => m.uid === r.dstUid)!;
    expect(there.headerHash).toBe(r.headerHash);
  }
  expect(store.sync.openBatches(w.fp)).toEqual([]);
  expect(store.sync.inFlight()).toEqual({ copying: 0, openBatches: 0 });
}

describe('copier state machine (memory store)', () => {
  it('crash between the intent and the APPEND: nothing is on the destination, the batch goes back to pending and is copied once', async () => {
    const w = world(6);
    await appendBatch(w.store.sync, w, [1, 2, 3]);
    await expect(appendBatch(w.store.sync, w, [4, 5, 6], 'before-append')).rejects.toThrow(Killed);
    const next = openMemoryStore({ data: w.store.data });
    expect(next.sync.countOpen(w.fp, String(UV))).toBe(3);
    expect(await reconcile(next, w)).toEqual([{ batch: 2, found: 0, missing: 3 }]);
    expect(next.sync.messages(w.fp, String(UV), ['pending']).map((m) => m.srcUid)).toEqual([4, 5, 6]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 6);
  }, FAST);

  it('a kill at the fsync point itself (durable() never returns) leaves the same open intent', async () => {
    let armed = true;
    const w = world(2, { onDurable: async () => {
      if (armed) throw new Killed('killed in the fsync');
    } });
    await expect(appendBatch(w.store.sync, w, [1, 2])).rejects.toThrow(Killed);
    armed = false;
    const next = openMemoryStore({ data: w.store.data });
    expect(next.sync.openBatches(w.fp).map((b) => b.messages.length)).toEqual([2]);
    expect(await reconcile(next, w)).toEqual([{ batch: 1, found: 0, missing: 2 }]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 2);
  }, FAST);

  it('crash between the APPEND and the APPENDUID record: the messages are found by identity, recorded with their UIDs, not appended again', async () => {
    const w = world(5);
    await appendBatch(w.store.sync, w, [1, 2]);
    await expect(appendBatch(w.store.sync, w, [3, 4, 5], 'before-result')).rejects.toThrow(Killed);
    expect(w.dst.messages).toHaveLength(5);
    const next = openMemoryStore({ data: w.store.data });
    expect(await reconcile(next, w)).toEqual([{ batch: 2, found: 3, missing: 0 }]);
    expect(next.sync.messages(w.fp, String(UV)).map((m) => [m.srcUid, m.state, m.dstUid])).toEqual([
      [1, 'copied', 1],
      [2, 'copied', 2],
      [3, 'copied', 3],
      [4, 'copied', 4],
      [5, 'copied', 5],
    ]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 5);
  }, FAST);

  it('identical messages: a copy already claimed by an earlier batch is never taken for the one in flight', async () => {
    // Messages 1 and 2 are byte-identical twins; 1 went out and was recorded, 2's batch was killed
    // before the APPEND. The destination's copy of 1 must not be mistaken for 2.
    const w = world(3, { twins: 2 });
    await appendBatch(w.store.sync, w, [1]);
    await expect(appendBatch(w.store.sync, w, [2, 3], 'before-append')).rejects.toThrow(Killed);
    const next = openMemoryStore({ data: w.store.data });
    // The intent's UIDNEXT already excludes UID 1; with the scan from 1 (UIDVALIDITY unknown) the claim does.
    expect(await reconcile(next, w)).toEqual([{ batch: 2, found: 0, missing: 2 }]);
    next.sync.insertListed(w.fp, UV, []);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 3);
    // And when the intent has no usable UIDNEXT, the claimed UIDs alone keep it apart.
    const v = world(2, { twins: 2 });
    await appendBatch(v.store.sync, v, [1]);
    const open = v.store.sync.beginBatch(v.fp, {}, [v.store.sync.messages(v.fp, String(UV))[1]!].map((r) => ({ id: r.id, messageId: r.messageId ?? undefined, headerHash: r.headerHash!, flags: [] })));
    expect(scanFrom(v.store.sync.openBatches(v.fp), DST_UV)).toBe(1);
    expect(await reconcile(v.store, v)).toEqual([{ batch: open, found: 0, missing: 1 }]);
  }, FAST);

  it('of two identical messages in flight, only as many as arrived are adopted (multiset)', async () => {
    const w = world(3, { twins: 3 });
    await expect(appendBatch(w.store.sync, w, [1, 2, 3], { cutAfter: 2 })).rejects.toThrow(Killed);
    expect(w.dst.messages).toHaveLength(2);
    const next = openMemoryStore({ data: w.store.data });
    expect(await reconcile(next, w)).toEqual([{ batch: 1, found: 2, missing: 1 }]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 3);
  }, FAST);

  it('a batch answered NO: nothing was stored, its messages are pending again and go out one by one; a permanent refusal is recorded and retried on the next run', async () => {
    const w = world(4);
    await appendBatch(w.store.sync, w, [1, 2, 3, 4], { refuse: 'NO' });
    const sync = w.store.sync;
    expect(sync.openBatches(w.fp)).toEqual([]);
    expect(sync.messages(w.fp, String(UV)).map((m) => [m.state, m.attempts])).toEqual(Array(4).fill(['pending', 1]));
    // One by one: message 3 is the one the server refuses.
    const three = sync.messages(w.fp, String(UV)).find((m) => m.srcUid === 3)!;
    for (const id of [1, 2, 4]) await appendBatch(sync, w, [id]);
    // Alone, it is refused again: recorded as failed with the server's reason (writeBatch's last step).
    await appendBatch(sync, w, [three.id], { refuse: 'NO' });
    sync.setMessageState([three.id], 'failed', 'refused by the destination: NO message refused');
    expect(sync.folderCounts(w.fp)).toMatchObject({ copied: 3, failed: 1, pending: 0, reasons: [{ state: 'failed', reason: 'refused by the destination: NO message refused', count: 1 }] });
    // The next run tries the refused one again (the server may take it now).
    const next = openMemoryStore({ data: w.store.data });
    expect(next.sync.retryFailed(w.fp)).toBe(1);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 4);
    expect(next.sync.messages(w.fp, String(UV)).find((m) => m.srcUid === 3)!.attempts).toBe(3);
  }, FAST);

  it('a batch answered NO [OVERQUOTA]: nothing stored, nothing lost, the account resumes later', async () => {
    const w = world(3);
    await appendBatch(w.store.sync, w, [1, 2, 3], { refuse: 'quota' });
    expect(w.dst.messages).toHaveLength(0);
    expect(w.store.sync.folderCounts(w.fp)).toMatchObject({ found: 3, pending: 3, copied: 0 });
    const next = openMemoryStore({ data: w.store.data });
    expect(await reconcile(next, w)).toEqual([]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 3);
  }, FAST);

  it('a reconnect mid-batch (pipelined APPENDs cut after some were stored): the new session keeps those, appends only the rest', async () => {
    const w = world(7);
    await appendBatch(w.store.sync, w, [1, 2, 3]);
    await expect(appendBatch(w.store.sync, w, [4, 5, 6, 7], { cutAfter: 2 })).rejects.toThrow(Killed);
    // Same process, new session: the retry reconciles before anything else.
    expect(await reconcile(w.store, w)).toEqual([{ batch: 2, found: 2, missing: 2 }]);
    expect(w.store.sync.messages(w.fp, String(UV)).map((m) => [m.srcUid, m.state])).toEqual([
      [1, 'copied'],
      [2, 'copied'],
      [3, 'copied'],
      [4, 'copied'],
      [5, 'copied'],
      [6, 'pending'],
      [7, 'pending'],
    ]);
    await copyPending(w.store, w);
    expectExactlyOnce(w.store, w, 7);
  }, FAST);

  it('two batches in flight at a crash: each destination copy is used once, by the batch it belongs to', async () => {
    const w = world(6);
    const sync = w.store.sync;
    await expect(appendBatch(sync, w, [1, 2, 3], 'before-result')).rejects.toThrow(Killed);
    await expect(appendBatch(sync, w, [4, 5, 6], { cutAfter: 1 })).rejects.toThrow(Killed);
    const next = openMemoryStore({ data: w.store.data });
    expect(await reconcile(next, w)).toEqual([
      { batch: 1, found: 3, missing: 0 },
      { batch: 2, found: 1, missing: 2 },
    ]);
    await copyPending(next, w);
    expectExactlyOnce(next, w, 6);
  }, FAST);

  it('the destination folder re-created between the crash and the retry: the recorded UIDNEXT no longer applies, the whole folder is scanned', async () => {
    const w = world(2);
    await expect(appendBatch(w.store.sync, w, [1, 2], 'before-result')).rejects.toThrow(Killed);
    const open = w.store.sync.openBatches(w.fp);
    expect(scanFrom(open, DST_UV)).toBe(1);
    expect(scanFrom(open, 99n)).toBe(1);
    const moved = world(0).dst;
    for (const { uid: _old, ...m } of w.dst.messages) moved.store(m);
    const next = openMemoryStore({ data: w.store.data });
    const res = await resolveOpenBatches(asyncView(next.sync), w.fp, open, 99n, moved.scan(scanFrom(open, 99n)));
    expect(res).toEqual([{ batch: 1, found: 2, missing: 0 }]);
    expect(next.sync.messages(w.fp, String(UV)).map((m) => [m.state, m.dstUidvalidity])).toEqual([
      ['copied', '99'],
      ['copied', '99'],
    ]);
  }, FAST);
});
