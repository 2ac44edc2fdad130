import type { Difference } from '../verify/compare.js';
import type { VerifiedFolder, VerifyResult } from '../verify/result.js';

// Rows of verify_runs, verify_folders and verify_differences as the contract returns them. Both
// stores (SQLite, PostgreSQL) have the same columns (their migrations mirror each other), so they
// share this mapping and differ only in how they query.

export type Row = Record<string, unknown>;

export function differenceOf(d: Row): Difference {
  return {
    kind: d.kind as Difference['kind'],
    detail: d.detail as string,
    ...(d.message_id != null ? { messageId: d.message_id as string } : {}),
    ...(d.subject != null ? { subject: d.subject as string } : {}),
    ...(d.src_uid != null ? { srcUid: d.src_uid as number } : {}),
    ...(d.dst_uid != null ? { dstUid: d.dst_uid as number } : {}),
    ...(d.internal_date != null ? { internalDate: d.internal_date as string } : {}),
    ...(d.parts != null ? { parts: JSON.parse(d.parts as string) } : {}),
  };
}

export function verifiedFolderOf(f: Row, differences: Row[]): VerifiedFolder {
  return {
    account: f.account as string,
    destinationAccount: f.destination_account as string,
    sourcePath: f.source_path as string,
    destinationPath: f.destination_path as string,
    method: f.method as VerifiedFolder['method'],
    sourceCount: f.source_count as number,
    destinationCount: f.destination_count as number,
    matched: f.matched as number,
    missing: f.missing as number,
    duplicated: f.duplicated as number,
    extra: f.extra as number,
    altered: f.altered as number,
    refusedFlags: JSON.parse(f.refused_flags as string),
    sourceDigest: (f.source_digest as string | null) ?? undefined,
    destinationDigest: (f.destination_digest as string | null) ?? undefined,
    error: (f.error as string | null) ?? undefined,
    differences: differences.map(differenceOf),
  };
}

export function verifyResultOf(run: Row, folders: VerifiedFolder[]): VerifyResult {
  const outcome = run.outcome as VerifyResult['outcome'];
  return {
    runId: run.id as number,
    deep: run.deep === 1,
    startedAt: run.started_at as string,
    finishedAt: (run.finished_at as string | null) ?? null,
    clean: outcome === 'clean',
    outcome,
    totals: {
      accounts: run.accounts as number,
      folders: run.folders as number,
      sourceMessages: run.source_messages as number,
      destinationMessages: run.destination_messages as number,
      matched: run.matched as number,
      missing: run.missing as number,
      duplicated: run.duplicated as number,
      extra: run.extra as number,
      altered: run.altered as number,
      errors: run.errors as number,
    },
    folders,
  };
}
