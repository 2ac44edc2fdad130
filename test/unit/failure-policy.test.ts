import { describe, expect, it } from 'vitest';
import { decide, FAILURE_POLICY, MAX_SERVER_BACKOFF_MS, serverPauseMs } from '../../src/errors/policy.js';
import { classifyImapError, ImapFailure } from '../../src/imap/errors.js';

const mid = () => 0.5;
const bound = { maxAttempts: 8, maxSeconds: 600 };

describe('failure policy', () => {
  it('classifies what the issue lists as permanent or transient', () => {
    const permanent = ['auth', 'tls', 'quota', 'too-large', 'refused'] as const;
    const transient = ['unreachable', 'connection', 'throttled'] as const;
    for (const k of permanent) expect(FAILURE_POLICY[k].permanent, k).toBe(true);
    for (const k of transient) expect(FAILURE_POLICY[k].permanent, k).toBe(false);
    expect(FAILURE_POLICY.auth.scope).toBe('account');
    expect(FAILURE_POLICY['too-large'].scope).toBe('message');
    expect(FAILURE_POLICY.trycreate.retry).toBe('after-fix');
  });

  it('stops permanent failures at once and transient ones at the bound', () => {
    expect(decide(new ImapFailure('x', 'auth'), 1, 0, bound)).toMatchObject({ action: 'stop', scope: 'account', accountState: 'failed', why: 'permanent' });
    expect(decide(new ImapFailure('x', 'quota'), 1, 0, bound)).toMatchObject({ action: 'stop', accountState: 'incomplete' });
    expect(decide(new ImapFailure('x', 'connection'), 1, 0, bound, mid)).toMatchObject({ action: 'retry', waitMs: 1000 });
    expect(decide(new ImapFailure('x', 'connection'), 9, 0, bound, mid)).toMatchObject({ action: 'stop', why: 'bound' });
    // The time bound counts waits too.
    expect(decide(new ImapFailure('x', 'connection'), 2, 599_000, bound, mid)).toMatchObject({ action: 'stop', why: 'bound' });
  });

  it('reads provider throttling answers and honours their time, bounded', () => {
    const m365 = classifyImapError({ responseStatus: 'NO', responseText: 'Request is throttled. Suggested Backoff Time: 92415 milliseconds' });
    expect(m365.kind).toBe('throttled');
    expect(m365.retryAfterMs).toBe(92415);
    expect(decide(m365, 1, 0, bound)).toMatchObject({ action: 'retry', waitMs: 92415, serverPauseMs: 92415 });
    const gmail = classifyImapError({ responseStatus: 'NO', serverResponseCode: 'THROTTLED', responseText: 'Account exceeded command or bandwidth limits' });
    expect(gmail.kind).toBe('throttled');
    // No time given: doubling from 1 s, at most 16 s (dsync's throttle:50:16000 shape).
    expect([1, 2, 3, 4, 5, 9].map((n) => serverPauseMs(gmail, n, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 16000]);
    expect(serverPauseMs(new ImapFailure('x', 'throttled', 3_600_000))).toBe(MAX_SERVER_BACKOFF_MS);
    // A BYE through imapflow (NoConnection with the BYE text as reason) and through the raw path.
    expect(classifyImapError({ code: 'NoConnection', message: 'Connection not available', reason: 'Request is throttled. Suggested Backoff Time: 2000 milliseconds' }).retryAfterMs).toBe(2000);
    expect(classifyImapError(Object.assign(new Error('server closed the session: * BYE [THROTTLED] slow down'), { code: 'EConnectionClosed' })).kind).toBe('throttled');
    // A plain BYE is a lost connection.
    expect(classifyImapError({ code: 'NoConnection', message: 'Connection not available', reason: 'Server closed connection' }).kind).toBe('connection');
  });
});
