import { describe, expect, it } from 'vitest';
import { sinceFromFlags } from '../../src/cli/since.js';
import { inDateWindow } from '../../src/copier/date-window.js';
import { ThrottleStopped, WindowLimiter } from '../../src/copier/limits.js';
import { InputError } from '../../src/errors.js';

describe('date window (sync.since, --since, --max-age)', () => {
  const rows = [
    { id: 1, internalDate: '2024-06-01T00:00:00.000Z' },
    { id: 2, internalDate: '2025-03-01T00:00:00.000Z' },
    { id: 3, internalDate: null },
    { id: 4, internalDate: '2025-01-01T00:00:00.000Z' },
    { id: 5, internalDate: '2025-02-01T00:00:00.000Z' },
  ];
  it('keeps every row in listing order without a window', () => {
    expect(inDateWindow(rows, undefined).map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
  });
  it('keeps rows on or after the date (and undated ones), newest first', () => {
    expect(inDateWindow(rows, new Date('2025-01-01T00:00:00Z')).map((r) => r.id)).toEqual([3, 2, 5, 4]);
  });
  it('parses --since and --max-age, refuses bad values and both at once', () => {
    expect(sinceFromFlags({ since: '2025-01-01' })?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(sinceFromFlags({ maxAge: '90d' }, new Date('2025-04-01T00:00:00Z'))?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(sinceFromFlags({ maxAge: '6m' }, new Date('2025-07-01T00:00:00Z'))?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(() => sinceFromFlags({ since: 'yesterday' })).toThrow(InputError);
    expect(() => sinceFromFlags({ maxAge: '90 days' })).toThrow(InputError);
    expect(() => sinceFromFlags({ since: '2025-01-01', maxAge: '9d' })).toThrow(/cannot be used together/);
    expect(sinceFromFlags({})).toBeUndefined();
  });
});

describe('WindowLimiter (messagesPerHour as a promise)', () => {
  it('splits the hour into 10-second shares, longer windows for low rates', () => {
    expect(new WindowLimiter(36_000)).toMatchObject({ windowMs: 10_000, perWindow: 100 });
    expect(new WindowLimiter(3_600)).toMatchObject({ windowMs: 10_000, perWindow: 10 });
    expect(new WindowLimiter(60)).toMatchObject({ windowMs: 60_000, perWindow: 1 });
  });
  it('never lets a window hold more than its share, counting what was seeded', async () => {
    const l = new WindowLimiter(36_000 * 10); // 1000 per 10 s: fast enough for a unit test
    l.seed([{ at: Date.now(), n: 990 }]);
    await l.take(10);
    const t0 = Date.now();
    const late = l.take(5).then(() => Date.now() - t0);
    // The window is full: the next take waits until the seeded batch has left the window.
    await expect(Promise.race([late, new Promise((r) => setTimeout(() => r('waiting'), 200))])).resolves.toBe('waiting');
  });
  it('throws instead of sending once interrupted', async () => {
    const l = new WindowLimiter(360);
    await l.take(1);
    const ac = new AbortController();
    const p = l.take(1, ac.signal);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(ThrottleStopped);
  });
});
