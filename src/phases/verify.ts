import type { ImapFlow } from 'imapflow';
import { decide } from '../errors/policy.js';
import { sleep } from '../copier/backoff.js';
import type { Account } from '../config/types.js';
import { closeImap, connectImap } from '../imap/connect.js';
import { credentialsOf } from './context.js';
import { listFolders } from '../imap/folders.js';
import { planFolderMapping, type FolderMapping } from '../mapping/plan.js';
import { compareFolder, firstDifference, showBytes, type Difference } from '../verify/compare.js';
import { addFolderToTotals, emptyTotals, type VerifiedFolder, type VerifyResult } from '../verify/result.js';
import { scanFolder, type ScannedFolder } from '../verify/scan.js';
import type { PhaseContext } from './context.js';
import type { VerifyRecords } from '../store/contract/index.js';

export interface VerifyOptions {
  /** Also compare every message's full bytes (sha256), flags and keywords. */
  deep?: boolean;
}

/**
 * Compares every mapped folder pair of every account, read-only on both servers, and stores the
 * result (verify_runs/folders/differences) for the report. Never throws for differences: the
 * caller decides the exit code from `result.clean`.
 */
export async function runVerify(ctx: PhaseContext, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const deep = opts.deep ?? false;
  const vs = ctx.store.verify;
  const phaseId = ctx.store.startPhase('verify');
  const runId = vs.startRun(deep);
  const startedAt = new Date().toISOString();
  const totals = emptyTotals();
  const folders: VerifiedFolder[] = [];
  const task = ctx.progress.task(deep ? 'verify (deep)' : 'verify', 0, 'messages');
  let expected = 0;
  const record = (f: VerifiedFolder) => {
    vs.addFolder(runId, f);
    addFolderToTotals(totals, f);
    folders.push(f);
  };
  try {
    // Accounts run a few at a time; each uses one connection per server.
    const limit = Math.max(1, Math.min(4, ctx.config.source.maxConnections, ctx.config.destination.maxConnections));
    const queue = [...ctx.accounts];
    const worker = async () => {
      for (let a = queue.shift(); a && !ctx.signal.aborted; a = queue.shift()) {
        await verifyAccount(ctx, a, deep, vs, record, {
          grow: (n) => task.setTotal((expected += n)),
          tick: () => task.increment(1),
        });
        totals.accounts++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
  } catch (err) {
    vs.finishRun(runId, 'failed', totals);
    ctx.store.finishPhase(phaseId, 'failed', { error: (err as Error).message });
    throw err;
  } finally {
    task.stop();
  }
  const interrupted = ctx.signal.aborted;
  const clean = !interrupted && totals.missing === 0 && totals.duplicated === 0 && totals.altered === 0 && totals.errors === 0;
  const outcome: VerifyResult['outcome'] = interrupted ? 'interrupted' : clean ? 'clean' : 'differences';
  vs.finishRun(runId, outcome, totals);
  ctx.store.finishPhase(phaseId, interrupted ? 'interrupted' : clean ? 'complete' : 'incomplete', { deep, ...totals });
  ctx.log.info({ deep, ...totals, outcome }, 'verify finished');
  // Accounts ran side by side; list each account's folders together, in the order compared.
  const order = new Map(ctx.accounts.map((a, i) => [a.sourceUser, i]));
  const sorted = folders.map((f, i) => ({ f, i })).sort((a, b) => (order.get(a.f.account) ?? 0) - (order.get(b.f.account) ?? 0) || a.i - b.i).map((x) => x.f);
  return { runId, deep, startedAt, finishedAt: new Date().toISOString(), clean, outcome, totals, folders: sorted };
}

async function verifyAccount(
  ctx: PhaseContext,
  account: Account,
  deep: boolean,
  vs: VerifyRecords,
  record: (f: VerifiedFolder) => void,
  progress: { grow(n: number): void; tick(): void },
): Promise<void> {
  const who = { account: account.sourceUser, destinationAccount: account.destinationUser };
  let src: ImapFlow | undefined;
  let dst: ImapFlow | undefined;
  try {
    let plan: FolderMapping[];
    try {
      const login = { account, credentials: credentialsOf(ctx) };
      src = await connectImap(ctx.config.source, login, { log: ctx.log, side: 'source' });
      dst = await connectImap(ctx.config.destination, login, { log: ctx.log, side: 'destination' });
      const [srcList, dstList] = [await listFolders(src), await listFolders(dst)];
      plan = planFolderMapping(srcList, dstList, ctx.config.folders, { destinationPreset: ctx.config.destination.preset });
    } catch (err) {
      record(failed(who, '*', '*', (err as Error).message));
      return;
    }
    const pairs = plan.filter((m) => m.action === 'copy');
    progress.grow(pairs.reduce((n, m) => n + (m.source.status?.messages ?? 0), 0));
    const attempts = new Map<string, number>();
    for (const m of pairs) {
      if (ctx.signal.aborted) return;
      try {
        const source = await scanFolder(src, m.source.path, { deep, signal: ctx.signal, onMessage: progress.tick });
        // A destination folder that does not exist yet holds nothing: every source message is missing.
        const destination: ScannedFolder = m.existsOnDestination ? await scanFolder(dst, m.destinationPath, { deep, signal: ctx.signal }) : { messages: [] };
        const checkpoint = vs.folderCheckpoint(account.sourceUser, [m.source.path, m.source.logicalPath], source.uidValidity, destination.uidValidity);
        const useMapping = checkpoint.mapping.size > 0;
        const c = compareFolder({
          source: source.messages,
          destination: destination.messages,
          mapping: useMapping ? checkpoint.mapping : undefined,
          notCopied: checkpoint.notCopied,
          droppedFlags: checkpoint.droppedFlags,
          deep,
          destinationPermanentFlags: destination.permanentFlags,
          destinationFlags: destination.flags,
        });
        if (deep) await locateByteChanges(src, dst, m.source.path, m.destinationPath, c.differences);
        record({
          ...who,
          sourcePath: m.source.logicalPath,
          destinationPath: m.destinationLogicalPath,
          method: useMapping ? 'store' : 'scan',
          sourceCount: c.sourceCount,
          destinationCount: c.destinationCount,
          matched: c.matched,
          missing: c.missing,
          duplicated: c.duplicated,
          extra: c.extra,
          altered: c.altered,
          refusedFlags: c.refusedFlags,
          sourceDigest: c.sourceDigest,
          destinationDigest: c.destinationDigest,
          differences: c.differences,
        });
      } catch (err) {
        // The failure policy: a dropped session or a throttling answer gets fresh sessions and
        // this folder again (bounded by retry:); anything else is counted and shown, and one
        // unreadable folder does not hide the others.
        const d = decide(err, (attempts.get(m.source.path) ?? 0) + 1, 0, ctx.config.retry);
        if (d.action === 'retry' && !ctx.signal.aborted) {
          attempts.set(m.source.path, (attempts.get(m.source.path) ?? 0) + 1);
          ctx.log.warn({ folder: m.source.path, kind: d.failure.kind, err: d.failure.message, waitMs: d.waitMs }, 'verify: transient failure; reading the folder again on fresh sessions');
          await sleep(d.waitMs, ctx.signal);
          await closeImap(src);
          await closeImap(dst);
          try {
            const login = { account, credentials: credentialsOf(ctx) };
            src = await connectImap(ctx.config.source, login, { log: ctx.log, side: 'source' });
            dst = await connectImap(ctx.config.destination, login, { log: ctx.log, side: 'destination' });
            pairs.splice(pairs.indexOf(m) + 1, 0, m);
            continue;
          } catch {
            // Reconnecting failed too: recorded below like any other failure.
          }
        }
        record(failed(who, m.source.logicalPath, m.destinationLogicalPath, (err as Error).message));
        if (!src.usable || !dst.usable) return;
      }
    }
  } finally {
    await closeImap(src);
    await closeImap(dst);
  }
}

function failed(who: { account: string; destinationAccount: string }, sourcePath: string, destinationPath: string, error: string): VerifiedFolder {
  return {
    ...who,
    sourcePath,
    destinationPath,
    method: 'scan',
    sourceCount: 0,
    destinationCount: 0,
    matched: 0,
    missing: 0,
    duplicated: 0,
    extra: 0,
    altered: 0,
    refusedFlags: [],
    error,
    differences: [],
  };
}

/**
 * For messages whose bytes differ (verify --deep), the first differing byte range and what the
 * bytes were on each side, so the user sees what the destination changed (e.g. 8-bit header
 * bytes rewritten as 'X' by Cyrus's munge8bit). Both bodies are read again, at most 50 per folder.
 */
async function locateByteChanges(src: ImapFlow, dst: ImapFlow, srcPath: string, dstPath: string, differences: Difference[]): Promise<void> {
  const todo = differences.filter((d) => d.kind === 'altered' && d.parts?.includes('bytes') && d.srcUid !== undefined && d.dstUid !== undefined).slice(0, 50);
  if (!todo.length) return;
  const read = async (client: ImapFlow, path: string, uids: number[]) => {
    const out = new Map<number, Buffer>();
    const lock = await client.getMailboxLock(path, { readOnly: true });
    try {
      for await (const m of client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) if (m.source) out.set(m.uid, m.source);
    } finally {
      lock.release();
    }
    return out;
  };
  const a = await read(src, srcPath, todo.map((d) => d.srcUid!));
  const b = await read(dst, dstPath, todo.map((d) => d.dstUid!));
  for (const d of todo) {
    const x = a.get(d.srcUid!);
    const y = b.get(d.dstUid!);
    if (!x || !y) continue;
    const r = firstDifference(x, y);
    if (!r) continue;
    d.byteRange = r;
    d.detail += `; first difference at byte ${r.start}: source bytes ${r.start}-${r.sourceEnd} "${showBytes(x.subarray(r.start, Math.max(r.sourceEnd, r.start + 1)))}" -> destination bytes ${r.start}-${r.destinationEnd} "${showBytes(y.subarray(r.start, Math.max(r.destinationEnd, r.start + 1)))}"`;
  }
}
