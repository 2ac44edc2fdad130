import { policyOf } from '../errors/policy.js';
import type { Account, JobConfig } from '../config/types.js';
import { withRetry } from '../copier/retry.js';
import { withPair, withSession } from '../copier/session-pools.js';
import { classifyImapError } from '../imap/errors.js';
import { listFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import type { DualRunState } from '../store/contract/index.js';
import type { AsyncOf, AsyncJobStore } from '../store/contract/async.js';
import { flagPassFolder, type FlagEnv } from './folder-flags.js';
import type { PassSessions } from './pass-sessions.js';

export interface AccountFlagResult {
  user: string;
  applied: number;
  kept: number;
  deleted: number;
  /** Folder pairs whose source showed no change at all (STATUS only, no SELECT). */
  unchangedFolders: number;
  folders: number;
  errors: string[];
}

export interface FlagPassDeps {
  config: JobConfig;
  store: AsyncJobStore;
  dual: AsyncOf<DualRunState>;
  log: Logger;
  signal: AbortSignal;
  /** The pass's pooled sessions (the account's from its earlier steps are reused) and its retry rule. */
  sessions: PassSessions;
}

/**
 * The flag step of one account, over every active folder pair the sync copies: one LIST-STATUS
 * on the source, then per changed folder an EXAMINE and a flags-only FETCH, on the pass's pooled
 * sessions. The destination session is only used when there is something to write. A folder that
 * fails for its own reason does not stop the others; one the policy stops the account for does.
 */
export async function flagPassAccount(deps: FlagPassDeps, a: Account): Promise<AccountFlagResult> {
  const out: AccountFlagResult = { user: a.sourceUser, applied: 0, kept: 0, deleted: 0, unchangedFolders: 0, folders: 0, errors: [] };
  const accountId = (await deps.store.accounts()).find((x) => x.sourceUser === a.sourceUser)?.id;
  if (accountId === undefined) {
    out.errors.push(`${a.sourceUser}: not synced yet`);
    return out;
  }
  const log = deps.log.child({ account: a.sourceUser, step: 'flags' });
  const pairs = (await deps.store.sync.folderPairs(accountId, 'forward')).filter((p) => p.state === 'active' && p.srcUidvalidity !== null);
  const env: FlagEnv = {
    account: a.sourceUser,
    dual: deps.dual,
    log,
    event: (level, kind, message, data) => deps.store.addEvent({ phase: 'dual-run', accountId, level, kind, message: `${a.sourceUser}: ${message}`, data }),
  };
  const { pools } = deps.sessions;
  const retry = { ...deps.sessions.retry, log };
  try {
    const listed = await withRetry(retry, () => withSession(pools.from, a, deps.signal, async (src) => listFolders(await src.get())));
    const status = new Map(listed.folders.map((f) => [f.path, f.status]));
    for (const fp of pairs) {
      if (deps.signal.aborted) break;
      out.folders++;
      try {
        // Leased per folder (the account's idle sessions come back at once): a transient failure
        // is retried on fresh sessions as the failure policy says, then this folder waits for the next pass.
        const r = await withRetry(retry, () => withPair(pools, a, deps.signal, async (src, dst) => flagPassFolder(env, await src.get(), () => dst.get(), fp, status.get(fp.sourcePath))));
        out.applied += r.applied;
        out.kept += r.kept;
        out.deleted += r.deleted;
        if (r.mode === 'skipped') out.unchangedFolders++;
        out.errors.push(...r.errors.map((e) => `${a.sourceUser}: ${e}`));
      } catch (err) {
        const f = classifyImapError(err);
        out.errors.push(`${a.sourceUser}: ${fp.sourcePath}: ${f.message}`);
        log.warn({ folder: fp.sourcePath, err: f.message }, 'flag pass of a folder failed');
        // What the policy stops for the whole account (after its retries) ends this account's step.
        const scope = policyOf(f).scope;
        if (scope === 'account' || scope === 'job' || deps.signal.aborted) break;
      }
    }
  } catch (err) {
    out.errors.push(`${a.sourceUser}: ${classifyImapError(err).message}`);
  }
  return out;
}
