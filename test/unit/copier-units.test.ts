import { describe, expect, it } from 'vitest';
import { backoffMs, retryDelay } from '../../src/copier/backoff.js';
import { memoryCost } from '../../src/copier/folder.js';
import { ByteBudget, TokenBucket } from '../../src/copier/limits.js';
import { headerBlock, identityOf, matchMultiset } from '../../src/copier/identity.js';
import { ImapFailure, classifyImapError } from '../../src/imap/errors.js';
import { policyOf } from '../../src/errors/policy.js';
import { appendResult } from '../../src/imap/bulk/commands.js';
import { parseUidSet, toUidSet } from '../../src/imap/uidset.js';

describe('APPENDUID sets', () => {
  it('expands ranges and lists in order', () => {
    expect(parseUidSet('45:54')).toEqual([45, 46, 47, 48, 49, 50, 51, 52, 53, 54]);
    expect(parseUidSet('45,47:50')).toEqual([45, 47, 48, 49, 50]);
    expect(parseUidSet('7')).toEqual([7]);
    expect(parseUidSet('9:7')).toEqual([7, 8, 9]);
    expect(() => parseUidSet('4:x')).toThrow();
  });
  it('reads the response code and refuses a set that does not fit the batch', () => {
    const ok = { status: 'OK' as const, code: 'APPENDUID 123 45:47', text: 'Append completed.' };
    expect(appendResult(ok, 3)).toEqual({ uidValidity: 123n, uids: [45, 46, 47] });
    expect(appendResult(ok, 4)).toEqual({ uidValidity: 123n });
    expect(appendResult({ status: 'OK', code: 'READ-WRITE', text: '' }, 1)).toEqual({});
    expect(appendResult({ status: 'OK', text: '' }, 1)).toEqual({});
  });
  it('compresses UIDs for FETCH', () => {
    expect(toUidSet([5, 1, 2, 3, 9])).toBe('1:3,5,9');
  });
});

describe('back-off', () => {
  it('doubles from 1 s to a 60 s cap with jitter', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => backoffMs(n, mid))).toEqual([1000, 2000, 4000, 8000, 60000, 60000, 60000]);
    expect(backoffMs(1, () => 0)).toBe(750);
    expect(backoffMs(1, () => 1)).toBe(1250);
  });
  it('retries transient failures only, and waits at least what a throttling server asked', () => {
    expect(retryDelay(new ImapFailure('x', 'connection'), 1, () => 0.5)).toBe(1000);
    expect(retryDelay(new ImapFailure('x', 'throttled', 15000), 1, () => 0.5)).toBe(15000);
    expect(retryDelay(new ImapFailure('x', 'quota'), 1)).toBeUndefined();
    expect(retryDelay(new ImapFailure('x', 'auth'), 1)).toBeUndefined();
    // The config's bound: the try after the last allowed one is not made.
    expect(retryDelay(new ImapFailure('x', 'connection'), 3, () => 0.5, { maxAttempts: 3, maxSeconds: 600 })).toBe(4000);
    expect(retryDelay(new ImapFailure('x', 'connection'), 4, () => 0.5, { maxAttempts: 3, maxSeconds: 600 })).toBeUndefined();
    expect(retryDelay(new ImapFailure('x', 'connection'), 99)).toBeUndefined();
  });
});

describe('failure classes the copier acts on', () => {
  const no = (code: string, text: string) => ({ responseStatus: 'NO', serverResponseCode: code, responseText: text });
  it('tells a full quota, a too-large message, a server hiccup and a plain refusal apart', () => {
    expect(classifyImapError(no('OVERQUOTA', 'Quota exceeded')).kind).toBe('quota');
    expect(classifyImapError(no('OVERQUOTA', 'Quota exceeded (mailbox for user is full)')).kind).toBe('quota');
    expect(classifyImapError(no('OVERQUOTA', 'Quota limit exceeded')).kind).toBe('quota');
    // Gmail's per-day IMAP transfer limit is not a full mailbox: the account waits for the reset.
    const daily = classifyImapError(no('OVERQUOTA', 'Account exceeded command or bandwidth limits. (Failure)'));
    expect(daily.kind).toBe('daily-limit');
    expect(daily.transient).toBe(false);
    expect(daily.message).toMatch(/daily transfer limit.*run the same command again once it resets/);
    // The same words under [THROTTLED] stay a throttle (a short, shared pause).
    expect(classifyImapError(no('THROTTLED', 'Account exceeded command or bandwidth limits')).kind).toBe('throttled');
    expect(classifyImapError(no('LIMIT', 'Mail size is larger than the maximum size allowed by server configuration')).kind).toBe('too-large');
    const busy = classifyImapError(no('SERVERBUG', 'Internal error occurred.'));
    expect(busy.kind).toBe('connection');
    expect(busy.transient).toBe(true);
    // [UNAVAILABLE]: the whole server pauses (failure policy 'server'), not just this session.
    const down = classifyImapError(no('UNAVAILABLE', 'Mailbox backend temporarily unavailable'));
    expect(down.kind).toBe('unavailable');
    expect(down.transient).toBe(true);
    expect(policyOf(down).retry).toBe('server');
    expect(policyOf(busy).retry).toBe('backoff');
    expect(classifyImapError(no('', 'Invalid message')).kind).toBe('refused');
  });
});

describe('identity', () => {
  const msg = (id: string | null, subject: string, body = 'hello') =>
    Buffer.from(`${id ? `Message-ID: <${id}>\r\n` : ''}From: a@x\r\nSubject: ${subject}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n${body}`);
  it('ignores folding, case and the body; differs on a header change', () => {
    const a = identityOf(msg('A@X', 'Hi there'));
    const b = identityOf(Buffer.from('Message-ID: <a@x>\r\nFrom: a@x\r\nSubject: Hi\r\n  there\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nother'));
    expect(a).toEqual(b);
    expect(a.messageId).toBe('a@x');
    expect(identityOf(msg('a@x', 'Hi here')).headerHash).not.toBe(a.headerHash);
  });
  it('works without a Message-ID', () => {
    const a = identityOf(msg(null, 'draft'));
    expect(a.messageId).toBeUndefined();
    expect(a.headerHash).toMatch(/^[0-9a-f]{32}$/);
  });
  it('finds the header block', () => {
    expect(headerBlock(Buffer.from('A: 1\r\n\r\nbody')).toString()).toBe('A: 1\r\n\r\n');
    expect(headerBlock(Buffer.from('A: 1\n\nbody')).toString()).toBe('A: 1\n\n');
  });
  it('matches as a multiset: two identical in need two out, size breaks ties', () => {
    const date = new Date('2024-01-01T10:00:00Z');
    const w = (item: number, size: number) => ({ messageId: 'm', internalDate: date, headerHash: 'h', size, item });
    const found = [
      { messageId: 'm', internalDate: new Date(date.getTime() + 400), headerHash: 'h', size: 20, item: 'u2' },
      { messageId: 'm', internalDate: date, headerHash: 'h', size: 10, item: 'u1' },
    ];
    const r = matchMultiset([w(1, 10), w(2, 20), w(3, 10)], found);
    expect(r.pairs).toEqual([
      [1, 'u1'],
      [2, 'u2'],
    ]);
    expect(r.unmatched).toEqual([3]);
  });
  it('then pairs what is left by Message-ID + INTERNALDATE: a server that renders the headers anew still holds the message', () => {
    const date = new Date('2024-01-01T10:00:00Z');
    const later = new Date('2024-01-01T10:00:05Z');
    const c = (item: string, messageId: string | null, headerHash: string, at = date, size = 100) => ({ messageId, internalDate: at, headerHash, size, item });
    const wanted = [c('exact', 'a', 'h1'), c('rendered', 'b', 'h2'), c('twin1', 't', 'h3'), c('twin2', 't', 'h3'), c('other-date', 'd', 'h4'), c('no-id', null, 'h5')];
    const found = [
      c('X-exact', 'a', 'h1'),
      // Exchange's rendering of b: another header hash and size, the same Message-ID and INTERNALDATE.
      c('X-rendered', 'b', 'H2', date, 130),
      // Only one of the two twins is there, rendered.
      c('X-twin', 't', 'H3'),
      c('X-other-date', 'd', 'H4', later),
      c('X-no-id', null, 'H5'),
    ];
    const r = matchMultiset(wanted, found);
    expect(r.pairs).toEqual([
      ['exact', 'X-exact'],
      ['rendered', 'X-rendered'],
      ['twin1', 'X-twin'],
    ]);
    // A different INTERNALDATE, or no Message-ID to go by: not the same message.
    expect(r.unmatched).toEqual(['twin2', 'other-date', 'no-id']);
  });
  it('an exact match is never taken by a loose one', () => {
    const date = new Date('2024-01-01T10:00:00Z');
    const c = (item: string, headerHash: string) => ({ messageId: 'm', internalDate: date, headerHash, size: 1, item });
    // The loosely matching wanted message comes first; the exact one still gets its own copy.
    const r = matchMultiset([c('loose', 'hA'), c('exact', 'hB')], [c('X', 'hB')]);
    expect(r.pairs).toEqual([['exact', 'X']]);
    expect(r.unmatched).toEqual(['loose']);
  });
});

describe('memory budget', () => {
  it('holds batches until bytes are released, in arrival order, and lets a huge message travel alone', async () => {
    const b = new ByteBudget(100);
    const order: string[] = [];
    await b.acquire(60);
    const second = b.acquire(50).then(() => order.push('second'));
    const third = b.acquire(10).then(() => order.push('third'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // 'third' would fit but must not overtake 'second'
    b.release(60);
    await Promise.all([second, third]);
    expect(order).toEqual(['second', 'third']);
    expect(b.used).toBe(60);
    expect(memoryCost(10, 1000)).toBe(30);
    // The bulk path holds a body once (its reads, never joined): charged twice, not three times.
    expect(memoryCost(10, 1000, 'bulk')).toBe(20);
    expect(memoryCost(9 * 1024 * 1024, 64 * 1024 * 1024, 'bulk')).toBe(64 * 1024 * 1024);
    expect(memoryCost(9 * 1024 * 1024, 64 * 1024 * 1024)).toBe(64 * 1024 * 1024);
  });
  it('a token bucket spaces work at its rate', async () => {
    const t = new TokenBucket(100); // 100 units per second, burst 100
    const started = Date.now();
    await t.take(100);
    await t.take(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });
});
