import { existsSync } from 'node:fs';
import type { JobConfig } from '../config/types.js';
import { evaluateHealth, type HealthState } from '../dualrun/health.js';
import { Store } from '../store/store.js';

// What the dashboard shows, read from the store alone (opened read-only). Rates and ETAs come
// from the change in copied messages between polls, smoothed over the last minute.

export interface AccountProgress {
  account: string;
  destination: string;
  state: string;
  total: number;
  copied: number;
  pending: number;
  failed: number;
  skipped: number;
  bytesCopied: number;
  /** Messages per minute over the recent window; null until two samples exist. */
  ratePerMinute: number | null;
  /** Seconds left at the current rate; null when not measurable. */
  etaSeconds: number | null;
}

export interface Snapshot {
  at: string;
  hasStore: boolean;
  job: { name: string; company: string; domain: string };
  phases: { phase: string; startedAt: string; finishedAt: string | null; outcome: string }[];
  accounts: AccountProgress[];
  totals: { total: number; copied: number; pending: number; failed: number; skipped: number; ratePerMinute: number | null; etaSeconds: number | null };
  dualRun: {
    state: string | null;
    startedAt: string | null;
    finishedAt: string | null;
    summary: unknown;
    events: { at: string; level: string; kind: string; message: string }[];
    /** From the heartbeat, judged as `status` and `health` judge it; null before the first dual-run. */
    health: { state: HealthState; reason: string; lastPassAt: string | null; nextPassAt: string | null; lagSeconds: number | null } | null;
    /** The newest canary rounds first. */
    canaries: { sentAt: string; mx: string; state: string; deliverySeconds: number | null; lagSeconds: number | null }[];
  };
  /** The latest `mailshift adoption` check, from the event it records. */
  adoption: { at: string; since: string; active: number; people: number } | null;
  cutover: { plannedAt: string | null; confirmedAt: string | null; finalizedAt: string | null; steps: { key: string; seq: number; title: string; dueAt: string | null; state: string; note: string | null }[] };
  audit: { at: string; level: string; phase: string | null; kind: string; message: string }[];
}

const WINDOW_MS = 60_000;

export class SnapshotReader {
  private store: Store | undefined;
  private readonly samples = new Map<string, { t: number; copied: number }[]>();

  constructor(private readonly config: JobConfig) {}

  /** Opens the store read-only on first use (it may not exist yet when serve starts). */
  private open(): Store | undefined {
    if (this.store) return this.store;
    if (!existsSync(this.config.storePath)) return undefined;
    try {
      this.store = Store.open(this.config.storePath, { readonly: true });
    } catch {
      return undefined;
    }
    return this.store;
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }

  read(now = Date.now()): Snapshot {
    const job = { name: this.config.job, company: this.config.company, domain: this.config.domain };
    const empty: Snapshot = {
      at: new Date(now).toISOString(),
      hasStore: false,
      job,
      phases: [],
      accounts: [],
      totals: { total: 0, copied: 0, pending: 0, failed: 0, skipped: 0, ratePerMinute: null, etaSeconds: null },
      dualRun: { state: null, startedAt: null, finishedAt: null, summary: null, events: [], health: null, canaries: [] },
      adoption: null,
      cutover: { plannedAt: null, confirmedAt: null, finalizedAt: null, steps: [] },
      audit: [],
    };
    const store = this.open();
    if (!store) return empty;
    let snap: Snapshot;
    try {
      snap = this.readFrom(store, now, empty);
    } catch {
      // A store still being created (no tables yet) reads as empty until the next poll.
      this.close();
      return empty;
    }
    return snap;
  }

  private readFrom(store: Store, now: number, empty: Snapshot): Snapshot {
    const accounts = new Map<string, AccountProgress>();
    for (const a of store.accounts()) {
      accounts.set(a.sourceUser, { account: a.sourceUser, destination: a.destinationUser, state: a.state, total: 0, copied: 0, pending: 0, failed: 0, skipped: 0, bytesCopied: 0, ratePerMinute: null, etaSeconds: null });
    }
    for (const r of store.verify.folderTotals()) {
      const a = accounts.get(r.account);
      if (!a) continue;
      a.total += r.total;
      a.copied += r.copied;
      a.pending += r.pending;
      a.failed += r.failed;
      a.skipped += r.skipped;
      a.bytesCopied += r.bytesCopied;
    }
    const totals = { ...empty.totals };
    let rateSum = 0;
    let rated = false;
    for (const a of accounts.values()) {
      const list = this.samples.get(a.account) ?? [];
      list.push({ t: now, copied: a.copied });
      while (list.length > 2 && now - list[0]!.t > WINDOW_MS) list.shift();
      this.samples.set(a.account, list);
      const first = list[0]!;
      if (list.length >= 2 && now > first.t) {
        a.ratePerMinute = ((a.copied - first.copied) / (now - first.t)) * 60_000;
        rateSum += a.ratePerMinute;
        rated = true;
        a.etaSeconds = a.pending === 0 ? 0 : a.ratePerMinute > 0 ? (a.pending / a.ratePerMinute) * 60 : null;
      }
      totals.total += a.total;
      totals.copied += a.copied;
      totals.pending += a.pending;
      totals.failed += a.failed;
      totals.skipped += a.skipped;
    }
    if (rated) {
      totals.ratePerMinute = rateSum;
      totals.etaSeconds = totals.pending === 0 ? 0 : rateSum > 0 ? (totals.pending / rateSum) * 60 : null;
    }
    const runs = store.phaseRuns();
    const dual = [...runs].reverse().find((p) => p.phase === 'dual-run');
    const cut = store.cutover;
    const st = cut.state();
    const beats = store.dualRunHealth;
    const beat = beats.heartbeat();
    const health = beat ? evaluateHealth(beat, { now, lagAlertSeconds: this.config.dualRun.lagAlertSeconds }) : undefined;
    const adopted = store.dashboard.latestPhaseEvents('adoption', 20).find((e) => e.kind === 'adoption.result');
    const ad = adopted?.data as { since?: string; active?: number; people?: number } | null | undefined;
    return {
      ...empty,
      hasStore: true,
      phases: runs.map((p) => ({ phase: stepOf(p), startedAt: p.startedAt, finishedAt: p.finishedAt, outcome: p.outcome })),
      accounts: [...accounts.values()],
      totals,
      dualRun: {
        state: dual?.outcome ?? null,
        startedAt: dual?.startedAt ?? null,
        finishedAt: dual?.finishedAt ?? null,
        summary: dual?.summary ?? null,
        events: store.dashboard.latestPhaseEvents('dual-run', 10).map((e) => ({ at: e.at, level: e.level, kind: e.kind, message: e.message })),
        health: health ? { state: health.state, reason: health.reason, lastPassAt: health.lastPassAt ?? null, nextPassAt: health.nextPassAt ?? null, lagSeconds: health.lagSeconds ?? null } : null,
        canaries: beats.canaries(20).reverse().map((c) => ({ sentAt: c.sentAt, mx: c.mxHost, state: c.state, deliverySeconds: c.deliveryS, lagSeconds: c.lagS })),
      },
      adoption: adopted && ad && typeof ad.active === 'number' && typeof ad.people === 'number' ? { at: adopted.at, since: ad.since ?? adopted.at, active: ad.active, people: ad.people } : null,
      cutover: {
        plannedAt: st.plannedAt,
        confirmedAt: st.confirmedAt,
        finalizedAt: st.finalizedAt,
        steps: cut.steps().map((s) => ({ key: s.key, seq: s.seq, title: s.title, dueAt: s.dueAt, state: s.state, note: s.note })),
      },
      audit: store.dashboard.latestEvents(50).map((e) => ({ at: e.at, level: e.level, phase: e.phase, kind: e.kind, message: e.message })),
    };
  }
}

function stepOf(p: { phase: string; summary: unknown }): string {
  const command = (p.summary as { command?: unknown } | null)?.command;
  return typeof command === 'string' ? command : p.phase;
}
