import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadAccounts } from '../../src/config/accounts.js';

const dir = mkdtempSync(join(tmpdir(), 'mailshift-accounts-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const HEADER = 'source_user,source_password,destination_user,destination_password\n';

describe('loadAccounts', () => {
  it('reads the header form with quoted cells', () => {
    const accounts = loadAccounts(write('a.csv', HEADER + 'a@x.hk,"p,1""q",a@y.hk,pw2\r\n\r\nb@x.hk,s1,b@y.hk,s2\n'));
    expect(accounts.map((a) => [a.line, a.sourceUser, a.sourcePassword.reveal(), a.destinationUser])).toEqual([
      [2, 'a@x.hk', 'p,1"q', 'a@y.hk'],
      [4, 'b@x.hk', 's1', 'b@y.hk'],
    ]);
  });

  it("reads imapsync's user1;password1;user2;password2 lines", () => {
    const accounts = loadAccounts(write('imapsync.txt', 'a@x.hk;pw1;a@y.hk;pw2\n# comment\nb@x.hk;pw3;b@y.hk;pw4\n'));
    expect(accounts.map((a) => [a.sourceUser, a.destinationPassword.reveal()])).toEqual([
      ['a@x.hk', 'pw2'],
      ['b@x.hk', 'pw4'],
    ]);
  });

  it('resolves env: and cmd: password cells, and never prints a password', () => {
    process.env.MAILSHIFT_TEST_PW = 'from-env-secret';
    const [a] = loadAccounts(write('s.csv', HEADER + 'a@x.hk,env:MAILSHIFT_TEST_PW,a@y.hk,cmd:printf "from-cmd-secret\\nsecond line"\n'));
    expect(a!.sourcePassword.reveal()).toBe('from-env-secret');
    expect(a!.destinationPassword.reveal()).toBe('from-cmd-secret');
    const shown = JSON.stringify(a) + inspect(a) + String(a!.sourcePassword);
    expect(shown).not.toContain('from-env-secret');
    expect(shown).not.toContain('from-cmd-secret');
  });

  it.each([
    ['empty.csv', '', /empty\.csv: no accounts/],
    ['header-only.csv', HEADER, /no accounts \(only a header row\)/],
    ['noheader.csv', 'a,b,c,d\n', /noheader\.csv line 1: expected the header/],
    ['cols.csv', HEADER + 'a@x,pw,a@y\n', /cols\.csv line 2: expected 4 columns/],
    ['empty-cell.csv', HEADER + 'a@x,p,a@y,p\nb@x,p,c@y,p\nc@x,p,d@y,p\nd@x,p, ,p\n', /empty-cell\.csv line 5: destination_user is empty/],
    ['dup.csv', HEADER + 'a@x,p,a@y,p\nA@x,p,b@y,p\n', /dup\.csv line 3: source_user A@x is already listed on line 2/],
    ['env.csv', HEADER + 'a@x,env:MAILSHIFT_NOT_SET_X,a@y,p\n', /env\.csv line 2: source_password: environment variable MAILSHIFT_NOT_SET_X is not set/],
    ['cmd.csv', HEADER + 'a@x,p,a@y,cmd:exit 7\n', /cmd\.csv line 2: destination_password: the password command failed \(exit 7\)/],
    ['quote.csv', HEADER + 'a@x,"p,a@y,p\n', /quote\.csv line 2: a quoted cell is not closed/],
  ])('%s gives one clear line', (name, text, pattern) => {
    expect(() => loadAccounts(write(name, text))).toThrow(pattern);
  });

  it('names a missing file', () => {
    expect(() => loadAccounts(join(dir, 'nope.csv'))).toThrow(/nope\.csv: accounts file not found/);
  });
});

describe('loadAccounts without secrets (kit, status)', () => {
  it('checks the file but neither reads the environment nor runs commands', () => {
    const p = write('nosecrets.csv', HEADER + 'a@x.hk,env:MAILSHIFT_SURELY_UNSET,a@y.hk,cmd:exit 9\n');
    const [a] = loadAccounts(p, { resolveSecrets: false });
    expect(a!.destinationUser).toBe('a@y.hk');
    expect(() => loadAccounts(p)).toThrow(/MAILSHIFT_SURELY_UNSET is not set/);
  });
});
