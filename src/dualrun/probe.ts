import type { DeletesMode } from '../config/dualrun-schema.js';
import type { Account, JobConfig } from '../config/types.js';
import { withPair } from '../copier/session-pools.js';
import { listFolders, type ListedFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import { planFolderMapping } from '../mapping/plan.js';
import type { AsyncJobStore } from '../store/contract/async.js';
import type { PassSessions } from './pass-sessions.js';

export interface ProbeDeps {
  config: JobConfig;
  store: AsyncJobStore;
  log: Logger;
  signal: AbortSignal;
  deletes: DeletesMode;
  /** The pass's sessions: the probe's go back idle, for this account's next step to reuse. */
  sessions: PassSessions;
}

export interface AccountProbe {
  user: string;
  /** Nothing for the move, sync or flag step to do: the pass leaves this account alone. */
  unchanged: boolean;
  /** Why not (the first difference found), for the debug log. */
  reason?: string;
  /** Active folder pairs judged unchanged (all of the account's when `unchanged`). */
  folders: number;
}

/**
 * Whether one account needs any work this pass, from one LIST-STATUS on each side (logged in to
 * in parallel, on the pass's pooled sessions) compared with the store. Unchanged means: every copied folder has the UIDVALIDITY,
 * UIDNEXT and MESSAGES the sync and the move step last saw and the HIGHESTMODSEQ of the last flag
 * pass (so the move, sync and flag steps would each find nothing), the mapping is the one stored
 * (no new, renamed or vanished folder on the source, no re-created folder on the destination, no
 * config change), and nothing is left open (intents, batches, destination actions, deletions to
 * carry). Anything else, or any error, and the account takes the full pass as before. Without
 * HIGHESTMODSEQ (no CONDSTORE) flag changes cannot be seen from STATUS: never unchanged.
 */
export async function probeAccount(deps: ProbeDeps, a: Account): Promise<AccountProbe> {
  const changed = (reason: string): AccountProbe => ({ user: a.sourceUser, unchanged: false, reason, folders: 0 });
  const account = (await deps.store.accounts()).find((x) => x.sourceUser === a.sourceUser);
  if (!account) return changed('not synced yet');
  if (account.state !== 'complete') return changed(`last sync ${account.state}`);
  const { sync, dualRunActions: acts, dualRun: dual } = deps.store;
  const allPairs = await sync.folderPairs(account.id, 'forward');
  const active = allPairs.filter((p) => p.state === 'active');
  if (active.some((p) => p.srcUidvalidity === null)) return changed('a folder not listed yet');
  const ids = allPairs.map((p) => p.id);
  if ((await acts.open(ids)).length) return changed('destination actions in flight');
  if (deps.deletes !== 'keep' && (await acts.deletedWithoutAction(active.map((p) => p.id))).length) return changed('source expunges to carry');
  for (const p of active) if (await sync.countOpen(p.id, p.srcUidvalidity!) > 0 || (await sync.openBatches(p.id)).length > 0) return changed(`${p.sourcePath}: messages not copied yet`);

  let listed: [ListedFolders, ListedFolders];
  try {
    // Logged in to in parallel (a session connects on first use); a failed session goes back broken.
    listed = await withPair(deps.sessions.pools, a, deps.signal, (src, dst) => Promise.all([src.get().then(listFolders), dst.get().then(listFolders)]));
  } catch (err) {
    return changed(`listing: ${(err as Error).message}`);
  }
  const [sl, dl] = listed;
  const mappings = planFolderMapping(sl, dl, deps.config.folders, { destinationPreset: deps.config.destination.preset });
  const seen = new Set<number>();
  for (const m of mappings) {
    const fp = allPairs.find((p) => p.sourcePath === m.source.path);
    if (m.action === 'blocked') return changed(`${m.source.path}: blocked`);
    if (!fp) return changed(`${m.source.path}: new folder`);
    seen.add(fp.id);
    if (m.action !== 'copy') {
      if (fp.state !== 'excluded') return changed(`${m.source.path}: now excluded`);
      continue;
    }
    if (fp.state !== 'active' || fp.destinationPath !== m.destinationPath) return changed(`${m.source.path}: mapping changed`);
    const s = m.source.status;
    const uv = fp.srcUidvalidity!;
    if (!s || String(s.uidValidity) !== uv) return changed(`${m.source.path}: UIDVALIDITY`);
    if (s.uidNext !== fp.srcUidnext || s.messages !== await dual.expectedOnSource(fp.id, uv)) return changed(`${m.source.path}: counts`);
    const w = await dual.watermark(fp.id);
    if (s.highestModseq === undefined || !w || w.srcUidvalidity !== uv || w.flagsModseq !== String(s.highestModseq) || w.srcExists !== s.messages || w.srcUidnext !== s.uidNext) return changed(`${m.source.path}: flags may have changed`);
    if (fp.dstUidvalidity !== null) {
      const d = dl.folders.find((f) => f.path === fp.destinationPath)?.status;
      if (!d || String(d.uidValidity) !== fp.dstUidvalidity) return changed(`${fp.destinationPath}: destination folder re-created or gone`);
    }
  }
  if (active.some((p) => !seen.has(p.id))) return changed('a folder is gone from the source');
  return { user: a.sourceUser, unchanged: true, folders: active.length };
}
