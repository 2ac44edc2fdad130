import { hostname } from 'node:os';
import type { JobConfig } from '../config/types.js';
import type { HistoryRow } from '../store/pipeline-store.js';
import type { LockHolder, PhaseOutcome, PhaseRun } from '../store/contract/index.js';
import type { DualRunState } from '../store/contract/index.js';
import type { AsyncOf, AsyncJobStore } from '../store/contract/async.js';
import { mapInOrder } from '../store/contract/in-order.js';

// The job's state as the store records it: what `status` shows, what the pipeline decides
// "done" from, and what `resume` continues. Built from the store alone (works on a read-only
// store, while another process is running the job, and after a SIGKILL). Kept apart from the
// pipeline table so that other sections (dual-run health, sign-in) can add facts here.

export interface Reason {
  /** copied: copied, but with something the destination would not keep (dropped keywords). */
  state: 'skipped' | 'failed' | 'copied';
  reason: string;
  count: number;
}

export interface Counts {
  /** Source messages listed so far (every one has a row in the store). */
  found: number;
  copied: number;
  /** Of the copied: found already in the destination and adopted, not appended again. */
  adopted: number;
  /** Of the copied: copied with a recorded reason (keywords the destination could not keep). */
  copiedWithReason: number;
  /** Listed but not copied yet (pending or in flight). */
  pending: number;
  skipped: number;
  failed: number;
  /** Still to copy: pending, plus what the assessment counted in folders not listed yet. */
  remaining: number;
  /** Source folders to copy whose listing has not finished yet. */
  unlistedFolders: number;
}

export interface AccountState extends Counts {
  sourceUser: string;
  destinationUser: string;
  /** complete only when every folder is listed and nothing is pending, skipped or failed. */
  state: 'pending' | 'syncing' | 'complete' | 'incomplete' | 'failed' | 'interrupted';
  lastError: string | null;
  reasons: Reason[];
  folders: FolderState[];
}

export interface FolderState {
  direction: 'forward' | 'reverse';
  source: string;
  destination: string;
  state: 'active' | 'excluded' | 'gone';
  listed: boolean;
  found: number;
  copied: number;
  adopted: number;
  copiedWithReason: number;
  pending: number;
  skipped: number;
  failed: number;
  reasons: Reason[];
  droppedFlags: number;
  notes: string[];
}

export interface TimelineEntry {
  label: string;
  outcome: PhaseOutcome | 'killed';
  startedAt: string;
  finishedAt: string | null;
}

export interface JobFacts {
  job: string;
  store: string;
  /** False when no store exists yet: nothing has been done. */
  exists: boolean;
  /** The process running the job now (null when none, also when the holder died). */
  running: LockHolder | null;
  assess: { at: string; verdict: string; blockers: number; report: string | null } | null;
  /** A full sync (not a delta) finished complete. */
  syncComplete: boolean;
  /** The latest verify after that sync, if any. */
  verify: { at: string; clean: boolean } | null;
  dualRun: { passes: number; lastPassAt: string | null; lastPassComplete: boolean | null };
  cutover: {
    plannedAt: string | null;
    planned: boolean;
    checkedAt: string | null;
    failing: { id: string; title: string; reason: string }[];
    confirmedAt: string | null;
    propagated: boolean;
    finalizedAt: string | null;
    rolledBackAt: string | null;
    /** Steps only the operator can do, and whether the operator said they are done. */
    operatorSteps: { key: string; title: string; state: string }[];
  };
  kitAt: string | null;
  reportAt: string | null;
  totals: Counts;
  accounts: AccountState[];
  timeline: TimelineEntry[];
  history: HistoryRow[];
}

const ZERO: Counts = { found: 0, copied: 0, adopted: 0, copiedWithReason: 0, pending: 0, skipped: 0, failed: 0, remaining: 0, unlistedFolders: 0 };

/** What a job without a store looks like. */
export function emptyFacts(config: JobConfig): JobFacts {
  return {
    job: config.job,
    store: config.storePath,
    exists: false,
    running: null,
    assess: null,
    syncComplete: false,
    verify: null,
    dualRun: { passes: 0, lastPassAt: null, lastPassComplete: null },
    cutover: { plannedAt: null, planned: false, checkedAt: null, failing: [], confirmedAt: null, propagated: false, finalizedAt: null, rolledBackAt: null, operatorSteps: [] },
    kitAt: null,
    reportAt: null,
    totals: { ...ZERO },
    accounts: [],
    timeline: [],
    history: [],
  };
}

const commandOf = (r: PhaseRun) => (r.summary as { command?: string } | null)?.command;

/** A full sync: the sync phase run by `sync`, `run` or `resume`, not a delta of dual-run or cutover. */
export const isFullSync = (r: PhaseRun) => r.phase === 'sync' && (commandOf(r) === undefined || commandOf(r) === 'sync');

function alive(holder: LockHolder | undefined): LockHolder | null {
  if (!holder) return null;
  if (holder.host !== hostname()) return holder; // another host: trust the lock
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? holder : null;
  }
}

export async function readJobFacts(store: AsyncJobStore, config: JobConfig): Promise<JobFacts> {
  const facts = emptyFacts(config);
  facts.exists = true;
  facts.running = alive(await store.lockHolder());
  const runs = await store.phaseRuns();

  const a = await store.assess.latestAssessRun();
  const lastAssess = runs.filter((r) => r.phase === 'assess').at(-1);
  if (a && lastAssess?.outcome === 'complete') facts.assess = { at: a.generatedAt, verdict: a.verdict, blockers: a.blockers, report: a.reportDir };

  const fullSyncs = runs.filter(isFullSync);
  const lastComplete = fullSyncs.filter((r) => r.outcome === 'complete').at(-1);
  facts.syncComplete = !!lastComplete;
  const v = runs.filter((r) => r.phase === 'verify' && (!lastComplete || r.id > lastComplete.id) && r.outcome !== 'running').at(-1);
  if (v && lastComplete) facts.verify = { at: v.finishedAt ?? v.startedAt, clean: v.outcome === 'complete' };

  facts.accounts = await accountStates(store, runs, facts.running);
  for (const acc of facts.accounts) for (const k of Object.keys(ZERO) as (keyof Counts)[]) facts.totals[k] += acc[k];

  const dual = store.dualRun;
  const passes = await dual.passes();
  const lastPass = passes.at(-1);
  facts.dualRun = { passes: passes.length, lastPassAt: lastPass?.finishedAt ?? null, lastPassComplete: lastPass ? lastPass.complete : null };

  const cut = store.cutover;
  const st = await cut.state();
  const steps = await cut.steps();
  const checks = await cut.lastCheckRun();
  facts.cutover = {
    plannedAt: st.plannedAt,
    planned: steps.length > 0 && !!st.plannedAt,
    checkedAt: checks[0]?.runAt ?? null,
    failing: checks.filter((c) => c.status === 'FAIL').map((c) => ({ id: c.checkId, title: c.title, reason: c.reason })),
    confirmedAt: st.confirmedAt,
    propagated: steps.some((s) => s.key === 'propagation' && s.state === 'done'),
    finalizedAt: st.finalizedAt,
    rolledBackAt: st.rolledBackAt,
    operatorSteps: steps.filter((s) => s.who === 'you').map((s) => ({ key: s.key, title: s.title, state: s.state })),
  };
  facts.kitAt = runs.filter((r) => r.phase === 'kit' && r.outcome === 'complete').at(-1)?.finishedAt ?? null;
  facts.reportAt = runs.filter((r) => r.phase === 'report' && r.outcome === 'complete').at(-1)?.finishedAt ?? null;
  facts.timeline = await timeline(store, runs, dual, facts.running);
  facts.history = await store.pipeline.history();
  return facts;
}

async function accountStates(store: AsyncJobStore, runs: PhaseRun[], running: LockHolder | null): Promise<AccountState[]> {
  const sync = store.sync;
  const assessRun = await store.assess.latestAssessRun();
  const lastFull = runs.filter(isFullSync).at(-1);
  return mapInOrder(await store.accounts(), async (acc) => {
    const counts: Counts = { ...ZERO };
    const reasons = new Map<string, Reason>();
    const assessed = assessRun ? await store.assess.assessFolders(assessRun.id, { sourceUser: acc.sourceUser, side: 'source' }) : [];
    const folders: FolderState[] = [];
    for (const fp of await sync.folderPairs(acc.id)) {
      const c = await sync.folderCounts(fp.id);
      // The copier lists a folder in one go and then sets its watermark: no watermark, not listed.
      const listedAll = fp.srcUidvalidity !== null && fp.srcUidnext !== null;
      folders.push({
        direction: fp.direction,
        source: fp.sourceLogical ?? fp.sourcePath,
        destination: fp.destinationLogical ?? fp.destinationPath,
        state: fp.state,
        listed: listedAll,
        found: c.found,
        copied: c.copied,
        adopted: c.adopted,
        copiedWithReason: c.copiedWithReason,
        pending: c.pending,
        skipped: c.skipped,
        failed: c.failed,
        reasons: c.reasons as Reason[],
        droppedFlags: (await sync.droppedFlags(fp.id)).length,
        notes: fp.notes,
      });
      if (fp.state !== 'active' || fp.direction !== 'forward') continue;
      counts.found += c.found;
      counts.copied += c.copied;
      counts.adopted += c.adopted;
      counts.copiedWithReason += c.copiedWithReason;
      counts.pending += c.pending;
      counts.skipped += c.skipped;
      counts.failed += c.failed;
      counts.remaining += c.pending;
      if (!listedAll) {
        counts.unlistedFolders++;
        // The sync's own folder listing is the freshest count; an assessment's inventory otherwise.
        const inv = fp.sourceMessagesListed ?? assessed.find((f) => f.logicalPath === (fp.sourceLogical ?? fp.sourcePath) || f.path === fp.sourcePath)?.messages;
        if (inv !== undefined) counts.remaining += Math.max(0, inv - c.found);
      }
      for (const r of c.reasons) {
        const key = `${r.state}\u0000${r.reason}`;
        const had = reasons.get(key);
        if (had) had.count += r.count;
        else reasons.set(key, { state: r.state as Reason['state'], reason: r.reason, count: r.count });
      }
    }
    let state: AccountState['state'] = acc.state;
    // The copier writes "syncing" first: a run that died or was stopped leaves it (or a premature
    // "complete") behind, so the counts and the last sync's outcome decide.
    const lastEnded = lastFull && (lastFull.outcome === 'interrupted' || (lastFull.outcome === 'running' && !running));
    if (state === 'syncing' && !running) state = 'interrupted';
    if (state === 'complete' && (counts.pending || counts.unlistedFolders || counts.skipped || counts.failed)) state = lastEnded ? 'interrupted' : 'incomplete';
    return { sourceUser: acc.sourceUser, destinationUser: acc.destinationUser, state, lastError: acc.lastError, reasons: [...reasons.values()], ...counts, folders };
  });
}

async function timeline(store: AsyncJobStore, runs: PhaseRun[], dual: AsyncOf<DualRunState>, running: LockHolder | null): Promise<TimelineEntry[]> {
  const out: (TimelineEntry & { order: string })[] = [];
  const outcome = (r: PhaseRun): TimelineEntry['outcome'] => (r.outcome === 'running' && !running ? 'killed' : r.outcome);
  const passes = await dual.passes();
  let passNo = 0;
  for (const r of runs) {
    const cmd = commandOf(r);
    if (r.phase === 'sync' && !isFullSync(r)) continue; // the deltas of dual-run and cutover are shown as those
    if (r.phase === 'dual-run') {
      const mine = passes.filter((p) => p.runId === r.id);
      for (const p of mine) {
        passNo++;
        out.push({ label: `dual-run pass ${passNo}`, outcome: p.complete ? 'complete' : 'incomplete', startedAt: p.startedAt, finishedAt: p.finishedAt, order: p.startedAt });
      }
      if (!mine.length || r.outcome === 'running' || r.outcome === 'interrupted') {
        out.push({ label: mine.length ? 'dual-run' : `dual-run pass ${passNo + 1}`, outcome: outcome(r), startedAt: r.startedAt, finishedAt: r.finishedAt, order: r.startedAt });
      }
      continue;
    }
    const label = r.phase === 'cutover' ? (cmd ?? 'cutover') : r.phase === 'rollback' ? 'cutover rollback' : r.phase === 'verify' && (r.summary as { deep?: boolean } | null)?.deep ? 'verify --deep' : r.phase;
    out.push({ label, outcome: outcome(r), startedAt: r.startedAt, finishedAt: r.finishedAt, order: r.startedAt });
  }
  for (const e of await store.events({ kind: 'cutover.confirmed' })) out.push({ label: 'cutover confirm', outcome: 'complete', startedAt: e.at, finishedAt: e.at, order: e.at });
  for (const e of await store.events({ kind: 'gate.forced' })) out.push({ label: `${(e.data as { command?: string } | null)?.command ?? 'gate'} --force`, outcome: 'complete', startedAt: e.at, finishedAt: e.at, order: e.at });
  out.sort((x, y) => (x.order < y.order ? -1 : x.order > y.order ? 1 : 0));
  return out.map(({ order: _o, ...t }) => t);
}
