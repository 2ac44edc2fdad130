import { describe, expect, it } from 'vitest';
import { compareFolder, firstDifference, isClean } from '../../src/verify/compare.js';
import { identityFromFetch } from '../../src/verify/identity.js';

// A destination that changes what it stores (Cyrus munge8bit, added headers, CRLF) must show as
// ALTERED, never as one missing message plus one foreign one.
const date = new Date('2025-03-01T10:00:00Z');
const src8 = Buffer.from('Message-ID: <a@x>\r\nSubject: caf\xe9 cr\xe8me\r\nDate: Sat, 1 Mar 2025 10:00:00 +0000\r\n\r\nbody\r\n', 'latin1');
const munged = Buffer.from(src8.toString('latin1').replace(/[\x80-\xff]/g, 'X'), 'latin1');
const noId = Buffer.from('Subject: caf\xe9\r\nDate: Sat, 1 Mar 2025 10:00:00 +0000\r\n\r\nx\r\n', 'latin1');
const id = (uid: number, source: Buffer) => identityFromFetch({ uid, source, internalDate: date, size: source.length, flags: ['\\Seen'] });

describe('verify: altered by the destination', () => {
  it('pairs a munged copy by Message-ID + INTERNALDATE (no store mapping) and calls it altered', () => {
    const c = compareFolder({ source: [id(1, src8)], destination: [id(7, munged)], deep: true });
    expect(c.missing).toBe(0);
    expect(c.extra).toBe(0);
    expect(c.altered).toBe(1);
    expect(c.differences[0]).toMatchObject({ kind: 'altered', srcUid: 1, dstUid: 7, parts: ['bytes'] });
    expect(isClean(c)).toBe(false);
  });

  it('pairs by the store mapping, and a message without Message-ID by date + size when only one fits', () => {
    const c = compareFolder({ source: [id(1, src8), id(2, noId)], destination: [id(5, munged), id(6, Buffer.from(noId.toString('latin1').replace('\xe9', 'X'), 'latin1'))], mapping: new Map([[1, 5]]), deep: false });
    expect(c.altered).toBe(2);
    expect(c.missing + c.extra + c.duplicated).toBe(0);
  });

  it('finds the first differing byte range: a rewritten byte, an added header, CRLF -> LF', () => {
    const r = firstDifference(src8, munged)!;
    expect(src8.subarray(r.start, r.sourceEnd).toString('latin1')).toBe('\xe9');
    expect(munged.subarray(r.start, r.destinationEnd).toString('latin1')).toBe('X');
    const added = Buffer.concat([Buffer.from('X-Added: 1\r\n'), src8]);
    const a = firstDifference(src8, added)!;
    expect(a.start).toBe(0);
    expect(a.sourceEnd).toBe(0);
    expect(added.subarray(0, a.destinationEnd).toString()).toBe('X-Added: 1\r\n');
    const lf = Buffer.from(src8.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const l = firstDifference(src8, lf)!;
    expect(src8.subarray(l.start, l.sourceEnd).toString()).toBe('\r');
    expect(l.destinationEnd).toBe(l.start);
    expect(firstDifference(src8, Buffer.from(src8))).toBeUndefined();
  });

  it('a copy paired by the store mapping whose 8-bit header bytes were rewritten is altered without --deep', () => {
    const c = compareFolder({ source: [id(1, src8)], destination: [id(5, munged)], mapping: new Map([[1, 5]]), deep: false });
    expect(c.altered).toBe(1);
    expect(c.differences[0]).toMatchObject({ kind: 'altered', parts: ['bytes'] });
    expect(c.differences[0]!.detail).toMatch(/changed the message's headers/);
    // An exact copy is not.
    expect(compareFolder({ source: [id(1, src8)], destination: [id(5, Buffer.from(src8))], mapping: new Map([[1, 5]]), deep: false }).altered).toBe(0);
  });
});
