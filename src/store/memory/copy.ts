import type { CopyCheckpoints, Direction, FolderCounts, FolderPairRow, ListedMessage, MessageRow, MessageState, OpenBatch } from '../contract/copy.js';
import type { MemoryData } from './data.js';

// The copy's checkpoints in memory, with the SQLite store's semantics (test/contract/ runs the
// same suite against both). Each method runs to its end without yielding, so every transition is
// as atomic as the SQLite transaction it mirrors.

export interface PairRecord extends FolderPairRow {
  srcHighestModseq: string | null;
  adoptChecked: boolean;
  updatedAt: string;
}

export interface MessageRecord extends MessageRow {
  fpId: number;
  srcUidvalidity: string;
  adopted: boolean;
  droppedFlags: string[] | null;
  updatedAt: string;
}

export interface BatchRecord {
  id: number;
  fpId: number;
  dstUidvalidity: string | null;
  dstUidnextBefore: number | null;
  state: 'sent' | 'done' | 'failed';
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  messages: number;
}

const now = () => new Date().toISOString();
const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;

function toRow(m: MessageRecord): MessageRow {
  return {
    id: m.id,
    srcUid: m.srcUid,
    messageId: m.messageId,
    internalDate: m.internalDate,
    size: m.size,
    headerHash: m.headerHash,
    flags: [...m.flags],
    state: m.state,
    batchId: m.batchId,
    dstUidvalidity: m.dstUidvalidity,
    dstUid: m.dstUid,
    attempts: m.attempts,
    lastError: m.lastError,
  };
}

function toPair(p: PairRecord): FolderPairRow {
  return {
    id: p.id,
    accountId: p.accountId,
    direction: p.direction,
    sourcePath: p.sourcePath,
    destinationPath: p.destinationPath,
    sourceLogical: p.sourceLogical,
    destinationLogical: p.destinationLogical,
    specialUse: p.specialUse,
    srcUidvalidity: p.srcUidvalidity,
    srcUidnext: p.srcUidnext,
    srcListedUid: p.srcListedUid,
    dstUidvalidity: p.dstUidvalidity,
    dstUidnext: p.dstUidnext,
    sourceMessagesListed: p.sourceMessagesListed,
    state: p.state,
    notes: [...p.notes],
  };
}

export class MemoryCopyCheckpoints implements CopyCheckpoints {
  constructor(
    private readonly d: MemoryData,
    private readonly durableHook: () => Promise<void> = async () => {},
  ) {}

  private pair(id: number): PairRecord {
    const p = this.d.pairs.get(id);
    if (!p) throw new Error(`no folder pair ${id}`);
    return p;
  }

  private rows(pred: (m: MessageRecord) => boolean): MessageRecord[] {
    return [...this.d.messages.values()].filter(pred);
  }

  // ---- folder pairs -------------------------------------------------------------------------

  upsertFolderPair(p: Parameters<CopyCheckpoints['upsertFolderPair']>[0]): number {
    const t = now();
    const found = [...this.d.pairs.values()].find((x) => x.accountId === p.accountId && x.direction === p.direction && x.sourcePath === p.sourcePath);
    if (found) {
      Object.assign(found, {
        destinationPath: p.destinationPath,
        specialUse: p.specialUse ?? null,
        state: p.state,
        updatedAt: t,
        sourceLogical: p.sourceLogical,
        destinationLogical: p.destinationLogical,
        notes: [...p.notes],
        ...(p.sourceMessages !== undefined ? { sourceMessagesListed: p.sourceMessages } : {}),
      });
      return found.id;
    }
    if (!this.d.accounts.has(p.accountId)) throw new Error(`FOREIGN KEY constraint failed: no account ${p.accountId}`);
    const id = this.d.nextId('pairs');
    this.d.pairs.set(id, {
      id,
      accountId: p.accountId,
      direction: p.direction,
      sourcePath: p.sourcePath,
      destinationPath: p.destinationPath,
      sourceLogical: p.sourceLogical,
      destinationLogical: p.destinationLogical,
      specialUse: p.specialUse ?? null,
      srcUidvalidity: null,
      srcUidnext: null,
      srcListedUid: 0,
      srcHighestModseq: null,
      dstUidvalidity: null,
      dstUidnext: null,
      sourceMessagesListed: p.sourceMessages ?? null,
      state: p.state,
      notes: [...p.notes],
      adoptChecked: false,
      updatedAt: t,
    });
    return id;
  }

  folderPair(id: number): FolderPairRow {
    return toPair(this.pair(id));
  }

  folderPairs(accountId?: number, direction?: Direction): FolderPairRow[] {
    return [...this.d.pairs.values()]
      .filter((p) => (accountId === undefined || p.accountId === accountId) && (!direction || p.direction === direction))
      .sort(byId)
      .map(toPair);
  }

  markFolderGone(id: number): void {
    const p = this.d.pairs.get(id);
    if (p) Object.assign(p, { state: 'gone', updatedAt: now() });
  }

  setSourceWatermark(id: number, w: { uidValidity: bigint; uidNext: number; highestModseq?: bigint; listedUid: number }): void {
    const p = this.d.pairs.get(id);
    if (!p) return;
    Object.assign(p, {
      srcUidvalidity: String(w.uidValidity),
      srcUidnext: w.uidNext,
      srcHighestModseq: w.highestModseq === undefined ? null : String(w.highestModseq),
      srcListedUid: w.listedUid,
      updatedAt: now(),
    });
  }

  adoptChecked(id: number): boolean {
    return this.d.pairs.get(id)?.adoptChecked === true;
  }

  adopt(fpId: number, dstUidvalidity: bigint, found: { id: number; dstUid: number; messageId?: string; headerHash: string }[]): void {
    const t = now();
    for (const f of found) {
      const m = this.d.messages.get(f.id);
      if (!m || m.state !== 'pending') continue;
      Object.assign(m, {
        state: 'copied',
        adopted: true,
        dstUidvalidity: String(dstUidvalidity),
        dstUid: f.dstUid,
        messageId: m.messageId ?? f.messageId ?? null,
        headerHash: m.headerHash ?? f.headerHash,
        lastError: null,
        updatedAt: t,
      });
    }
    const p = this.d.pairs.get(fpId);
    if (p) Object.assign(p, { adoptChecked: true, updatedAt: t });
  }

  setDestinationState(id: number, uidValidity: bigint, uidNext: number): void {
    const p = this.d.pairs.get(id);
    if (p) Object.assign(p, { dstUidvalidity: String(uidValidity), dstUidnext: uidNext, updatedAt: now() });
  }

  // ---- messages -----------------------------------------------------------------------------

  insertListed(fpId: number, srcUidvalidity: bigint, rows: ListedMessage[]): void {
    const uv = String(srcUidvalidity);
    const t = now();
    const known = new Set(this.rows((m) => m.fpId === fpId && m.srcUidvalidity === uv).map((m) => m.srcUid));
    for (const r of rows) {
      if (known.has(r.uid)) continue;
      known.add(r.uid);
      const id = this.d.nextId('messages');
      this.d.messages.set(id, {
        id,
        fpId,
        srcUidvalidity: uv,
        srcUid: r.uid,
        messageId: r.messageId ?? null,
        internalDate: r.internalDate?.toISOString() ?? null,
        size: r.size,
        headerHash: r.headerHash ?? null,
        flags: [...r.flags],
        state: r.state ?? 'pending',
        batchId: null,
        dstUidvalidity: r.dstUidvalidity ?? null,
        dstUid: r.dstUid ?? null,
        attempts: 0,
        lastError: r.lastError ?? null,
        adopted: false,
        droppedFlags: null,
        updatedAt: t,
      });
    }
  }

  messages(fpId: number, srcUidvalidity: string, states?: MessageState[]): MessageRow[] {
    return this.rows((m) => m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && (!states?.length || states.includes(m.state)))
      .sort((a, b) => a.srcUid - b.srcUid)
      .map(toRow);
  }

  messagesNotOf(fpId: number, srcUidvalidity: string): MessageRow[] {
    return this.rows((m) => m.fpId === fpId && m.srcUidvalidity !== srcUidvalidity).sort(byId).map(toRow);
  }

  countOpen(fpId: number, srcUidvalidity: string): number {
    return this.rows((m) => m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && (m.state === 'pending' || m.state === 'copying')).length;
  }

  setMessageState(ids: number[], state: MessageState, reason: string | null): void {
    const t = now();
    for (const id of ids) {
      const m = this.d.messages.get(id);
      if (m) Object.assign(m, { state, lastError: reason, batchId: null, updatedAt: t });
    }
  }

  retryFailed(fpId: number): number {
    const t = now();
    const failed = this.rows((m) => m.fpId === fpId && m.state === 'failed');
    for (const m of failed) Object.assign(m, { state: 'pending', batchId: null, updatedAt: t });
    return failed.length;
  }

  rebindSource(pairs: { id: number; uid: number }[], srcUidvalidity: bigint): void {
    const t = now();
    for (const p of pairs) {
      const m = this.d.messages.get(p.id);
      if (m) Object.assign(m, { srcUidvalidity: String(srcUidvalidity), srcUid: p.uid, updatedAt: t });
    }
  }

  forgetUncopied(fpId: number, srcUidvalidity: string): void {
    for (const m of this.rows((r) => r.fpId === fpId && r.srcUidvalidity !== srcUidvalidity && r.state !== 'copied' && r.state !== 'copying')) {
      this.d.messages.delete(m.id);
    }
  }

  claimedDestinationUids(fpId: number, dstUidvalidity: string, fromUid: number): Set<number> {
    return new Set(
      this.rows((m) => m.fpId === fpId && m.state === 'copied' && m.dstUidvalidity === dstUidvalidity && m.dstUid !== null && m.dstUid >= fromUid).map((m) => m.dstUid!),
    );
  }

  oppositePair(fp: FolderPairRow): FolderPairRow | undefined {
    return this.folderPairs(fp.accountId, fp.direction === 'forward' ? 'reverse' : 'forward').find(
      (p) => p.sourcePath === fp.destinationPath && p.destinationPath === fp.sourcePath,
    );
  }

  oppositeCopies(fp: FolderPairRow, uidValidity: bigint, fromUid: number): Map<number, { uid: number; uidValidity: string }> {
    const opposite = this.oppositePair(fp);
    if (!opposite) return new Map();
    const uv = String(uidValidity);
    return new Map(
      this.rows((m) => m.fpId === opposite.id && m.state === 'copied' && m.dstUidvalidity === uv && m.dstUid !== null && m.dstUid >= fromUid)
        .sort(byId)
        .map((m) => [m.dstUid!, { uid: m.srcUid, uidValidity: m.srcUidvalidity }]),
    );
  }

  rebindDestination(pairs: { id: number; dstUid: number }[], dstUidvalidity: bigint): void {
    const t = now();
    for (const p of pairs) {
      const m = this.d.messages.get(p.id);
      if (m) Object.assign(m, { dstUidvalidity: String(dstUidvalidity), dstUid: p.dstUid, updatedAt: t });
    }
  }

  // ---- batches ------------------------------------------------------------------------------

  beginBatch(fpId: number, dst: { uidValidity?: bigint; uidNext?: number }, msgs: { id: number; messageId?: string; headerHash: string; flags: string[] }[]): number {
    const t = now();
    const id = this.d.nextId('batches');
    this.d.batches.set(id, {
      id,
      fpId,
      dstUidvalidity: dst.uidValidity === undefined ? null : String(dst.uidValidity),
      dstUidnextBefore: dst.uidNext ?? null,
      state: 'sent',
      createdAt: t,
      finishedAt: null,
      error: null,
      messages: msgs.length,
    });
    for (const x of msgs) {
      const m = this.d.messages.get(x.id);
      if (m) Object.assign(m, { state: 'copying', batchId: id, messageId: x.messageId ?? null, headerHash: x.headerHash, flags: [...x.flags], attempts: m.attempts + 1, updatedAt: t });
    }
    return id;
  }

  /** Memory has no disk: the hook lets a test stand a crash exactly here. */
  durable(): Promise<void> {
    return this.durableHook();
  }

  finishBatch(batchId: number, dstUidvalidity: bigint | undefined, results: { id: number; dstUid?: number; droppedFlags?: string[]; reason?: string }[]): void {
    const t = now();
    for (const r of results) {
      const m = this.d.messages.get(r.id);
      if (!m) continue;
      Object.assign(m, {
        state: 'copied',
        dstUidvalidity: dstUidvalidity === undefined ? null : String(dstUidvalidity),
        dstUid: r.dstUid ?? null,
        droppedFlags: r.droppedFlags?.length ? [...r.droppedFlags] : null,
        lastError: r.reason ?? null,
        updatedAt: t,
      });
    }
    const b = this.d.batches.get(batchId);
    if (b) Object.assign(b, { state: 'done', finishedAt: t });
  }

  failBatch(batchId: number, error: string, next: { state: MessageState; reason: string | null } = { state: 'pending', reason: null }): void {
    const t = now();
    for (const m of this.rows((r) => r.batchId === batchId && r.state === 'copying')) {
      Object.assign(m, { state: next.state, lastError: next.reason, batchId: null, updatedAt: t });
    }
    const b = this.d.batches.get(batchId);
    if (b) Object.assign(b, { state: 'failed', finishedAt: t, error });
  }

  openBatches(fpId: number): OpenBatch[] {
    return [...this.d.batches.values()]
      .filter((b) => b.fpId === fpId && b.state === 'sent')
      .sort(byId)
      .map((b) => ({
        id: b.id,
        dstUidvalidity: b.dstUidvalidity,
        dstUidnextBefore: b.dstUidnextBefore,
        messages: this.rows((m) => m.batchId === b.id && m.state === 'copying').sort(byId).map(toRow),
      }));
  }

  resolveBatch(batchId: number, dstUidvalidity: bigint | undefined, found: { id: number; dstUid: number }[], missing: number[]): void {
    const t = now();
    for (const f of found) {
      const m = this.d.messages.get(f.id);
      if (m) Object.assign(m, { state: 'copied', dstUidvalidity: dstUidvalidity === undefined ? null : String(dstUidvalidity), dstUid: f.dstUid, lastError: null, updatedAt: t });
    }
    for (const id of missing) {
      const m = this.d.messages.get(id);
      if (m) Object.assign(m, { state: 'pending', batchId: null, updatedAt: t });
    }
    const b = this.d.batches.get(batchId);
    if (b) {
      Object.assign(b, {
        state: found.length ? 'done' : 'failed',
        finishedAt: t,
        error: `reconciled: ${found.length} found on the destination, ${missing.length} to copy again`,
      });
    }
  }

  // ---- reporting ----------------------------------------------------------------------------

  folderCounts(fpId: number): FolderCounts {
    const uv = this.d.pairs.get(fpId)?.srcUidvalidity ?? '';
    const rows = this.rows((m) => m.fpId === fpId && m.srcUidvalidity === uv);
    const n = (s: MessageState) => rows.filter((m) => m.state === s).length;
    const groups = new Map<string, FolderCounts['reasons'][number]>();
    for (const m of rows) {
      if (!(m.state === 'skipped' || m.state === 'failed' || (m.state === 'copied' && m.lastError !== null))) continue;
      const reason = m.lastError ?? 'no reason recorded';
      const key = `${m.state}\u0000${reason}`;
      const g = groups.get(key) ?? { state: m.state as 'skipped' | 'failed' | 'copied', reason, count: 0 };
      g.count++;
      groups.set(key, g);
    }
    const reasons = [...groups.values()].sort((a, b) => b.count - a.count);
    return {
      found: rows.filter((m) => m.state !== 'gone').length,
      copied: n('copied'),
      pending: n('pending') + n('copying'),
      skipped: n('skipped'),
      failed: n('failed'),
      adopted: rows.filter((m) => m.state === 'copied' && m.adopted).length,
      copiedWithReason: reasons.filter((r) => r.state === 'copied').reduce((s, r) => s + r.count, 0),
      reasons,
    };
  }

  inFlight(): { copying: number; openBatches: number } {
    return {
      copying: this.rows((m) => m.state === 'copying').length,
      openBatches: [...this.d.batches.values()].filter((b) => b.state === 'sent').length,
    };
  }

  copiedTotals(direction: Direction = 'forward'): { copied: number; withoutDstUid: number } {
    const copied = this.rows((m) => m.state === 'copied' && this.d.pairs.get(m.fpId)?.direction === direction);
    return { copied: copied.length, withoutDstUid: copied.filter((m) => m.dstUid === null).length };
  }

  messageStates(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.d.messages.values()) out[m.state] = (out[m.state] ?? 0) + 1;
    return out;
  }

  recentAppends(direction: Direction, sinceIso: string): { at: number; n: number }[] {
    return [...this.d.batches.values()]
      .filter((b) => this.d.pairs.get(b.fpId)?.direction === direction && (b.state === 'done' || b.state === 'sent') && (b.finishedAt ?? b.createdAt) >= sinceIso)
      .sort(byId)
      .map((b) => ({ at: Date.parse(b.finishedAt ?? b.createdAt), n: b.messages }));
  }

  forwardFolderTotals(): ReturnType<CopyCheckpoints['forwardFolderTotals']> {
    return [...this.d.pairs.values()]
      .filter((p) => p.state === 'active' && p.direction === 'forward')
      .map((p) => {
        const rows = this.rows((m) => m.fpId === p.id);
        return {
          accountId: p.accountId,
          sourcePath: p.sourceLogical ?? p.sourcePath,
          destinationPath: p.destinationLogical ?? p.destinationPath,
          specialUse: p.specialUse,
          copied: rows.filter((m) => m.state === 'copied').length,
          notCopied: rows.filter((m) => m.state === 'skipped' || m.state === 'failed').length,
          total: rows.length,
        };
      })
      .sort((a, b) => a.accountId - b.accountId || (a.sourcePath < b.sourcePath ? -1 : a.sourcePath > b.sourcePath ? 1 : 0));
  }

  droppedFlags(fpId: number): { srcUid: number; flags: string[] }[] {
    return this.rows((m) => m.fpId === fpId && m.droppedFlags !== null)
      .sort(byId)
      .map((m) => ({ srcUid: m.srcUid, flags: [...m.droppedFlags!] }));
  }
}
