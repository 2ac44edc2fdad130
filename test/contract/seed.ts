import type { CopyCheckpoints, JobStore, ListedMessage } from '../../src/store/contract/index.js';

// Shared set-up of the contract suites: a store with one account and its folders listed.

export const listed = (uids: number[], extra: Partial<ListedMessage> = {}): ListedMessage[] =>
  uids.map((uid) => ({ uid, size: 100 * uid, flags: ['\\Seen'], messageId: `<m${uid}@acme.test>`, headerHash: `h${uid}`, internalDate: new Date(Date.UTC(2026, 0, uid)), ...extra }));

/** Adds a forward pair listed with UIDs 1..n under UIDVALIDITY 7 (destination UIDVALIDITY 9). */
export function addPair(store: JobStore, accountId: number, path: string, n: number, direction: 'forward' | 'reverse' = 'forward'): number {
  const fp = store.sync.upsertFolderPair({ accountId, direction, sourcePath: path, destinationPath: path, sourceLogical: path, destinationLogical: path, state: 'active', notes: [] });
  store.sync.insertListed(fp, 7n, listed(Array.from({ length: n }, (_, i) => i + 1)));
  store.sync.setSourceWatermark(fp, { uidValidity: 7n, uidNext: n + 1, listedUid: n });
  store.sync.setDestinationState(fp, 9n, 1);
  return fp;
}

/** Copies the first `k` listed messages of a pair (destination UID = source UID + 100). */
export function copyFirst(sync: CopyCheckpoints, fpId: number, k: number): number[] {
  const rows = sync.messages(fpId, '7', ['pending']).slice(0, k);
  const batch = sync.beginBatch(fpId, { uidValidity: 9n, uidNext: 1 }, rows.map((m) => ({ id: m.id, messageId: m.messageId ?? undefined, headerHash: m.headerHash!, flags: m.flags })));
  sync.finishBatch(batch, 9n, rows.map((m) => ({ id: m.id, dstUid: m.srcUid + 100 })));
  return rows.map((m) => m.id);
}
