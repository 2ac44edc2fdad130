import type { AsyncJobStore } from '../store/contract/async.js';

// The contacts/calendars table of the migration report: per collection, from the store only.
// Rendering lives here so the report's own modules change by one line each.

export interface GroupwareReportRow {
  account: string;
  kind: 'addressbook' | 'calendar';
  collection: string;
  destination: string | null;
  copied: number;
  kept: number;
  failed: number;
  inFlight: number;
  bytes: number;
  /** The last `groupware verify` of this collection, if any. */
  verified: { at: string; source: number; destination: number; missing: number; duplicated: number; altered: number } | null;
  problems: string[];
}

/** Undefined when the job has no contacts/calendars rows (the report then shows no table). */
export async function collectGroupware(store: AsyncJobStore): Promise<GroupwareReportRow[] | undefined> {
  const gs = store.groupware;
  if (!await gs.hasData()) return undefined;
  const verify = new Map((await gs.verifyRows()).map((v) => [v.collectionId, v]));
  const failures = await gs.failures(500);
  return (await gs.counts()).map((c) => {
    const v = verify.get(c.collectionId);
    const name = c.displayName ?? c.sourceHref;
    return {
      account: c.sourceUser,
      kind: c.kind,
      collection: name,
      destination: c.destinationHref,
      copied: c.put,
      kept: c.kept,
      failed: c.failed,
      inFlight: c.inFlight,
      bytes: c.bytes,
      verified: v ? { at: v.checkedAt, source: v.sourceObjects, destination: v.destinationObjects, missing: v.missing, duplicated: v.duplicated, altered: v.altered } : null,
      problems: [...(c.lastError ? [c.lastError] : []), ...failures.filter((f) => f.sourceUser === c.sourceUser && f.collection === name).map((f) => `${f.sourceHref.split('/').at(-1)}: ${f.reason}`)],
    };
  });
}

// Rendering: src/report/groupware-html.ts (in the report's language).
