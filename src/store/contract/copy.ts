import type { Direction, FolderCounts, FolderPairRow, ListedMessage, MessageRow, MessageState, OpenBatch } from '../sync-store.js';

// The copy's checkpoints (sync and rollback alike): folder pairs with their watermarks, one row
// per source message, and the append batches whose intent is written before the APPEND. The
// exactly-once guarantee rests on these transitions, each atomic:
//   listed -> pending --beginBatch--> copying --finishBatch--> copied
//                                     copying --failBatch----> pending | skipped | failed
//                                     copying --resolveBatch-> copied (found) | pending (missing)
//   failed --retryFailed--> pending
// Tables: folder_pairs, messages, append_batches.

export type { Direction, FolderCounts, FolderPairRow, ListedMessage, MessageRow, MessageState, OpenBatch };

/** A folder pair as the sync plans it (what upsertFolderPair writes). */
export interface FolderPairInput {
  accountId: number;
  direction: Direction;
  sourcePath: string;
  destinationPath: string;
  sourceLogical: string;
  destinationLogical: string;
  specialUse?: string;
  state: 'active' | 'excluded';
  notes: string[];
  /** MESSAGES from the folder listing (kept as it was when the listing gave none). */
  sourceMessages?: number;
}

export interface CopyCheckpoints {
  upsertFolderPair(p: FolderPairInput): number;
  folderPair(id: number): FolderPairRow;
  folderPairs(accountId?: number, direction?: Direction): FolderPairRow[];
  /** Folders no longer on the source keep their rows (what was copied stays copied). */
  markFolderGone(id: number): void;
  setSourceWatermark(id: number, w: {
    uidValidity: bigint;
    uidNext: number;
    highestModseq?: bigint;
    listedUid: number;
  }): void;
  /** Whether the destination folder was already indexed for adoption (done once per pair). */
  adoptChecked(id: number): boolean;
  /**
   * Messages found already in the destination folder: copied, with their destination UIDs,
   * marked adopted; and the pair marked as indexed. One transaction.
   */
  adopt(fpId: number, dstUidvalidity: bigint, found: {
    id: number;
    dstUid: number;
    messageId?: string;
    headerHash: string;
  }[]): void;
  setDestinationState(id: number, uidValidity: bigint, uidNext: number): void;
  /** Records newly listed source messages (idempotent: a UID already known is left alone). */
  insertListed(fpId: number, srcUidvalidity: bigint, rows: ListedMessage[]): void;
  messages(fpId: number, srcUidvalidity: string, states?: MessageState[]): MessageRow[];
  /** Rows of other source UIDVALIDITY generations (for re-identification after a change). */
  messagesNotOf(fpId: number, srcUidvalidity: string): MessageRow[];
  countOpen(fpId: number, srcUidvalidity: string): number;
  setMessageState(ids: number[], state: MessageState, reason: string | null): void;
  /** A new run tries again what the destination refused last time (skipped stays skipped). */
  retryFailed(fpId: number): number;
  /** Old-generation rows proven to be these new source UIDs (same message, new UIDVALIDITY). */
  rebindSource(pairs: {
    id: number;
    uid: number;
  }[], srcUidvalidity: bigint): void;
  /** Drops bookkeeping rows of an old source generation that were never copied. */
  forgetUncopied(fpId: number, srcUidvalidity: string): void;
  /** Destination UIDs already accounted for by copied rows of this pair, at or above `fromUid`. */
  claimedDestinationUids(fpId: number, dstUidvalidity: string, fromUid: number): Set<number>;
  /** The pair that copies the other way between the same two folders (forward <-> rollback). */
  oppositePair(fp: FolderPairRow): FolderPairRow | undefined;
  /**
   * Messages of this pair's source folder that the opposite direction put there (a rollback's
   * reverse copy, or a forward copy seen by a reverse run), by the UIDs its APPENDUID returned:
   * UID here -> the message it is a copy of, in the folder this pair copies to. Only when the
   * opposite pair joins the same two folders.
   */
  oppositeCopies(fp: FolderPairRow, uidValidity: bigint, fromUid: number): Map<number, {
    uid: number;
    uidValidity: string;
  }>;
  /** Copied rows re-found on the destination (after a destination UIDVALIDITY change). */
  rebindDestination(pairs: {
    id: number;
    dstUid: number;
  }[], dstUidvalidity: bigint): void;
  /**
   * The intent, committed before the APPEND is sent: the batch with the destination folder's
   * UIDVALIDITY and UIDNEXT, and every message 'copying' with its identity.
   */
  beginBatch(fpId: number, dst: {
    uidValidity?: bigint;
    uidNext?: number;
  }, msgs: {
    id: number;
    messageId?: string;
    headerHash: string;
    flags: string[];
  }[]): number;
  /**
   * Waits until every commit so far is on disk (the WAL fsynced), without blocking the event
   * loop as synchronous=FULL would. The copier calls it between the intent and the APPEND: an
   * intent lost in a power cut would let a batch that did reach the server be copied again.
   */
  durable(): Promise<void>;
  /** After the tagged OK: destination UIDs (when the server sent APPENDUID) and 'copied'. */
  finishBatch(batchId: number, dstUidvalidity: bigint | undefined, results: {
    id: number;
    dstUid?: number;
    droppedFlags?: string[];
    reason?: string;
  }[]): void;
  /** The server refused the whole command (nothing was stored): its messages are free again. */
  failBatch(batchId: number, error: string, next?: {
    state: MessageState;
    reason: string | null;
  }): void;
  /** Batches sent but never confirmed (a crash or a dropped connection): reconcile before retrying. */
  openBatches(fpId: number): OpenBatch[];
  /** Reconciliation outcome of one open batch, in one transaction. */
  resolveBatch(batchId: number, dstUidvalidity: bigint | undefined, found: {
    id: number;
    dstUid: number;
  }[], missing: number[]): void;
  folderCounts(fpId: number): FolderCounts;
  /** Job-wide: what a crash or a dropped connection left in flight (0 and 0 after a clean stop). */
  inFlight(): {
    copying: number;
    openBatches: number;
  };
  /** Job-wide, one direction: messages copied, and of them those with no destination UID recorded. */
  copiedTotals(direction?: Direction): {
    copied: number;
    withoutDstUid: number;
  };
  /** Messages whose flags the destination would not take: source UID and the flags. */
  /** Job-wide: message rows per state (cutover's sync-parity check). */
  messageStates(): Record<string, number>;
  /** APPEND commands to the side copied to, in one direction, since `sinceIso`: when and how many messages (the throttle's memory). */
  recentAppends(direction: Direction, sinceIso: string): { at: number; n: number }[];
  /** Per active forward pair, by account id then logical source path: copied / not copied / listed (the kit's sheets). */
  forwardFolderTotals(): { accountId: number; sourcePath: string; destinationPath: string; specialUse: string | null; copied: number; notCopied: number; total: number }[];
  droppedFlags(fpId: number): {
    srcUid: number;
    flags: string[];
  }[];
}
