import type { Difference } from './compare.js';

/** One folder pair as verify saw it; what `verify --json` prints and the report shows. */
export interface VerifiedFolder {
  account: string;
  destinationAccount: string;
  sourcePath: string;
  destinationPath: string;
  /** 'store': paired through the checkpoint's UID mapping; 'scan': by identity alone. */
  method: 'store' | 'scan';
  sourceCount: number;
  destinationCount: number;
  matched: number;
  missing: number;
  duplicated: number;
  extra: number;
  altered: number;
  refusedFlags: { flag: string; messages: number }[];
  sourceDigest?: string;
  destinationDigest?: string;
  /** Why the folder could not be compared (counts are then 0). */
  error?: string;
  /** The messages that differ (capped at DIFFERENCES_KEPT per folder in the store). */
  differences: Difference[];
}

export interface VerifyTotals {
  accounts: number;
  folders: number;
  sourceMessages: number;
  destinationMessages: number;
  matched: number;
  missing: number;
  duplicated: number;
  extra: number;
  altered: number;
  errors: number;
}

export interface VerifyResult {
  runId: number;
  deep: boolean;
  startedAt: string;
  finishedAt: string | null;
  /** Nothing missing, duplicated or altered, and every folder compared. */
  clean: boolean;
  outcome: 'running' | 'clean' | 'differences' | 'failed' | 'interrupted';
  totals: VerifyTotals;
  folders: VerifiedFolder[];
}

export const DIFFERENCES_KEPT = 1000;

export function emptyTotals(): VerifyTotals {
  return { accounts: 0, folders: 0, sourceMessages: 0, destinationMessages: 0, matched: 0, missing: 0, duplicated: 0, extra: 0, altered: 0, errors: 0 };
}

export function addFolderToTotals(t: VerifyTotals, f: VerifiedFolder): void {
  t.folders++;
  t.sourceMessages += f.sourceCount;
  t.destinationMessages += f.destinationCount;
  t.matched += f.matched;
  t.missing += f.missing;
  t.duplicated += f.duplicated;
  t.extra += f.extra;
  t.altered += f.altered;
  if (f.error) t.errors++;
}
