import type { CopyCheckpoints, MessageRow, OpenBatch } from '../store/contract/copy.js';
import type { AsyncOf } from '../store/contract/async.js';
import { matchMultiset, type Candidate } from './identity.js';

// What the copier decides about batches left in flight (a crash, a dropped connection) before
// anything is retried: which destination UIDs to look at, and which of each batch's messages are
// already there (-> copied, with the UID found) or not (-> pending, to be appended again).
// Decisions on the store contract, with no IMAP (only the one reconciling worker of a folder runs them, so
// the claimed UIDs read first cannot change before its batches are resolved): folder.ts does the scan.

/** A destination message's identity, as scanned (headers only). */
export interface ScannedMessage {
  uid: number;
  messageId?: string;
  headerHash: string;
  internalDate?: Date;
  size?: number;
}

export const rowCand = (r: MessageRow): Candidate<MessageRow> => ({ messageId: r.messageId, internalDate: r.internalDate, headerHash: r.headerHash, size: r.size, item: r });
export const scannedCand = <D extends ScannedMessage>(d: D): Candidate<D> => ({ messageId: d.messageId ?? null, internalDate: d.internalDate, headerHash: d.headerHash, size: d.size, item: d });

/** The lowest UID a batch's messages can have landed at: its recorded UIDNEXT, when still valid. */
function lowestUid(b: OpenBatch, uidValidity: bigint): number {
  return b.dstUidvalidity === String(uidValidity) && b.dstUidnextBefore ? b.dstUidnextBefore : 1;
}

/** Where the destination scan starts for these open batches. */
export function scanFrom(open: OpenBatch[], uidValidity: bigint): number {
  return Math.min(...open.map((b) => lowestUid(b, uidValidity)));
}

export interface BatchOutcome {
  batch: number;
  found: number;
  missing: number;
}

/**
 * Resolves every open batch of a pair against the destination messages scanned from
 * `scanFrom(open)`: UIDs already claimed by copied rows are never taken again, each scanned
 * message is used by one batch at most (multiset matching by identity), and each batch's outcome
 * is recorded in one transaction.
 */
export async function resolveOpenBatches(store: AsyncOf<CopyCheckpoints>, fpId: number, open: OpenBatch[], uidValidity: bigint, scanned: ScannedMessage[]): Promise<BatchOutcome[]> {
  if (!open.length) return [];
  const claimed = await store.claimedDestinationUids(fpId, String(uidValidity), scanFrom(open, uidValidity));
  let pool = scanned.filter((d) => !claimed.has(d.uid));
  const out: BatchOutcome[] = [];
  for (const b of open) {
    const lo = lowestUid(b, uidValidity);
    const { pairs, unmatched } = matchMultiset(b.messages.map(rowCand), pool.filter((d) => d.uid >= lo).map(scannedCand));
    const used = new Set(pairs.map(([, d]) => d.uid));
    pool = pool.filter((d) => !used.has(d.uid));
    await store.resolveBatch(b.id, uidValidity, pairs.map(([r, d]) => ({ id: r.id, dstUid: d.uid })), unmatched.map((r) => r.id));
    out.push({ batch: b.id, found: pairs.length, missing: unmatched.length });
  }
  return out;
}
