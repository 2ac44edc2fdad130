import type {
  ActionMethod, ActionRow, AlertRow, CanaryRow, CopiedRow, DualRunActions, DualRunHealth, DualRunState, FlagWatermark, Heartbeat, LiveRow, PassRecord, StoredPass,
} from '../contract/dualrun.js';
import type { MessageRecord } from './copy.js';
import type { MemoryData } from './data.js';

// Dual-run's records in memory (passes, flag watermarks, source deletions, kept changes, actions,
// heartbeat, canaries, alerts), with the SQLite store's semantics (test/contract/). Like the
// SQLite classes, these write the few fields of the copy's rows the dual-run owns: the flags last
// written, and a moved message's new place.

const now = () => new Date().toISOString();
const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
const clone = <T>(v: T): T => structuredClone(v);

export interface DualRunData {
  passes: StoredPass[];
  folders: Map<number, FlagWatermark>;
  /** message row id -> its folder pair, for rows seen deleted on the source. */
  sourceDeleted: Map<number, { fpId: number; seenAt: string }>;
  kept: Map<number, { fpId: number; srcFlags: string; dstFlags: string; at: string }>;
  actions: Map<number, ActionRow & { runId: number | null }>;
  heartbeat: Heartbeat | undefined;
  canaries: CanaryRow[];
  alerts: AlertRow[];
}

export const emptyDualRun = (): DualRunData => ({
  passes: [], folders: new Map(), sourceDeleted: new Map(), kept: new Map(), actions: new Map(), heartbeat: undefined, canaries: [], alerts: [],
});

const toLive = (m: MessageRecord): LiveRow => ({
  id: m.id,
  folderPairId: m.fpId,
  srcUid: m.srcUid,
  messageId: m.messageId,
  internalDate: m.internalDate,
  headerHash: m.headerHash,
  size: m.size,
  flags: [...m.flags],
  droppedFlags: m.droppedFlags ? [...m.droppedFlags] : [],
  dstUidvalidity: m.dstUidvalidity,
  dstUid: m.dstUid,
});

export class MemoryDualRunState implements DualRunState {
  constructor(private readonly d: MemoryData) {}

  private get r(): DualRunData {
    return this.d.dualRun;
  }

  addPass(runId: number, p: PassRecord): void {
    this.r.passes.push({ ...clone(p), id: this.d.nextId('dualrun_passes'), runId });
  }

  passes(runId?: number): StoredPass[] {
    return this.r.passes.filter((p) => runId === undefined || p.runId === runId).map(clone);
  }

  watermark(fpId: number): FlagWatermark | undefined {
    const w = this.r.folders.get(fpId);
    return w && { ...w };
  }

  setWatermark(fpId: number, w: { uidValidity: bigint; modseq?: bigint; exists: number; uidNext: number }): void {
    const modseq = w.modseq === undefined ? null : String(w.modseq);
    this.r.folders.set(fpId, { srcUidvalidity: String(w.uidValidity), flagsModseq: modseq, srcExists: w.exists, srcUidnext: w.uidNext });
    // Only move it forward: the sync may have recorded a later value while listing.
    const p = this.d.pairs.get(fpId);
    if (modseq !== null && p && p.srcUidvalidity === String(w.uidValidity) && (p.srcHighestModseq === null || BigInt(p.srcHighestModseq) < BigInt(modseq))) {
      Object.assign(p, { srcHighestModseq: modseq, updatedAt: now() });
    }
  }

  copiedRow(fpId: number, srcUidvalidity: string, srcUid: number): CopiedRow | undefined {
    for (const m of this.d.messages.values()) {
      if (m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && m.srcUid === srcUid && m.state === 'copied') {
        return { id: m.id, srcUid: m.srcUid, flags: [...m.flags], droppedFlags: m.droppedFlags ? [...m.droppedFlags] : [], dstUidvalidity: m.dstUidvalidity, dstUid: m.dstUid };
      }
    }
    return undefined;
  }

  liveCopiedUids(fpId: number, srcUidvalidity: string): { id: number; srcUid: number }[] {
    return [...this.d.messages.values()]
      .filter((m) => m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && m.state === 'copied' && !this.r.sourceDeleted.has(m.id))
      .sort((a, b) => a.srcUid - b.srcUid)
      .map((m) => ({ id: m.id, srcUid: m.srcUid }));
  }

  expectedOnSource(fpId: number, srcUidvalidity: string): number {
    let n = 0;
    for (const m of this.d.messages.values()) if (m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && m.state !== 'gone' && !this.r.sourceDeleted.has(m.id)) n++;
    return n;
  }

  markSourceDeleted(fpId: number, rowIds: number[]): void {
    const t = now();
    for (const id of rowIds) if (!this.r.sourceDeleted.has(id)) this.r.sourceDeleted.set(id, { fpId, seenAt: t });
  }

  sourceDeletedCount(fpId?: number): number {
    return [...this.r.sourceDeleted.values()].filter((s) => fpId === undefined || s.fpId === fpId).length;
  }

  recordWritten(rows: { id: number; flags: string[]; dropped: string[] }[]): void {
    const t = now();
    for (const r of rows) {
      const m = this.d.messages.get(r.id);
      if (m) Object.assign(m, { flags: [...r.flags], droppedFlags: r.dropped.length ? [...r.dropped] : null, updatedAt: t });
      this.r.kept.delete(r.id);
    }
  }

  keptSourceFlags(rowId: number): string | undefined {
    return this.r.kept.get(rowId)?.srcFlags;
  }

  recordKept(fpId: number, rowId: number, srcFlags: string[], dstFlags: string[]): void {
    this.r.kept.set(rowId, { fpId, srcFlags: JSON.stringify(srcFlags), dstFlags: JSON.stringify(dstFlags), at: now() });
  }

  keptCount(): number {
    return this.r.kept.size;
  }
}

export class MemoryDualRunActions implements DualRunActions {
  constructor(
    private readonly d: MemoryData,
    private readonly durableHook: () => Promise<void> = async () => {},
  ) {}

  private get r(): DualRunData {
    return this.d.dualRun;
  }

  /** Memory has no disk: the hook lets a test stand a crash exactly here. */
  durable(): Promise<void> {
    return this.durableHook();
  }

  liveRows(fpId: number, srcUidvalidity: string): LiveRow[] {
    return [...this.d.messages.values()]
      .filter((m) => m.fpId === fpId && m.srcUidvalidity === srcUidvalidity && m.state === 'copied' && !this.r.sourceDeleted.has(m.id))
      .sort((a, b) => a.srcUid - b.srcUid)
      .map(toLive);
  }

  deletedWithoutAction(pairIds: number[]): LiveRow[] {
    const handled = new Set(
      [...this.r.actions.values()].filter((a) => (a.kind === 'trash' || a.kind === 'expunge') && a.state !== 'abandoned').map((a) => a.messageRowId),
    );
    return [...this.d.messages.values()]
      .filter((m) => pairIds.includes(m.fpId) && this.r.sourceDeleted.has(m.id) && m.state === 'copied' && m.dstUid !== null && !handled.has(m.id))
      .sort(byId)
      .map(toLive);
  }

  pendingRows(fpId: number): { id: number; srcUid: number; srcUidvalidity: string }[] {
    return [...this.d.messages.values()]
      .filter((m) => m.fpId === fpId && (m.state === 'pending' || m.state === 'copying') && m.batchId === null)
      .sort(byId)
      .map((m) => ({ id: m.id, srcUid: m.srcUid, srcUidvalidity: m.srcUidvalidity }));
  }

  row(rowId: number): LiveRow | undefined {
    const m = this.d.messages.get(rowId);
    return m && toLive(m);
  }

  keptRow(rowId: number): boolean {
    return this.r.kept.has(rowId);
  }

  open(pairIds: number[]): ActionRow[] {
    return [...this.r.actions.values()].filter((a) => a.state === 'intent' && pairIds.includes(a.fromPairId)).sort(byId).map(strip);
  }

  begin(a: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note'> & { runId?: number }): number {
    const id = this.d.nextId('dualrun_actions');
    const { runId, ...rest } = a;
    this.r.actions.set(id, { ...rest, id, state: 'intent', toDstUid: null, note: null, runId: runId ?? null });
    return id;
  }

  finishMove(actionId: number, a: ActionRow, toDstUid: number | null, method: ActionMethod): void {
    const t = now();
    for (const m of [...this.d.messages.values()]) {
      if (m.fpId === a.toPairId && m.srcUidvalidity === a.toSrcUidvalidity && m.srcUid === a.toSrcUid && m.id !== a.messageRowId && ['pending', 'copying', 'failed'].includes(m.state)) {
        this.d.messages.delete(m.id);
      }
    }
    const m = this.d.messages.get(a.messageRowId);
    if (m) {
      Object.assign(m, {
        fpId: a.toPairId,
        srcUidvalidity: a.toSrcUidvalidity,
        srcUid: a.toSrcUid,
        dstUidvalidity: toDstUid === null ? null : a.toDstUidvalidity,
        dstUid: toDstUid,
        updatedAt: t,
      });
    }
    const k = this.r.kept.get(a.messageRowId);
    if (k && a.toPairId !== null) k.fpId = a.toPairId;
    this.#finish(actionId, { state: 'done', method, toDstUid });
  }

  finishDeletion(actionId: number, method: ActionMethod, toDstUid: number | null): void {
    this.#finish(actionId, { state: 'done', method, toDstUid });
  }

  close(actionId: number, state: 'abandoned' | 'declined', note: string): void {
    this.#finish(actionId, { state, note });
  }

  #finish(actionId: number, fields: Partial<ActionRow>): void {
    const row = this.r.actions.get(actionId);
    if (row) Object.assign(row, fields);
  }

  decline(a: Parameters<DualRunActions['decline']>[0], note: string): void {
    const id = this.d.nextId('dualrun_actions');
    this.r.actions.set(id, {
      ...a, id, toPairId: null, toSrcUidvalidity: null, toSrcUid: null, toDstPath: null, toDstUidvalidity: null, toDstUidnext: null, method: null,
      state: 'declined', toDstUid: null, note, runId: null,
    });
  }

  tally(): { kind: ActionRow['kind']; state: string; n: number }[] {
    return group([...this.r.actions.values()], (a) => [a.kind, a.state]).map(([[kind, state], n]) => ({ kind: kind as ActionRow['kind'], state: state!, n }));
  }

  tallyByMethod(): { kind: ActionRow['kind']; method: ActionMethod | null; state: string; n: number }[] {
    return group([...this.r.actions.values()], (a) => [a.kind, a.method, a.state]).map(([[kind, method, state], n]) => ({
      kind: kind as ActionRow['kind'],
      method: method as ActionMethod | null,
      state: state!,
      n,
    }));
  }

  counts(): { moved: number; trashed: number; expunged: number; declined: number } {
    const all = [...this.r.actions.values()];
    const done = (k: ActionRow['kind']) => all.filter((a) => a.kind === k && a.state === 'done').length;
    return { moved: done('move'), trashed: done('trash'), expunged: done('expunge'), declined: all.filter((a) => a.state === 'declined').length };
  }
}

export class MemoryDualRunHealth implements DualRunHealth {
  constructor(private readonly d: MemoryData) {}

  private get r(): DualRunData {
    return this.d.dualRun;
  }

  heartbeat(): Heartbeat | undefined {
    return this.r.heartbeat && { ...this.r.heartbeat };
  }

  start(h: { pid: number; host: string; runId: number; intervalS: number }): void {
    const t = now();
    this.r.heartbeat = {
      ...h, startedAt: t, beatAt: t, state: 'running', nextPassAt: t, lastPassAt: null, lastPassOk: null, lastError: null,
      lagSeconds: this.r.heartbeat?.lagSeconds ?? null,
    };
  }

  beat(runId: number, fields: Parameters<DualRunHealth['beat']>[1] = {}): void {
    const hb = this.r.heartbeat;
    if (!hb || hb.runId !== runId) return;
    hb.beatAt = now();
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (hb as unknown as Record<string, unknown>)[k] = v;
  }

  addCanary(c: { token: string; recipient: string; mxHost: string; side: 'source' | 'destination' }): number {
    const id = this.d.nextId('dualrun_canaries');
    this.r.canaries.push({ id, ...c, sentAt: now(), deliveredAt: null, copiedAt: null, deliveryS: null, lagS: null, state: 'sent', cleaned: false, error: null });
    return id;
  }

  updateCanary(id: number, f: Parameters<DualRunHealth['updateCanary']>[1]): void {
    const c = this.r.canaries.find((x) => x.id === id);
    if (!c) return;
    // An explicit undefined is written as NULL, as the SQLite store binds it.
    for (const k of Object.keys(f) as (keyof typeof f)[]) (c as unknown as Record<string, unknown>)[k] = k === 'cleaned' ? !!f[k] : (f[k] ?? null);
  }

  canaries(limit = 50): CanaryRow[] {
    return this.r.canaries.slice(-limit).map((c) => ({ ...c }));
  }

  forgetCanaryRows(messageId: string): { destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string }[] {
    const out: { destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string }[] = [];
    for (const m of [...this.d.messages.values()].sort(byId)) {
      const p = this.d.pairs.get(m.fpId);
      if (m.messageId !== messageId || p?.direction !== 'forward') continue;
      this.r.sourceDeleted.delete(m.id);
      this.r.kept.delete(m.id);
      this.d.messages.delete(m.id);
      if (m.state === 'copied') out.push({ destinationPath: p.destinationPath, dstUidvalidity: m.dstUidvalidity, dstUid: m.dstUid, copiedAt: m.updatedAt });
    }
    return out;
  }

  copiedAt(messageId: string): string | undefined {
    for (const m of [...this.d.messages.values()].sort(byId)) {
      if (m.messageId === messageId && m.state === 'copied' && this.d.pairs.get(m.fpId)?.direction === 'forward') return m.updatedAt;
    }
    return undefined;
  }

  lastAlert(key: string): AlertRow | undefined {
    const a = this.r.alerts.filter((x) => x.key === key).at(-1);
    return a && clone(a);
  }

  addAlert(a: { key: string; level: string; message: string; results: Record<string, string> }): void {
    this.r.alerts.push({ id: this.d.nextId('dualrun_alerts'), key: a.key, at: now(), level: a.level, message: a.message, results: clone(a.results) });
  }

  alerts(limit = 20): AlertRow[] {
    return this.r.alerts.slice(-limit).map(clone);
  }
}

function strip(a: ActionRow & { runId: number | null }): ActionRow {
  const { runId: _runId, ...row } = a;
  return { ...row };
}

/** GROUP BY the key's columns, ordered by them as SQLite orders (NULL first, then text). */
function group<T>(rows: T[], key: (r: T) => (string | null)[]): [(string | null)[], number][] {
  const m = new Map<string, [(string | null)[], number]>();
  for (const r of rows) {
    const k = key(r);
    const s = JSON.stringify(k);
    const e = m.get(s) ?? [k, 0];
    e[1]++;
    m.set(s, e);
  }
  const cmp = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
  return [...m.values()].sort((x, y) => {
    for (let i = 0; i < x[0].length; i++) {
      const c = cmp(x[0][i]!, y[0][i]!);
      if (c) return c;
    }
    return 0;
  });
}
