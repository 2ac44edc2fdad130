import type { AsyncJobStore, AsyncOf, CopyCheckpoints, ListedMessage } from '../../src/store/contract/index.js';

// Shared set-up of the contract suites: a store with one account and its folders listed.

export const listed = (uids: number[], extra: Partial<ListedMessage> = {}): ListedMessage[] =>
  uids.map((uid) => ({ uid, size: 100 * uid, flags: ['\\Seen'], messageId: `<m${uid}@acme.test>`, headerHash: `h${uid}`, internalDate: new Date(Date.UTC(2026, 0, uid)), ...extra }));

/** Adds a forward pair listed with UIDs 1..n under UIDVALIDITY 7 (destination UIDVALIDITY 9). */
export async function addPair(store: AsyncJobStore, accountId: number, path: string, n: number, direction: 'forward' | 'reverse' = 'forward'): Promise<number> {
  const fp = await store.sync.upsertFolderPair({ accountId, direction, sourcePath: path, destinationPath: path, sourceLogical: path, destinationLogical: path, state: 'active', notes: [] });
  await store.sync.insertListed(fp, 7n, listed(Array.from({ length: n }, (_, i) => i + 1)));
  await store.sync.setSourceWatermark(fp, { uidValidity: 7n, uidNext: n + 1, listedUid: n });
  await store.sync.setDestinationState(fp, 9n, 1);
  return fp;
}

/** Copies the first `k` listed messages of a pair (destination UID = source UID + 100). */
export async function copyFirst(sync: AsyncOf<CopyCheckpoints>, fpId: number, k: number): Promise<number[]> {
  const rows = (await sync.messages(fpId, '7', ['pending'])).slice(0, k);
  const batch = await sync.beginBatch(fpId, { uidValidity: 9n, uidNext: 1 }, rows.map((m) => ({ id: m.id, messageId: m.messageId ?? undefined, headerHash: m.headerHash!, flags: m.flags })));
  await sync.finishBatch(batch, 9n, rows.map((m) => ({ id: m.id, dstUid: m.srcUid + 100 })));
  return rows.map((m) => m.id);
}
