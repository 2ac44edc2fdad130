import type { ActionMethod, ActionRow, LiveRow } from '../dualrun-actions-store.js';
import type { AlertRow, CanaryRow, Heartbeat } from '../dualrun-health-store.js';
import type { CopiedRow, FlagWatermark, PassRecord, StoredPass } from '../dualrun-store.js';

// Dual-run: the passes and flag watermarks (DualRunState), the move/trash/expunge actions with
// their intents (DualRunActions), and the heartbeat, canaries and alerts (DualRunHealth).

export type { ActionMethod, ActionRow, AlertRow, CanaryRow, CopiedRow, FlagWatermark, Heartbeat, LiveRow, PassRecord, StoredPass };

export interface DualRunState {
  addPass(runId: number, p: PassRecord): void;
  /** Passes of one invocation, or of every invocation (oldest first). */
  passes(runId?: number): StoredPass[];
  watermark(fpId: number): FlagWatermark | undefined;
  /** After a folder's flag pass: our watermark, and the pair's src_highestmodseq for everyone else. */
  setWatermark(fpId: number, w: {
    uidValidity: bigint;
    modseq?: bigint;
    exists: number;
    uidNext: number;
  }): void;
  /** The copied row of one source UID (undefined when not copied, e.g. still pending). */
  copiedRow(fpId: number, srcUidvalidity: string, srcUid: number): CopiedRow | undefined;
  /** Source UIDs of copied messages not yet known to be deleted on the source. */
  liveCopiedUids(fpId: number, srcUidvalidity: string): {
    id: number;
    srcUid: number;
  }[];
  /** Messages the source should still hold by the store's account: listed, not gone, not seen deleted. */
  expectedOnSource(fpId: number, srcUidvalidity: string): number;
  markSourceDeleted(fpId: number, rowIds: number[]): void;
  sourceDeletedCount(fpId?: number): number;
  /** Flags now written to destination copies: the source flags and those the destination refused. */
  recordWritten(rows: {
    id: number;
    flags: string[];
    dropped: string[];
  }[]): void;
  /** Source flags last seen for a message whose destination change was kept (undefined: none). */
  keptSourceFlags(rowId: number): string | undefined;
  recordKept(fpId: number, rowId: number, srcFlags: string[], dstFlags: string[]): void;
  keptCount(): number;
}

export interface DualRunActions {
  /** The intent on disk before the IMAP command goes out. */
  durable(): Promise<void>;
  /** Copied rows of a folder pair not yet seen deleted on the source, with their identity. */
  liveRows(fpId: number, srcUidvalidity: string): LiveRow[];
  /** Source-deleted copied rows of these pairs that no trash/expunge action has handled yet. */
  deletedWithoutAction(pairIds: number[]): LiveRow[];
  /** Pending (not yet copied) rows of a pair: a move the sync listed before the move step saw it. */
  pendingRows(fpId: number): {
    id: number;
    srcUid: number;
    srcUidvalidity: string;
  }[];
  /** One message row with its identity (any state), for reconciling an action. */
  row(rowId: number): LiveRow | undefined;
  keptRow(rowId: number): boolean;
  open(pairIds: number[]): ActionRow[];
  /** The intent, durable before the command is sent. */
  begin(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note'> & {
    runId?: number;
  }): number;
  /**
   * A move applied: the message row now stands for the source message in its new folder and
   * its copy in the new destination folder. A row the sync listed for the same source UID
   * before it could be matched (never copied) is dropped, so nothing is copied twice.
   */
  finishMove(actionId: number, a: ActionRow, toDstUid: number | null, method: ActionMethod): void;
  /** A source expunge carried to the destination (trash: the copy's new place in Trash). */
  finishDeletion(actionId: number, method: ActionMethod, toDstUid: number | null): void;
  close(actionId: number, state: 'abandoned' | 'declined', note: string): void;
  /** Records a deletion not carried (the user changed the copy): so it is not looked at again. */
  decline(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note' | 'toPairId' | 'toSrcUidvalidity' | 'toSrcUid' | 'toDstPath' | 'toDstUidvalidity' | 'toDstUidnext' | 'method'>, note: string): void;
  /** Every action by kind and state (what a kill left behind, for tests and `store check`-like reads). */
  tally(): {
    kind: ActionRow['kind'];
    state: string;
    n: number;
  }[];
  /** The same, split by the method used (UID MOVE, COPY + EXPUNGE, COPY + \\Deleted …). */
  tallyByMethod(): {
    kind: ActionRow['kind'];
    method: ActionMethod | null;
    state: string;
    n: number;
  }[];
  counts(): {
    moved: number;
    trashed: number;
    expunged: number;
    declined: number;
  };
}

export interface DualRunHealth {
  heartbeat(): Heartbeat | undefined;
  /** A new dual-run invocation takes the heartbeat over. */
  start(h: {
    pid: number;
    host: string;
    runId: number;
    intervalS: number;
  }): void;
  beat(runId: number, fields?: {
    nextPassAt?: string;
    lastPassAt?: string;
    lastPassOk?: boolean;
    lastError?: string | null;
    lagSeconds?: number;
    state?: 'running' | 'stopped';
  }): void;
  addCanary(c: {
    token: string;
    recipient: string;
    mxHost: string;
    side: 'source' | 'destination';
  }): number;
  updateCanary(id: number, f: Partial<Pick<CanaryRow, 'deliveredAt' | 'copiedAt' | 'deliveryS' | 'lagS' | 'state' | 'cleaned' | 'error'>>): void;
  canaries(limit?: number): CanaryRow[];
  /**
   * Forgets the store rows of a canary (by its Message-ID), so that its removal from the source
   * is not seen as an expunge; returns where its destination copies were.
   */
  forgetCanaryRows(messageId: string): {
    destinationPath: string;
    dstUidvalidity: string | null;
    dstUid: number | null;
    copiedAt: string;
  }[];
  /** When the copier copied a message with this Message-ID (undefined: not yet). */
  copiedAt(messageId: string): string | undefined;
  lastAlert(key: string): AlertRow | undefined;
  addAlert(a: {
    key: string;
    level: string;
    message: string;
    results: Record<string, string>;
  }): void;
  alerts(limit?: number): AlertRow[];
}
