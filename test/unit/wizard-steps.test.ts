import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localToIso } from '../../src/cli/wizard/cutover-step.js';
import { accountsCsv } from '../../src/cli/wizard/passwords-step.js';
import { loadAccounts } from '../../src/config/accounts.js';

describe('the wizard steps (pure parts)', () => {
  it('a local switch time in the job time zone becomes an ISO time with that zone offset, DST included', () => {
    expect(localToIso('2026-12-05 10:00', 'Asia/Hong_Kong')).toBe('2026-12-05T10:00:00+08:00');
    expect(localToIso('2026-07-01 09:30', 'Europe/London')).toBe('2026-07-01T09:30:00+01:00');
    expect(localToIso('2026-01-15 09:30', 'Europe/London')).toBe('2026-01-15T09:30:00+00:00');
    expect(localToIso('2026-12-05T10:00', 'America/New_York')).toBe('2026-12-05T10:00:00-05:00');
    expect(localToIso('2026-02-30 10:00', 'UTC')).toBeUndefined();
    expect(localToIso('2026-12-05 24:00', 'UTC')).toBeUndefined();
    expect(localToIso('next friday', 'UTC')).toBeUndefined();
  });

  it('the accounts CSV it writes holds env:/cmd: cells only, quoted where needed, and reads back', () => {
    const text = accountsCsv(
      [
        { sourceUser: 'ann@acme.test', destinationUser: 'ann@acme.test' },
        { sourceUser: 'bob@acme.test', destinationUser: 'bob@new.test' },
      ],
      { kind: 'cmd', pattern: 'pass show "mail/{user}", old' },
      { kind: 'env', pattern: 'NEW_PW_{n}' },
    );
    const path = join(mkdtempSync(join(tmpdir(), 'mailshift-wizard-unit-')), 'a.csv');
    writeFileSync(path, text);
    const rows = loadAccounts(path, { resolveSecrets: false });
    expect(rows.map((r) => [r.sourceUser, r.destinationUser])).toEqual([
      ['ann@acme.test', 'ann@acme.test'],
      ['bob@acme.test', 'bob@new.test'],
    ]);
    expect(text).toContain('bob@acme.test,"cmd:pass show ""mail/bob@acme.test"", old",bob@new.test,env:NEW_PW_2\n');
  });

  it('loadAccounts with a lineErrors list reports every bad line instead of the first', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mailshift-wizard-unit-')), 'staff.csv');
    writeFileSync(path, 'source_user,source_password,destination_user,destination_password\na@x,p,a@y,q\nb@x,p\nc@x,,c@y,q\na@x,p,d@y,q\n');
    const lineErrors: string[] = [];
    const rows = loadAccounts(path, { resolveSecrets: false, lineErrors });
    expect(rows.map((r) => r.sourceUser)).toEqual(['a@x']);
    expect(lineErrors).toEqual([
      'staff.csv line 3: expected 4 columns (source_user, source_password, destination_user, destination_password), found 2',
      'staff.csv line 4: source_password is empty',
      'staff.csv line 5: source_user a@x is already listed on line 2',
    ]);
    expect(() => loadAccounts(path, { resolveSecrets: false })).toThrow('staff.csv line 3: expected 4 columns');
  });
});
