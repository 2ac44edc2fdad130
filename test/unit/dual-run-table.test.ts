import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/dualrun/table.js';

describe('dual-run live table', () => {
  it('one row per account and a countdown to the next pass', () => {
    const lines = renderTable(
      [
        { user: 'alice@acme.test', lastPass: '10:05:00', copied: 3, moved: 1, flags: 2, deletions: 0, errors: 0, lagSeconds: 42 },
        { user: 'bob@acme.test', copied: 0, moved: 0, flags: 0, deletions: 1, errors: 1 },
      ],
      { pass: 4, running: false, nextInSeconds: 125 },
    );
    expect(lines).toEqual([
      'account          last pass  new  moved  flags  deleted  errors  lag',
      '-------------------------------------------------------------------',
      'alice@acme.test  10:05:00     3      1      2        0       0  42s',
      'bob@acme.test    -            0      0      0        1       1  -',
      'pass 4 done; next pass in 2m05s · Ctrl-C stops after the pass in flight',
    ]);
    expect(renderTable([], { pass: 5, running: true }).at(-1)).toBe('pass 5 running… · Ctrl-C stops after the pass in flight');
  });
});
