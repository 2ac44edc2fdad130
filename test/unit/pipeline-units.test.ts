import { describe, expect, it } from 'vitest';
import { sinceFromFlags } from '../../src/cli/since.js';
import { inDateWindow } from '../../src/copier/date-window.js';
import { WindowLimiter } from '../../src/copier/limits.js';
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
  it('paces 10-second shares in small commands, longer windows for low rates', () => {
    expect(new WindowLimiter(36_000)).toMatchObject({ windowMs: 10_000, perWindow: 100, batchCap: 10, intervalMs: 125 });
    expect(new WindowLimiter(3_600)).toMatchObject({ windowMs: 10_000, perWindow: 10, batchCap: 1, intervalMs: 1250 });
    expect(new WindowLimiter(60)).toMatchObject({ windowMs: 60_000, perWindow: 1, batchCap: 1 });
  });
  it('waits for the slots of a batch, counting what was seeded', async () => {
    const l = new WindowLimiter(3_600_000); // 10,000 per 10 s: 1.25 ms a slot
    l.seed([{ at: Date.now(), n: 200 }]); // an earlier process just sent 200: 250 ms of slots
    const t0 = Date.now();
    await l.take(8);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
  it('keeps the pace after an interrupt (the drain does not rush)', async () => {
    const l = new WindowLimiter(3_600_000); // 1.25 ms a slot
    await l.take(1);
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    await l.take(100, ac.signal);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(120);
  });
});
