import { describe, expect, it } from 'vitest';
import { compareFolder, isClean } from '../../src/verify/compare.js';
import { headerHash, identityFromFetch, normalizeMessageId, type MessageIdentity } from '../../src/verify/identity.js';

const raw = (n: number, extra = '') =>
  Buffer.from(`Message-ID: <m${n}@example.com>\r\nDate: Mon, 1 Jan 2024 10:00:0${n % 10} +0800\r\nFrom: a@example.com\r\nSubject: hello ${n}\r\n${extra}\r\nbody ${n}\r\n`);

function msg(uid: number, n: number, opts: { flags?: string[]; date?: string; body?: string } = {}): MessageIdentity {
  const source = opts.body ? Buffer.concat([raw(n), Buffer.from(opts.body)]) : raw(n);
  return identityFromFetch({ uid, source, internalDate: new Date(opts.date ?? `2024-01-0${1 + (n % 8)}T00:00:00.123Z`), flags: opts.flags ?? ['\\Seen'] });
}

describe('verify identity', () => {
  it('hashes the same message the same way however the header is folded, and tells different ones apart', () => {
    const a = headerHash('Subject: hello\r\n  world\r\nFrom: x@y\r\n\r\n');
    const b = headerHash('From:   x@y\r\nSubject: hello world\r\n\r\n');
    expect(a).toBe(b);
    expect(headerHash('Subject: hello there\r\n\r\n')).not.toBe(a);
    // Headers a server adds on delivery are not part of the identity.
    expect(headerHash('X-Spam: yes\r\nReceived: by mx\r\nFrom: x@y\r\nSubject: hello world\r\n\r\n')).toBe(a);
  });
  it('normalises Message-IDs and drops \\Recent from flags', () => {
    expect(normalizeMessageId(' <A b@c> (comment)')).toBe('ab@c');
    expect(normalizeMessageId('')).toBeUndefined();
    const m = identityFromFetch({ uid: 1, headers: Buffer.from('Message-ID: <x@y>\r\nSubject: =?UTF-8?B?5a6i5oi2?=\r\n\r\n'), flags: new Set(['\\Seen', '\\Recent']), internalDate: new Date('2024-05-01T01:02:03.999Z') });
    expect(m).toMatchObject({ messageId: 'x@y', flags: ['\\Seen'], internalDate: '2024-05-01T01:02:03Z', subject: '客戶' });
  });
});

describe('compareFolder', () => {
  const source = [msg(1, 1), msg(2, 2), msg(3, 3, { flags: [] }), msg(4, 4)];
  const mapping = new Map([[1, 11], [2, 12], [3, 13], [4, 14]]);

  it('is clean when the destination holds exactly the source messages', () => {
    const dst = source.map((m) => ({ ...m, uid: m.uid + 10 }));
    const c = compareFolder({ source, destination: dst, mapping, deep: true });
    expect(c).toMatchObject({ sourceCount: 4, destinationCount: 4, matched: 4, missing: 0, duplicated: 0, extra: 0, altered: 0 });
    expect(isClean(c)).toBe(true);
    expect(c.sourceDigest).toBe(c.destinationDigest);
  });

  it('names a deleted, a duplicated and a re-flagged message, and nothing else', () => {
    const dst = [
      { ...source[0]!, uid: 11 },
      // uid 12 deleted behind our back
      { ...source[2]!, uid: 13, flags: ['\\Flagged'] },
      { ...source[3]!, uid: 14 },
      { ...source[3]!, uid: 15, internalDate: '2025-01-01T00:00:00Z' }, // appended duplicate
    ];
    const c = compareFolder({ source, destination: dst, mapping, deep: true });
    expect(c).toMatchObject({ missing: 1, duplicated: 1, extra: 0, altered: 1 });
    expect(isClean(c)).toBe(false);
    const byKind = Object.fromEntries(c.differences.map((d) => [d.kind, d]));
    expect(byKind.missing).toMatchObject({ srcUid: 2, messageId: 'm2@example.com' });
    expect(byKind.missing!.detail).toContain('destination UID 12');
    expect(byKind.duplicated).toMatchObject({ dstUid: 15, messageId: 'm4@example.com' });
    expect(byKind.altered).toMatchObject({ srcUid: 3, dstUid: 13, parts: ['flags'] });
    expect(c.sourceDigest).not.toBe(c.destinationDigest);
  });

  it('does not compare flags or bytes without --deep, but always compares INTERNALDATE', () => {
    const dst = [
      { ...source[0]!, uid: 11, flags: ['\\Flagged'] },
      { ...source[1]!, uid: 12, sha256: 'x' },
      { ...source[2]!, uid: 13, internalDate: '2020-01-01T00:00:00Z' },
      { ...source[3]!, uid: 14 },
    ];
    const shallow = compareFolder({ source, destination: dst, mapping, deep: false });
    expect(shallow.differences.map((d) => [d.kind, d.srcUid, d.parts])).toEqual([['altered', 3, ['internaldate']]]);
    const deep = compareFolder({ source, destination: dst, mapping, deep: true });
    expect(deep.differences.map((d) => [d.srcUid, d.parts])).toEqual([[1, ['flags']], [2, ['bytes']], [3, ['internaldate']]]);
  });

  it('pairs by identity when there is no mapping, keeps source duplicates (two in, two out) and reports extras', () => {
    const src = [msg(1, 1), msg(2, 1), msg(3, 2)];
    const dst = [{ ...src[1]!, uid: 1 }, { ...src[0]!, uid: 2 }, { ...msg(0, 7), uid: 3 }];
    const c = compareFolder({ source: src, destination: dst, deep: true });
    expect(c).toMatchObject({ matched: 2, missing: 1, duplicated: 0, extra: 1 });
    expect(c.differences.find((d) => d.kind === 'missing')).toMatchObject({ srcUid: 3, detail: 'not in the destination' });
    expect(c.differences.find((d) => d.kind === 'extra')).toMatchObject({ dstUid: 3 });
    // An extra message (e.g. new mail on the new system) is reported but is not a failure.
    expect(isClean({ ...c, missing: 0 })).toBe(true);
  });

  it('gives the store\'s reason for a message that was skipped', () => {
    const c = compareFolder({ source: [msg(1, 1)], destination: [], deep: false, mapping: new Map(), notCopied: new Map([[1, { state: 'skipped', reason: 'too large (60 MB > 35 MB)' }]]) });
    expect(c.differences[0]!.detail).toBe('not in the destination (skipped: too large (60 MB > 35 MB))');
  });

  it('lists flags the destination refuses as refused, not as altered', () => {
    const src = [msg(1, 1, { flags: ['\\Seen', '$Label1'] }), msg(2, 2, { flags: ['$Label1'] })];
    const dst = [{ ...src[0]!, flags: ['\\Seen'] }, { ...src[1]!, flags: [] }];
    const c = compareFolder({ source: src, destination: dst, deep: true, destinationPermanentFlags: ['\\Seen', '\\Flagged', '\\Deleted'] });
    expect(c.altered).toBe(0);
    expect(c.refusedFlags).toEqual([{ flag: '$Label1', messages: 2 }]);
    // With \* the destination keeps any keyword, so a lost keyword is a real difference.
    const c2 = compareFolder({ source: src, destination: dst, deep: true, destinationPermanentFlags: ['\\Seen', '\\*'] });
    expect(c2.altered).toBe(2);
    expect(c2.refusedFlags).toEqual([]);
    // Read with EXAMINE (no PERMANENTFLAGS): only what the sync recorded as dropped is "refused".
    const c3 = compareFolder({ source: src, destination: dst, deep: true, destinationFlags: ['\\Seen'], droppedFlags: new Map([[1, ['$Label1']]]) });
    expect(c3.refusedFlags).toEqual([{ flag: '$Label1', messages: 1 }]);
    expect(c3.differences.map((d) => d.srcUid)).toEqual([2]);
  });
});
