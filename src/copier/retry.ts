import { decide, type RetryBound } from '../errors/policy.js';
import { ImapFailure } from '../imap/errors.js';
import type { Logger } from '../logger.js';
import { sleep } from './backoff.js';
import { AccountStop } from './folder.js';
import type { ServerThrottle } from './limits.js';

export interface RetryEnv {
  log: Logger;
  signal: AbortSignal;
  retry: RetryBound;
  fromThrottle: ServerThrottle;
  toThrottle: ServerThrottle;
}

/**
 * Runs `fn`, retrying what the failure policy retries (src/errors/policy.ts). `fn` leases its
 * sessions from the pools, which replace a broken one, so each try starts on a fresh connection
 * and resumes from the store's checkpoint. `progress` (messages copied so far) restarts the count:
 * a lossy link that still moves mail between cuts is worth retrying; one that moves nothing gives
 * up after the bound. A throttling answer pauses every account's sessions on the job's servers
 * for the time the server asked.
 */
export async function withRetry<T>(env: RetryEnv, fn: () => Promise<T>, maxAttempts = Infinity, progress?: () => number): Promise<T> {
  let seen = progress?.() ?? 0;
  let since = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AccountStop) throw err;
      const now = progress?.() ?? 0;
      if (now > seen) (attempt = 1), (seen = now), (since = Date.now());
      const d = decide(err, attempt, Date.now() - since, { ...env.retry, maxAttempts: Math.min(env.retry.maxAttempts, maxAttempts - 1) });
      const f = d.failure;
      if (d.action === 'stop' || env.signal.aborted) throw f instanceof ImapFailure ? f : err;
      // Which side throttled is not known here: both servers' sessions wait (all accounts).
      let wait = d.waitMs;
      if (d.serverPauseMs !== undefined) wait = Math.max(env.fromThrottle.throttled(f), env.toThrottle.throttled(f));
      env.log.warn({ kind: f.kind, err: f.message, attempt, waitMs: wait }, d.serverPauseMs !== undefined ? `server ${f.kind === 'throttled' ? 'throttling' : 'unavailable'}; every session to it waits` : 'transient failure; retrying on a fresh connection');
      await sleep(wait, env.signal);
      if (env.signal.aborted) throw f;
    }
  }
}
