import { afterEach, describe, expect, it } from 'vitest';
import type { AsyncJobStore, MessageRow } from '../../src/store/contract/index.js';
import { allFactories } from './factory.js';
import { listed } from './seed.js';

// The copy's multi-row writes at the sizes the copier gives them (a batch of 1, a full batch,
// a whole folder): SQLite writes some of them as one set-based statement (json_each, which has
// no host-parameter limit), others row by row. Whatever the shape, every implementation must
// record exactly these rows.

const SIZES = [1, 2, 500, 5000];

describe.each(allFactories())('store contract, batch sizes: $name', (f) => {
  afterEach(() => f.cleanup());

  async function seeded(n: number): Promise<{ store: AsyncJobStore; fp: number; rows: MessageRow[] }> {
    const store = await f.open();
    const acct = await store.upsertAccount('alice@old.test', 'alice@new.test');
    const fp = await store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    await store.sync.insertListed(fp, 7n, listed(Array.from({ length: n }, (_, i) => i + 1), { flags: [] }).map((m, i) => ({ ...m, flags: i % 3 ? ['\\Seen'] : [] })));
    return { store, fp, rows: await store.sync.messages(fp, '7') };
  }
  const intent = (rows: MessageRow[]) => rows.map((m) => ({ id: m.id, messageId: `<n${m.srcUid}@acme.test>`, headerHash: `x${m.srcUid}`, flags: m.srcUid % 2 ? ['\\Seen', '$Work'] : [] }));
  const cols = (m: MessageRow) => [m.srcUid, m.state, m.batchId, m.dstUidvalidity, m.dstUid, m.attempts, m.lastError, m.messageId, m.headerHash, m.flags];

  it.each(SIZES)('a batch of %i: intent, then APPENDUID in order -> every row copied with first + n', async (n) => {
    const { store, fp, rows } = await seeded(n);
    expect(rows.map((m) => m.flags)).toEqual(rows.map((m) => (m.srcUid % 3 === 1 ? [] : ['\\Seen'])));
    const batch = await store.sync.beginBatch(fp, { uidValidity: 9n, uidNext: 40 }, intent(rows));
    await store.sync.finishBatch(batch, 9n, rows.map((m, i) => ({ id: m.id, dstUid: 40 + i, droppedFlags: [] })));
    expect((await store.sync.messages(fp, '7')).map(cols)).toEqual(
      rows.map((m, i) => [m.srcUid, 'copied', batch, '9', 40 + i, 1, null, `<n${m.srcUid}@acme.test>`, `x${m.srcUid}`, m.srcUid % 2 ? ['\\Seen', '$Work'] : []]),
    );
    expect(await store.sync.openBatches(fp)).toEqual([]);
    expect(await store.sync.droppedFlags(fp)).toEqual([]);
    expect(await store.sync.copiedTotals()).toEqual({ copied: n, withoutDstUid: 0 });
  });

  it.each(SIZES)('a batch of %i without APPENDUID: copied, no destination UIDs', async (n) => {
    const { store, fp, rows } = await seeded(n);
    const batch = await store.sync.beginBatch(fp, {}, intent(rows));
    await store.sync.finishBatch(batch, undefined, rows.map((m) => ({ id: m.id })));
    expect((await store.sync.messages(fp, '7')).map((m) => [m.state, m.dstUidvalidity, m.dstUid, m.lastError])).toEqual(rows.map(() => ['copied', null, null, null]));
    expect(await store.sync.copiedTotals()).toEqual({ copied: n, withoutDstUid: n });
  });

  it.each(SIZES)('a batch of %i with UIDs out of order, dropped flags and reasons: each row as given', async (n) => {
    const { store, fp, rows } = await seeded(n);
    const batch = await store.sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, intent(rows));
    // Reversed UIDs, and every 7th message lost a keyword (the last one always, so even 1 and 2 differ from the plain case).
    const lost = (i: number) => i % 7 === 6 || i === n - 1;
    await store.sync.finishBatch(
      batch,
      9n,
      rows.map((m, i) => ({ id: m.id, dstUid: 10 * (n - i), ...(lost(i) ? { droppedFlags: ['$Work'], reason: 'keyword $Work dropped' } : {}) })),
    );
    expect((await store.sync.messages(fp, '7')).map((m) => [m.state, m.dstUid, m.lastError])).toEqual(rows.map((_, i) => ['copied', 10 * (n - i), lost(i) ? 'keyword $Work dropped' : null]));
    expect(await store.sync.droppedFlags(fp)).toEqual(rows.filter((_, i) => lost(i)).map((m) => ({ srcUid: m.srcUid, flags: ['$Work'] })));
  });

  it.each(SIZES)('%i ids at once: setMessageState and a reconciled batch record every one of them', async (n) => {
    const { store, fp, rows } = await seeded(n);
    const half = rows.filter((_, i) => i % 2 === 0);
    await store.sync.setMessageState(half.map((m) => m.id), 'gone', 'deleted on the source before it was copied');
    const rest = rows.filter((_, i) => i % 2 === 1);
    const listedStates = (await store.sync.messages(fp, '7')).map((m) => [m.srcUid, m.state, m.lastError, m.batchId]);
    expect(listedStates).toEqual(rows.map((m, i) => [m.srcUid, ...(i % 2 === 0 ? ['gone', 'deleted on the source before it was copied'] : ['pending', null]), null]));
    if (!rest.length) return;
    // A batch left in flight: the first is found on the destination, the others go back to pending.
    const batch = await store.sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, intent(rest));
    await store.sync.resolveBatch(batch, 9n, [{ id: rest[0]!.id, dstUid: 5 }], rest.slice(1).map((m) => m.id));
    expect((await store.sync.messages(fp, '7', ['copied', 'pending'])).map((m) => [m.srcUid, m.state, m.batchId, m.dstUid, m.attempts])).toEqual(
      rest.map((m, i) => [m.srcUid, i === 0 ? 'copied' : 'pending', i === 0 ? batch : null, i === 0 ? 5 : null, 1]),
    );
    expect(await store.sync.openBatches(fp)).toEqual([]);
    expect(await store.sync.countOpen(fp, '7')).toBe(rest.length - 1);
  });

  it('an empty list writes nothing, and ids not in the store are passed over', async () => {
    const { store, fp, rows } = await seeded(3);
    await store.sync.setMessageState([], 'failed', 'x');
    await store.sync.setMessageState([rows[0]!.id, 999_999, rows[2]!.id], 'skipped', 'too large');
    expect((await store.sync.messages(fp, '7')).map((m) => [m.state, m.lastError])).toEqual([
      ['skipped', 'too large'],
      ['pending', null],
      ['skipped', 'too large'],
    ]);
  });

  it('a message row handed out is the caller\'s own: changing its flags changes nothing stored or read later', async () => {
    const { store, fp } = await seeded(4);
    const first = await store.sync.messages(fp, '7');
    for (const m of first) m.flags.push('$Changed');
    expect((await store.sync.messages(fp, '7')).map((m) => m.flags)).toEqual([[], ['\\Seen'], ['\\Seen'], []]);
  });
});
