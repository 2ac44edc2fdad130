import type { CheckRow, CutoverRecords, CutoverStateRow, LateMailRow, ServerRow, StepRow, StepState } from '../contract/cutover.js';
import type { CopyCheckpoints } from '../contract/copy.js';

// Cutover's records in memory, with the SQLite store's semantics (test/contract/).

const now = () => new Date().toISOString();
const EMPTY: CutoverStateRow = {
  plannedAt: null, confirmedAt: null, oldMx: null, mtaStsId: null, mtaStsPolicy: null, snapshotAt: null,
  mxTtlMax: null, mxTtlLowSince: null, watchStartedAt: null, lastDeltaAt: null, finalizedAt: null, rolledBackAt: null,
};
const copy = <T>(v: T): T => (v === null || v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export interface CutoverData {
  state: CutoverStateRow | undefined;
  steps: Map<string, StepRow>;
  checks: CheckRow[];
  servers: Map<string, ServerRow>;
  lateMail: LateMailRow[];
}

export const emptyCutover = (): CutoverData => ({ state: undefined, steps: new Map(), checks: [], servers: new Map(), lateMail: [] });

export class MemoryCutoverRecords implements CutoverRecords {
  constructor(
    private readonly d: CutoverData,
    private readonly sync: CopyCheckpoints,
  ) {}

  state(): CutoverStateRow {
    return copy(this.d.state ?? EMPTY);
  }

  updateState(fields: Partial<CutoverStateRow>): void {
    this.d.state ??= { ...EMPTY };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (this.d.state as unknown as Record<string, unknown>)[k] = copy(v);
  }

  saveSteps(steps: Omit<StepRow, 'state' | 'note' | 'updatedAt'>[]): void {
    for (const s of steps) {
      const prev = this.d.steps.get(s.key);
      this.d.steps.set(s.key, { ...copy(s), state: prev?.state ?? 'pending', note: prev?.note ?? null, updatedAt: prev?.updatedAt ?? now() });
    }
  }

  steps(): StepRow[] {
    return [...this.d.steps.values()].sort((a, b) => a.seq - b.seq).map(copy);
  }

  setStepState(key: string, state: StepState, note?: string): void {
    const s = this.d.steps.get(key);
    if (s) Object.assign(s, { state, note: note ?? s.note, updatedAt: now() });
  }

  saveCheckRun(runAt: string, results: Omit<CheckRow, 'runAt'>[]): void {
    for (const r of results) this.d.checks.push({ runAt, ...copy(r), data: r.data === undefined ? null : copy(r.data) });
  }

  lastCheckRun(): CheckRow[] {
    const last = this.d.checks.reduce<string | null>((m, c) => (m === null || c.runAt > m ? c.runAt : m), null);
    return last === null ? [] : this.d.checks.filter((c) => c.runAt === last).map(copy);
  }

  servers(): ServerRow[] {
    return [...this.d.servers.values()].sort((a, b) => (a.kind + '\u0000' + a.address < b.kind + '\u0000' + b.address ? -1 : 1)).map(copy);
  }

  recordServer(address: string, kind: ServerRow['kind'], state: ServerRow['state'], answer: string, at: string): boolean {
    const prev = this.d.servers.get(address);
    const effective = state === 'error' && prev ? prev.state : state;
    const flipped = effective === 'new' && prev?.state !== 'new';
    const flippedAt = effective === 'new' ? (prev?.flippedAt ?? at) : null;
    this.d.servers.set(address, { address, kind, state: effective, answer: state === 'error' ? `no answer: ${answer}` : answer, flippedAt, lastSeenAt: at });
    return flipped;
  }

  addLateMail(r: LateMailRow): void {
    this.d.lateMail.push(copy(r));
  }

  lateMail(): LateMailRow[] {
    return this.d.lateMail.map(copy);
  }

  messageStates(): Record<string, number> {
    return this.sync.messageStates();
  }
}
