import type { Credentials } from '../auth/types.js';
import { decide, policyOf } from '../errors/policy.js';
import { sleep } from '../copier/backoff.js';
import type { Account, JobConfig } from '../config/types.js';
import { Session } from '../copier/session.js';
import { classifyImapError } from '../imap/errors.js';
import { listFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import type { DualRunState, JobStore } from '../store/contract/index.js';
import { flagPassFolder, type FlagEnv } from './folder-flags.js';

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
  store: JobStore;
  dual: DualRunState;
  log: Logger;
  signal: AbortSignal;
  credentials: Credentials;
}

/**
 * The flag step of one account, over every active folder pair the sync copies: one LIST-STATUS
 * on the source, then per changed folder an EXAMINE and a flags-only FETCH. The destination is
 * only logged in to when there is something to write. A failing folder does not stop the others.
 */
export async function flagPassAccount(deps: FlagPassDeps, a: Account): Promise<AccountFlagResult> {
  const out: AccountFlagResult = { user: a.sourceUser, applied: 0, kept: 0, deleted: 0, unchangedFolders: 0, folders: 0, errors: [] };
  const accountId = deps.store.accounts().find((x) => x.sourceUser === a.sourceUser)?.id;
  if (accountId === undefined) {
    out.errors.push(`${a.sourceUser}: not synced yet`);
    return out;
  }
  const log = deps.log.child({ account: a.sourceUser });
  const pairs = deps.store.sync.folderPairs(accountId, 'forward').filter((p) => p.state === 'active' && p.srcUidvalidity !== null);
  const env: FlagEnv = {
    account: a.sourceUser,
    dual: deps.dual,
    log,
    event: (level, kind, message, data) => deps.store.addEvent({ phase: 'dual-run', accountId, level, kind, message: `${a.sourceUser}: ${message}`, data }),
  };
  const login = { account: a, credentials: deps.credentials };
  const src = new Session(deps.config.source, login, 'source', log);
  const dst = new Session(deps.config.destination, login, 'destination', log);
  try {
    const listed = await listFolders(await src.get());
    const status = new Map(listed.folders.map((f) => [f.path, f.status]));
    for (const fp of pairs) {
      if (deps.signal.aborted) break;
      out.folders++;
      try {
        const r = await flagPassFolder(env, await src.get(), () => dst.get(), fp, status.get(fp.sourcePath));
        out.applied += r.applied;
        out.kept += r.kept;
        out.deleted += r.deleted;
        if (r.mode === 'skipped') out.unchangedFolders++;
        out.errors.push(...r.errors.map((e) => `${a.sourceUser}: ${e}`));
      } catch (err) {
        const f = classifyImapError(err);
        out.errors.push(`${a.sourceUser}: ${fp.sourcePath}: ${f.message}`);
        log.warn({ folder: fp.sourcePath, err: f.message }, 'flag pass of a folder failed');
        // The failure policy (src/errors/policy.ts): a permanent account-wide failure ends this
        // account's pass; a throttling answer waits what the server asked before the next folder.
        const d = decide(f, 1, 0, deps.config.retry);
        if (d.action === 'stop' && d.scope === 'account' && policyOf(f).permanent) break;
        if (d.action === 'retry' && d.serverPauseMs) await sleep(d.serverPauseMs, deps.signal);
        // A fresh session for the next folder; this one is retried next pass.
        await Promise.all([src.reset(), dst.reset()]);
      }
    }
  } catch (err) {
    out.errors.push(`${a.sourceUser}: ${classifyImapError(err).message}`);
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
  return out;
}
