import { describe, expect, it } from 'vitest';
import { acceptedFlags, decideFlags, normFlags, sameFlags } from '../../src/dualrun/flags.js';
import { parseDuration } from '../../src/dualrun/duration.js';
import { InputError } from '../../src/errors.js';

const ANY = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\*'];

describe('dual-run flag decisions', () => {
  it('compares flags case-insensitively, without \\Recent', () => {
    expect(normFlags(['\\Seen', '\\Recent', '$a', '\\seen'])).toEqual(['$a', '\\Seen']);
    expect(sameFlags(['\\SEEN', '$Label1'], ['$label1', '\\Seen', '\\Recent'])).toBe(true);
    expect(sameFlags(['\\Seen'], ['\\Seen', '\\Flagged'])).toBe(false);
  });

  it('keeps only flags the destination stores', () => {
    expect(acceptedFlags(['\\Seen', '$X'], ['\\Seen'])).toEqual({ keep: ['\\Seen'], dropped: ['$X'] });
    expect(acceptedFlags(['\\Seen', '$X'], ANY)).toEqual({ keep: ['$X', '\\Seen'], dropped: [] });
  });

  it('nothing to do when the source flags are what was written', () => {
    expect(decideFlags(['\\Seen'], [], ['\\seen'], ['\\Flagged'], ANY)).toEqual({ kind: 'unchanged' });
  });

  it('applies a source change to an untouched copy: adds and removes exactly the difference', () => {
    expect(decideFlags(['\\Seen', '$old'], [], ['\\Flagged', '$new'], ['$old', '\\Seen'], ANY)).toEqual({
      kind: 'apply',
      add: ['$new', '\\Flagged'],
      remove: ['$old', '\\Seen'],
      written: ['$new', '\\Flagged'],
      dropped: [],
    });
  });

  it('an untouched copy is the written flags minus those the destination refused', () => {
    // Written: \Seen only ($Refused was dropped at copy time); the source adds \Flagged.
    const d = decideFlags(['\\Seen', '$Refused'], ['$Refused'], ['\\Seen', '$Refused', '\\Flagged'], ['\\Seen'], ['\\Seen', '\\Flagged']);
    expect(d).toEqual({ kind: 'apply', add: ['\\Flagged'], remove: [], written: ['\\Flagged', '\\Seen'], dropped: ['$Refused'] });
  });

  it('the destination wins when the user changed the copy', () => {
    expect(decideFlags(['\\Seen'], [], ['\\Seen', '\\Flagged'], [], ANY)).toEqual({ kind: 'kept' });
    expect(decideFlags(['\\Seen'], [], [], ['\\Seen', '$Mine'], ANY)).toEqual({ kind: 'kept' });
  });

  it('a copy already showing the new source flags is in sync (nothing written)', () => {
    expect(decideFlags(['\\Seen'], [], ['\\Seen', '\\Flagged'], ['\\Flagged', '\\Seen'], ANY)).toEqual({ kind: 'in-sync', dropped: [] });
  });

  it('carries \\Deleted like any other flag, and keeps a user\'s own \\Deleted on the destination', () => {
    expect(decideFlags(['\\Seen'], [], ['\\Seen', '\\Deleted'], ['\\Seen'], ANY)).toMatchObject({ kind: 'apply', add: ['\\Deleted'], remove: [] });
    expect(decideFlags(['\\Seen', '\\Deleted'], [], ['\\Seen'], ['\\Seen', '\\Deleted'], ANY)).toMatchObject({ kind: 'apply', add: [], remove: ['\\Deleted'] });
    expect(decideFlags(['\\Seen'], [], ['\\Seen', '\\Flagged'], ['\\Seen', '\\Deleted'], ANY)).toEqual({ kind: 'kept' });
  });
});

describe('--for durations', () => {
  it('reads s, m, h, d and plain seconds', () => {
    expect(parseDuration('72h', '--for')).toBe(72 * 3600_000);
    expect(parseDuration('90m', '--for')).toBe(90 * 60_000);
    expect(parseDuration('2d', '--for')).toBe(2 * 86400_000);
    expect(parseDuration('45', '--for')).toBe(45_000);
    expect(parseDuration('1.5h', '--for')).toBe(5400_000);
  });
  it('refuses anything else as invalid input', () => {
    for (const bad of ['', 'soon', '0', '-1h', '3w', 'h']) expect(() => parseDuration(bad, '--for')).toThrow(InputError);
  });
});
