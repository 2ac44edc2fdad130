import type { ImapFailure } from '../imap/errors.js';

/** Waits before retry n (1-based): 1 s, 2 s, 4 s … capped at 60 s, with ±25 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** The config's `retry:` bound on transient failures (defaults: 8 tries, 10 minutes). */
export interface RetryBound {
  maxAttempts: number;
  maxSeconds: number;
}
export const DEFAULT_RETRY: RetryBound = { maxAttempts: 8, maxSeconds: 600 };

/** How long to wait after `f` on attempt n, or undefined when `f` must not be retried. */
export function retryDelay(f: ImapFailure, attempt: number, random: () => number = Math.random, bound: RetryBound = DEFAULT_RETRY): number | undefined {
  if (!f.transient || attempt > bound.maxAttempts) return undefined;
  const wait = backoffMs(attempt, random);
  return f.kind === 'throttled' ? Math.max(wait, f.retryAfterMs ?? 0) : wait;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
