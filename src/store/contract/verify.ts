import type { FolderTotalsRow, ProblemRow } from '../verify-store.js';
import type { VerifiedFolder, VerifyResult, VerifyTotals } from '../../verify/result.js';

// verify's runs and results, and the read-only totals verify and the report take from the copy.

export type { FolderTotalsRow, ProblemRow };

export interface VerifyRecords {
  startRun(deep: boolean): number;
  addFolder(runId: number, f: VerifiedFolder): void;
  finishRun(runId: number, outcome: VerifyResult['outcome'], t: VerifyTotals): void;
  /** The latest finished (or still running) verify run with its folders and differences. */
  latestRun(): VerifyResult | undefined;
  /**
   * The checkpoint's pairing for one folder: source UID -> destination UID of every copied row,
   * kept only while both UIDVALIDITYs are still the ones the rows were written under. Also the
   * reasons recorded for rows that were not copied.
   */
  folderCheckpoint(sourceUser: string, sourcePaths: string[], srcUidValidity: bigint | undefined, dstUidValidity: bigint | undefined): {
    found: boolean;
    mapping: Map<number, number>;
    notCopied: Map<number, {
      state: string;
      reason: string | null;
    }>;
    droppedFlags: Map<number, string[]>;
  };
  folderTotals(): FolderTotalsRow[];
  /** Messages and bytes copied per minute (from the rows' last update), for the throughput chart. */
  throughputPerMinute(): {
    minute: string;
    messages: number;
    bytes: number;
  }[];
  /** Every message that was skipped or failed, with its recorded reason. */
  problems(): ProblemRow[];
  /**
   * Per account: number of copied messages and the sorted list of their fingerprints
   * ("Message-ID|INTERNALDATE|header hash|size"), streamed to the caller's hash.
   */
  eachCopiedFingerprint(fn: (account: string, fingerprint: string) => void): void;
  /** Flags the sync recorded as refused by the destination (not in its PERMANENTFLAGS), per folder. */
  droppedFlagTotals(): {
    account: string;
    folder: string;
    flag: string;
    messages: number;
  }[];
  /** Events other phases recorded about flags the destination would not keep. */
  flagEvents(): {
    at: string;
    message: string;
    data: unknown;
  }[];
}
