import type { FolderTotalsRow, ProblemRow, VerifyRecords } from '../contract/verify.js';
import type { StoredEvent } from '../contract/job.js';
import { DIFFERENCES_KEPT, type VerifiedFolder, type VerifyResult, type VerifyTotals } from '../../verify/result.js';
import type { MessageRecord, PairRecord } from './copy.js';
import type { MemoryData } from './data.js';

// verify's runs in memory, and its read-only views of the copy's rows, with the SQLite store's
// semantics (test/contract/): only the forward copy counts, 'gone' rows are not messages.

const now = () => new Date().toISOString();
const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ZERO: VerifyTotals = { accounts: 0, folders: 0, sourceMessages: 0, destinationMessages: 0, matched: 0, missing: 0, duplicated: 0, extra: 0, altered: 0, errors: 0 };

export interface VerifyRunRecord {
  id: number;
  deep: boolean;
  startedAt: string;
  finishedAt: string | null;
  outcome: VerifyResult['outcome'] | 'running';
  totals: VerifyTotals;
  folders: (VerifiedFolder & { id: number })[];
}

export class MemoryVerifyRecords implements VerifyRecords {
  constructor(
    private readonly d: MemoryData,
    private readonly events: () => StoredEvent[],
  ) {}

  startRun(deep: boolean): number {
    const id = this.d.nextId('verify_runs');
    this.d.verifyRuns.set(id, { id, deep, startedAt: now(), finishedAt: null, outcome: 'running', totals: { ...ZERO }, folders: [] });
    return id;
  }

  addFolder(runId: number, f: VerifiedFolder): void {
    const run = this.d.verifyRuns.get(runId);
    if (!run) throw new Error(`FOREIGN KEY constraint failed: no verify run ${runId}`);
    // What the SQLite columns keep: no byte ranges, absent optional fields stay absent.
    const differences = f.differences.slice(0, DIFFERENCES_KEPT).map(({ byteRange: _b, ...d }) => structuredClone(d));
    run.folders.push({ ...structuredClone({ ...f, differences: [] }), differences, id: this.d.nextId('verify_folders') });
  }

  finishRun(runId: number, outcome: VerifyResult['outcome'], t: VerifyTotals): void {
    const run = this.d.verifyRuns.get(runId);
    if (run) Object.assign(run, { finishedAt: now(), outcome, totals: { ...t } });
  }

  latestRun(): VerifyResult | undefined {
    const run = [...this.d.verifyRuns.values()].sort(byId).at(-1);
    if (!run) return undefined;
    const folders = [...run.folders]
      .sort((a, b) => text(a.account, b.account) || a.id - b.id)
      .map(({ id: _id, ...f }) => ({ ...structuredClone(f), sourceDigest: f.sourceDigest ?? undefined, destinationDigest: f.destinationDigest ?? undefined, error: f.error ?? undefined }));
    const outcome = run.outcome as VerifyResult['outcome'];
    return { runId: run.id, deep: run.deep, startedAt: run.startedAt, finishedAt: run.finishedAt, clean: outcome === 'clean', outcome, totals: { ...run.totals }, folders };
  }

  folderCheckpoint(sourceUser: string, sourcePaths: string[], srcUidValidity: bigint | undefined, dstUidValidity: bigint | undefined): ReturnType<VerifyRecords['folderCheckpoint']> {
    const mapping = new Map<number, number>();
    const notCopied = new Map<number, { state: string; reason: string | null }>();
    const droppedFlags = new Map<number, string[]>();
    const user = sourceUser.toLowerCase();
    const pair = this.#forwardPairs().find((p) => this.d.accounts.get(p.accountId)?.sourceUser.toLowerCase() === user && sourcePaths.includes(p.sourcePath));
    if (!pair) return { found: false, mapping, notCopied, droppedFlags };
    for (const r of this.#rows((m) => m.fpId === pair.id)) {
      if (srcUidValidity !== undefined && r.srcUidvalidity !== String(srcUidValidity)) continue;
      if (r.droppedFlags?.length) droppedFlags.set(r.srcUid, [...r.droppedFlags]);
      if (r.state === 'copied' && r.dstUid !== null) {
        if (dstUidValidity === undefined || r.dstUidvalidity === null || r.dstUidvalidity === String(dstUidValidity)) mapping.set(r.srcUid, r.dstUid);
      } else if (r.state === 'skipped' || r.state === 'failed') {
        notCopied.set(r.srcUid, { state: r.state, reason: r.lastError });
      }
    }
    return { found: true, mapping, notCopied, droppedFlags };
  }

  folderTotals(): FolderTotalsRow[] {
    return this.#forwardPairs()
      .sort((a, b) => a.accountId - b.accountId || text(a.sourcePath, b.sourcePath))
      .map((p) => {
        const a = this.d.accounts.get(p.accountId)!;
        const rows = this.#rows((m) => m.fpId === p.id);
        const copied = rows.filter((m) => m.state === 'copied');
        const at = copied.map((m) => m.updatedAt).sort(text);
        return {
          account: a.sourceUser,
          destinationAccount: a.destinationUser,
          accountState: a.state,
          sourcePath: p.sourcePath,
          destinationPath: p.destinationPath,
          specialUse: p.specialUse,
          folderState: p.state,
          total: rows.filter((m) => m.state !== 'gone').length,
          copied: copied.length,
          adopted: copied.filter((m) => m.adopted).length,
          skipped: rows.filter((m) => m.state === 'skipped').length,
          failed: rows.filter((m) => m.state === 'failed').length,
          pending: rows.filter((m) => m.state === 'pending' || m.state === 'copying').length,
          bytesCopied: copied.reduce((s, m) => s + m.size, 0),
          firstCopiedAt: at[0] ?? null,
          lastCopiedAt: at.at(-1) ?? null,
        };
      });
  }

  throughputPerMinute(): { minute: string; messages: number; bytes: number }[] {
    const out = new Map<string, { minute: string; messages: number; bytes: number }>();
    for (const m of this.#forwardCopied()) {
      const minute = m.updatedAt.slice(0, 16);
      const e = out.get(minute) ?? { minute, messages: 0, bytes: 0 };
      e.messages++;
      e.bytes += m.size;
      out.set(minute, e);
    }
    return [...out.values()].sort((a, b) => text(a.minute, b.minute));
  }

  problems(): ProblemRow[] {
    return this.#joined((m) => m.state === 'skipped' || m.state === 'failed')
      .sort((x, y) => x.a - y.a || text(x.p.sourcePath, y.p.sourcePath) || x.m.srcUid - y.m.srcUid)
      .map(({ m, p, account }) => ({
        account,
        sourcePath: p.sourcePath,
        destinationPath: p.destinationPath,
        srcUid: m.srcUid,
        messageId: m.messageId,
        internalDate: m.internalDate,
        size: m.size,
        state: m.state as ProblemRow['state'],
        reason: m.lastError,
        attempts: m.attempts,
        updatedAt: m.updatedAt,
      }));
  }

  eachCopiedFingerprint(fn: (account: string, fingerprint: string) => void): void {
    const rows = this.#joined((m) => m.state === 'copied').map(({ m, a, account }) => ({
      a,
      account,
      fp: `${m.messageId ?? ''}|${m.internalDate ?? ''}|${m.headerHash ?? ''}|${m.size}`,
    }));
    for (const r of rows.sort((x, y) => x.a - y.a || text(x.fp, y.fp))) fn(r.account, r.fp);
  }

  droppedFlagTotals(): { account: string; folder: string; flag: string; messages: number }[] {
    const out = new Map<string, { account: string; folder: string; flag: string; messages: number }>();
    const rows = this.#joined((m) => m.droppedFlags !== null).sort((x, y) => x.a - y.a || text(x.p.sourcePath, y.p.sourcePath) || x.m.id - y.m.id);
    for (const { m, p, account } of rows) {
      for (const flag of m.droppedFlags!) {
        const k = `${account}\u0000${p.sourcePath}\u0000${flag}`;
        const e = out.get(k) ?? { account, folder: p.sourcePath, flag, messages: 0 };
        e.messages++;
        out.set(k, e);
      }
    }
    return [...out.values()];
  }

  flagEvents(): { at: string; message: string; data: unknown }[] {
    return this.events()
      .filter((e) => /flag/i.test(e.kind))
      .map((e) => ({ at: e.at, message: e.message, data: e.data }));
  }

  #forwardPairs(): PairRecord[] {
    return [...this.d.pairs.values()].filter((p) => p.direction === 'forward' && this.d.accounts.has(p.accountId)).sort(byId);
  }

  #rows(pred: (m: MessageRecord) => boolean): MessageRecord[] {
    return [...this.d.messages.values()].filter(pred).sort(byId);
  }

  #forwardCopied(): MessageRecord[] {
    return this.#rows((m) => m.state === 'copied' && this.d.pairs.get(m.fpId)?.direction === 'forward');
  }

  /** Messages of forward pairs with their pair and account (the SQLite joins). */
  #joined(pred: (m: MessageRecord) => boolean): { m: MessageRecord; p: PairRecord; a: number; account: string }[] {
    const out: { m: MessageRecord; p: PairRecord; a: number; account: string }[] = [];
    for (const m of this.#rows(pred)) {
      const p = this.d.pairs.get(m.fpId);
      const a = p && this.d.accounts.get(p.accountId);
      if (p?.direction === 'forward' && a) out.push({ m, p, a: a.id, account: a.sourceUser });
    }
    return out;
  }
}
