import type { ImapFailure } from '../imap/errors.js';
import { backoffMs, DEFAULT_RETRY, policyOf, serverPauseMs, type RetryBound } from '../errors/policy.js';

// The back-off rules live in the failure policy (src/errors/policy.ts); these names stay for callers.
export { backoffMs, DEFAULT_RETRY, type RetryBound };

/** How long to wait after `f` on attempt n, or undefined when `f` must not be retried. */
export function retryDelay(f: ImapFailure, attempt: number, random: () => number = Math.random, bound: RetryBound = DEFAULT_RETRY): number | undefined {
  const p = policyOf(f);
  if ((p.retry !== 'backoff' && p.retry !== 'server') || attempt > bound.maxAttempts) return undefined;
  return p.retry === 'server' ? serverPauseMs(f, attempt, random) : backoffMs(attempt, random);
}

export { sleep } from '../time/sleep.js';
