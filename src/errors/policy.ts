import type { ImapFailure, ImapFailureKind } from '../errors.js';
import { classifyImapError } from '../imap/errors.js';

/**
 * The one failure policy: what each kind of failure means and what every phase (sync, dual-run,
 * verify, assess) does about it. Phases ask `decide()` instead of writing their own catch-block
 * rules, so a permanent failure stops at once everywhere and a transient one is retried with the
 * same bounded back-off everywhere.
 */

/** How far a failure reaches: one message, one folder, one account, or the whole job. */
export type FailureScope = 'message' | 'folder' | 'account' | 'job';

export interface FailurePolicy {
  /** Permanent: the same attempt fails the same way until someone changes something. */
  permanent: boolean;
  /**
   * 'no': do not retry; 'backoff': retry on a fresh session after exponential back-off with
   * jitter; 'server': retry after the wait the server asked for (bounded), every session on that
   * server waiting together; 'after-fix': retry once after mailshift fixed it (create the folder).
   */
  retry: 'no' | 'backoff' | 'server' | 'after-fix';
  /** What stops when the failure is final (after its retries). */
  scope: FailureScope;
  /** The account's state when the failure stops it: 'failed' when nothing could be done for it. */
  accountState: 'failed' | 'incomplete';
}

export const FAILURE_POLICY: Readonly<Record<ImapFailureKind, FailurePolicy>> = {
  // Wrong password, revoked sign-in: only the operator can fix it.
  auth: { permanent: true, retry: 'no', scope: 'account', accountState: 'failed' },
  // Certificate not trusted, TLS/protocol mismatch, no STARTTLS: a config or server change.
  tls: { permanent: true, retry: 'no', scope: 'account', accountState: 'failed' },
  // Refused, timed out, host not found (DNS can heal): bounded back-off, then the account stops.
  unreachable: { permanent: false, retry: 'backoff', scope: 'account', accountState: 'failed' },
  // Reset, BYE, kicked session, [SERVERBUG]/[INUSE]: a fresh session resumes from the checkpoint.
  connection: { permanent: false, retry: 'backoff', scope: 'account', accountState: 'incomplete' },
  // [THROTTLED], "Request is throttled. Suggested Backoff Time: N milliseconds".
  throttled: { permanent: false, retry: 'server', scope: 'account', accountState: 'incomplete' },
  // [UNAVAILABLE] (RFC 5530): the server, not this session, is in trouble; every session to it
  // hammering on would only prolong it, so the whole server pauses like a bare [THROTTLED].
  unavailable: { permanent: false, retry: 'server', scope: 'account', accountState: 'incomplete' },
  // The destination mailbox is full: nothing more fits for this account.
  quota: { permanent: true, retry: 'no', scope: 'account', accountState: 'incomplete' },
  // The provider's daily transfer limit: this account waits for tomorrow, the others go on.
  'daily-limit': { permanent: true, retry: 'no', scope: 'account', accountState: 'incomplete' },
  // Over the server's size limit: the message is skipped with its reason.
  'too-large': { permanent: true, retry: 'no', scope: 'message', accountState: 'incomplete' },
  // The folder does not exist yet: create it, then retry once.
  trycreate: { permanent: false, retry: 'after-fix', scope: 'folder', accountState: 'incomplete' },
  // A NO for this command: per message when appending, per folder otherwise.
  refused: { permanent: true, retry: 'no', scope: 'message', accountState: 'incomplete' },
  // Not recognised: treated like a refusal of that folder, never retried for ever.
  unknown: { permanent: true, retry: 'no', scope: 'folder', accountState: 'incomplete' },
};

export function policyOf(f: ImapFailure | ImapFailureKind): FailurePolicy {
  return FAILURE_POLICY[typeof f === 'string' ? f : f.kind];
}

/** The config's `retry:` bound on transient failures (defaults: 8 tries, 10 minutes). */
export interface RetryBound {
  maxAttempts: number;
  maxSeconds: number;
}
export const DEFAULT_RETRY: RetryBound = { maxAttempts: 8, maxSeconds: 600 };

/** The longest a server's "suggested back-off" is honoured at once (M365 has asked for 300 s). */
export const MAX_SERVER_BACKOFF_MS = 5 * 60_000;

/** Waits before retry n (1-based): 1 s, 2 s, 4 s … capped at 60 s, with ±25 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * How long the whole server is paused after a throttling answer. A suggested time (Microsoft
 * 365's "Suggested Backoff Time: N milliseconds") is honoured, up to MAX_SERVER_BACKOFF_MS; a bare
 * `[THROTTLED]` (Gmail) or `[UNAVAILABLE]` doubles from 1 s up to 16 s over consecutive answers (`streak`, 1-based),
 * as dsync's throttle:50:16000 does. Never past what is left of the retry bound.
 */
export function serverPauseMs(f: ImapFailure, streak = 1, random: () => number = Math.random, leftMs = Infinity): number {
  const ms = f.retryAfterMs !== undefined ? Math.min(MAX_SERVER_BACKOFF_MS, Math.max(0, f.retryAfterMs)) : Math.min(16_000, backoffMs(streak, random));
  return Math.max(0, Math.min(leftMs, ms));
}

export type Decision =
  | { action: 'retry'; waitMs: number; /** Set for 'server' retries: pause every session on that server this long. */ serverPauseMs?: number; failure: ImapFailure }
  | { action: 'stop'; scope: FailureScope; accountState: 'failed' | 'incomplete'; failure: ImapFailure; /** Why it stops now (for the log). */ why: 'permanent' | 'bound' };

/**
 * What to do about `err` on attempt `attempt` (1-based) of something that has been failing for
 * `elapsedMs` without progress. Transient failures retry until the bound (tries or time) is
 * reached; then they stop with their scope like a permanent one.
 */
export function decide(err: unknown, attempt: number, elapsedMs: number, bound: RetryBound = DEFAULT_RETRY, random: () => number = Math.random): Decision {
  const f = classifyImapError(err);
  const p = policyOf(f);
  const stop = (why: 'permanent' | 'bound'): Decision => ({ action: 'stop', scope: p.scope, accountState: p.accountState, failure: f, why });
  if (p.retry === 'no' || p.retry === 'after-fix') return stop('permanent');
  if (attempt > bound.maxAttempts) return stop('bound');
  const leftMs = bound.maxSeconds * 1000 - elapsedMs;
  if (p.retry === 'server') {
    const pause = serverPauseMs(f, attempt, random, leftMs);
    if (pause <= 0 || elapsedMs + pause > bound.maxSeconds * 1000) return stop('bound');
    return { action: 'retry', waitMs: pause, serverPauseMs: pause, failure: f };
  }
  const wait = boundedBackoff(attempt, elapsedMs, bound, random);
  return wait === undefined ? stop('bound') : { action: 'retry', waitMs: wait, failure: f };
}

/**
 * The back-off before retry `attempt` (1-based) of something failing for `elapsedMs` without
 * progress, or undefined once the bound (tries or time) is reached. For failures that are not
 * IMAP answers (a DAV connection cut) and so do not go through `decide()`.
 */
export function boundedBackoff(attempt: number, elapsedMs: number, bound: RetryBound, random: () => number = Math.random): number | undefined {
  if (attempt > bound.maxAttempts) return undefined;
  const wait = backoffMs(attempt, random);
  return elapsedMs + wait > bound.maxSeconds * 1000 ? undefined : wait;
}
