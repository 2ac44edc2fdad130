import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../support/cli.js';
import { startPair } from '../support/dovecot.js';

// The init wizard driven through a real pseudo-terminal (python3's pty module), with scripted
// keystrokes sent once the prompt they answer is on the screen.

interface Pty {
  /** Waits until the screen (ANSI codes removed) shows `re` after what was already matched. */
  expect(re: RegExp): Promise<void>;
  send(keys: string): void;
  done: Promise<{ code: number | null; screen: string }>;
}

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

function wizard(dir: string, env: Record<string, string> = {}): Pty {
  const child = spawn('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, BIN, 'init', '--config', 'mailshift.yaml'], {
    cwd: dir,
    env: { ...process.env, TERM: 'xterm', COLUMNS: '200', LANG: 'en_US.UTF-8', LC_ALL: '', LC_MESSAGES: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  let from = 0;
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    screen += strip(d.toString());
    for (const w of [...waiters]) w();
  });
  const done = new Promise<{ code: number | null; screen: string }>((resolve) => child.on('close', (code) => resolve({ code, screen })));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void done.then(() => clearTimeout(killer));
  return {
    expect: (re) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${screen.slice(from)}`)), 20_000);
        const check = () => {
          const m = re.exec(screen.slice(from));
          if (!m) return;
          from += m.index + m[0].length;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        };
        waiters.push(check);
        check();
      }),
    send: (keys) => child.stdin.write(keys),
    done,
  };
}

const ENTER = '\r';
const UP = '\x1b[A';
const DOWN = '\x1b[B';
const erase = (n: number) => '\x7f'.repeat(n);

/** Files a test expects in its folder, besides the ones it made itself (no temporary file left). */
const listing = (dir: string) => readdirSync(dir).sort();


/** Answers the first questions with their defaults (the given domain and OAuth2 client ID) up to "The mailboxes to move". */
async function toMailboxes(w: ReturnType<typeof wizard>, domain: string, clientId: string): Promise<void> {
  await w.expect(/Mail domain being moved/);
  w.send(domain + ENTER);
  for (const q of [/Company name/, /Job name/, /Where is the mail now\?/, /Where is it going\?/, /How will mailshift sign in/]) {
    await w.expect(q);
    w.send(ENTER);
  }
  await w.expect(/OAuth2 client \(application\) ID/);
  w.send(clientId + ENTER);
  await w.expect(/The mailboxes to move/);
}

describe('mailshift init on a terminal (the wizard)', () => {
  it('Tencent Exmail -> Microsoft 365: presets and warnings, a bad job name refused, accounts typed, env: passwords, the cutover window; writes a config that loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    const w = wizard(dir, { TZ: 'UTC' });
    await w.expect(/Mail domain being moved/);
    w.send('acme.com.hk' + ENTER);
    await w.expect(/Company name/);
    w.send(erase(10) + 'Acme Trading' + ENTER);
    await w.expect(/Job name/);
    w.send(erase(20) + 'bad job name!' + ENTER);
    await w.expect(/letters, digits, "\.", "_" and "-" only/);
    expect(existsSync(join(dir, 'mailshift.yaml'))).toBe(false);
    w.send(erase(20) + 'acme-2026' + ENTER);
    await w.expect(/Where is the mail now\?/);
    w.send(ENTER); // the default: Tencent Exmail
    await w.expect(/IMAP imap\.exmail\.qq\.com:993 \(TLS\)/);
    await w.expect(/warning: IMAP fetch range .*last 30 days/);
    await w.expect(/Where is it going\?/);
    w.send(ENTER); // the default: Microsoft 365
    await w.expect(/OAuth2/);
    // The sign-in step: Microsoft 365 takes OAuth2 only; its default flow is the device flow.
    await w.expect(/How will mailshift sign in to Microsoft 365[^?]*\?/);
    w.send(ENTER);
    await w.expect(/OAuth2 client \(application\) ID/);
    w.send('cid-123' + ENTER);
    await w.expect(/The mailboxes to move/);
    w.send(DOWN + ENTER); // type them
    await w.expect(/Mailbox 1 on the old system/);
    w.send(ENTER); // an empty list is refused
    await w.expect(/at least one mailbox/);
    w.send('alice@acme.com.hk' + ENTER);
    await w.expect(/Its login on the new system/);
    w.send(ENTER); // the same login
    await w.expect(/Mailbox 2 on the old system/);
    w.send('alice@acme.com.hk' + ENTER);
    await w.expect(/alice@acme\.com\.hk is already in the list/);
    w.send(erase(30) + 'bob smith' + ENTER);
    await w.expect(/no spaces, commas or semicolons/);
    w.send(erase(30) + 'bob@acme.com.hk' + ENTER);
    await w.expect(/Its login on the new system/);
    w.send(erase(30) + 'bob@acme.onmicrosoft.com' + ENTER);
    await w.expect(/Mailbox 3 on the old system/);
    w.send(ENTER);
    await w.expect(/2 mailboxes/);
    // Only the old system takes passwords (Microsoft 365 signs in with OAuth2).
    await w.expect(/Where do the old system passwords come from\?/);
    w.send(ENTER); // env:NAME
    await w.expect(/Variable name/);
    w.send(erase(30) + 'EXMAIL_PW_{n}' + ENTER);
    await w.expect(/export EXMAIL_PW_1=/);
    await w.expect(/Time zone/);
    w.send(erase(40) + 'Mars/Olympus' + ENTER);
    await w.expect(/a time zone name like Asia\/Hong_Kong/);
    w.send(erase(40) + 'Asia/Hong_Kong' + ENTER);
    await w.expect(/Planned MX switch, Asia\/Hong_Kong time/);
    w.send('2020-01-04 10:00' + ENTER);
    await w.expect(/that time has passed/);
    w.send(erase(30) + '2099-02-30 10:00' + ENTER);
    await w.expect(/a date and time like 2026-12-05 10:00/);
    w.send(erase(30) + '2099-03-06 10:00' + ENTER);
    await w.expect(/Test the logins now/);
    expect(listing(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    w.send(DOWN + ENTER); // not now (the tenant is not reachable from a test)
    await w.expect(/Sign in the accounts now/);
    w.send('n' + ENTER);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    expect(parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8'))).toEqual({
      job: 'acme-2026',
      domain: 'acme.com.hk',
      company: 'Acme Trading',
      timezone: 'Asia/Hong_Kong',
      source: { preset: 'tencent-exmail' },
      destination: { preset: 'm365', auth: { method: 'oauth2', flow: 'device', clientId: 'cid-123' } },
      accounts: 'accounts.csv',
      cutover: { at: '2099-03-06T10:00:00+08:00' },
    });
    expect(r.screen).toMatch(/next: mailshift auth login --config mailshift\.yaml/);
    // A commented config: what each section is, and that no password is in it.
    const text = readFileSync(join(dir, 'mailshift.yaml'), 'utf8');
    expect(text).toMatch(/^# Written by mailshift init\. Passwords are never kept here/);
    expect(text).toMatch(/# one line per mailbox; each password cell is env:NAME or cmd:COMMAND \(never the password\)\naccounts: accounts\.csv/);
    expect(text).toMatch(/# the planned MX switch; [^\n]*\ncutover:/);
    expect(readFileSync(join(dir, 'accounts.csv'), 'utf8')).toBe(
      'source_user,source_password,destination_user,destination_password\n' +
        '# written by mailshift init: the password cells say where each password comes from (env:NAME or cmd:COMMAND)\n' +
        'alice@acme.com.hk,env:EXMAIL_PW_1,alice@acme.com.hk,\n' +
        'bob@acme.com.hk,env:EXMAIL_PW_2,bob@acme.onmicrosoft.com,\n',
    );
    expect(listing(dir)).toEqual(['accounts.csv', 'mailshift.yaml']);
  }, 120_000);

  it('a host with a scheme and port is refused at the prompt; the host, the port and the encryption are written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    writeFileSync(join(dir, 'staff.csv'), 'source_user,source_password,destination_user,destination_password\nann@acme.test,env:A,ann@acme.test,\n');
    const w = wizard(dir);
    await w.expect(/Mail domain being moved/);
    w.send('acme.test' + ENTER);
    await w.expect(/Company name/);
    w.send(ENTER);
    await w.expect(/Job name/);
    w.send(ENTER);
    await w.expect(/Where is the mail now\?/);
    w.send(UP + UP + ENTER); // generic IMAP server (above the default)
    await w.expect(/IMAP host/);
    w.send('http://mail.old.example:993' + ENTER);
    await w.expect(/a host name only, without "http:\/\/"/);
    w.send(erase(40) + 'mail.old.example:993' + ENTER);
    await w.expect(/a host name only; the port is asked next/);
    w.send(erase(40) + 'mail.old.example' + ENTER);
    await w.expect(/IMAP port/);
    w.send(erase(5) + '99999' + ENTER);
    await w.expect(/a port number from 1 to 65535/);
    w.send(erase(10) + '143' + ENTER);
    await w.expect(/Encryption/);
    w.send(ENTER); // STARTTLS, the default for port 143
    await w.expect(/Where is it going\?/);
    w.send(ENTER);
    await w.expect(/How will mailshift sign in to Microsoft 365[^?]*\?/);
    w.send(ENTER);
    await w.expect(/OAuth2 client \(application\) ID/);
    w.send('cid-456' + ENTER);
    await w.expect(/The mailboxes to move/);
    w.send(ENTER); // import
    await w.expect(/Accounts CSV file/);
    w.send('staff.csv' + ENTER);
    await w.expect(/1 mailbox in staff\.csv/);
    await w.expect(/Where do the old system passwords come from\?/);
    w.send(ENTER); // the CSV's column as it is
    await w.expect(/Time zone/);
    w.send(ENTER);
    await w.expect(/Planned MX switch/);
    w.send(ENTER); // decide later
    await w.expect(/Test the logins now/);
    w.send(DOWN + ENTER);
    await w.expect(/Sign in the accounts now/);
    w.send('n' + ENTER);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    const doc = parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8')) as Record<string, unknown>;
    expect(doc.source).toEqual({ preset: 'generic', host: 'mail.old.example', port: 143, tls: 'starttls' });
    expect(doc.job).toMatch(/^acme-\d{4}$/);
    expect(doc.accounts).toBe('staff.csv');
    expect(doc.cutover).toBeUndefined();
    expect(listing(dir)).toEqual(['mailshift.yaml', 'staff.csv']);
  }, 120_000);

  it('a CSV with errors: every bad line is shown at once, nothing is written, the fixed file is read again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    const header = 'source_user,source_password,destination_user,destination_password\n';
    writeFileSync(join(dir, 'staff.csv'), header + 'ann@acme.test,env:A,ann@acme.test,\ncarl@acme.test,env:C\ndee@acme.test,,dee@acme.test,\nann@acme.test,env:A2,ann2@acme.test,\n');
    const w = wizard(dir);
    await toMailboxes(w, 'acme.test', 'cid-789');
    w.send(ENTER);
    await w.expect(/Accounts CSV file/);
    w.send('nope.csv' + ENTER);
    await w.expect(/no file .*nope\.csv/);
    w.send(erase(20) + 'staff.csv' + ENTER);
    await w.expect(/staff\.csv: 3 problems; nothing is imported until every line is right:/);
    await w.expect(/staff\.csv line 3: expected 4 columns \(source_user, source_password, destination_user, destination_password\), found 2/);
    await w.expect(/staff\.csv line 4: source_password is empty/);
    await w.expect(/staff\.csv line 5: source_user ann@acme\.test is already listed on line 2/);
    await w.expect(/Accounts CSV file/);
    expect(listing(dir)).toEqual(['staff.csv']);
    // The operator fixes the file and presses Enter: the same path is read again.
    writeFileSync(join(dir, 'staff.csv'), header + 'ann@acme.test,env:A,ann@acme.test,\ncarl@acme.test,env:C,carl@acme.test,\ndee@acme.test,cmd:pass show dee,dee@acme.test,\n');
    w.send(ENTER);
    await w.expect(/3 mailboxes in staff\.csv/);
    await w.expect(/Where do the old system passwords come from\?/);
    w.send(ENTER);
    await w.expect(/Time zone/);
    w.send(ENTER);
    await w.expect(/Planned MX switch/);
    w.send(ENTER);
    await w.expect(/Test the logins now/);
    w.send(DOWN + ENTER);
    await w.expect(/Sign in the accounts now/);
    w.send('n' + ENTER);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    const doc = parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8')) as Record<string, unknown>;
    expect(doc.accounts).toBe('staff.csv');
    expect(listing(dir)).toEqual(['mailshift.yaml', 'staff.csv']);
  }, 120_000);

  it('a failing login (real Dovecot, wrong password): the diagnosis in the operator\'s language, nothing written until fixed, then written', async () => {
    const pair = await startPair();
    await pair.source.addUser('ann@acme.test', 'right-old');
    await pair.destination.addUser('ann@acme.test', 'right-new');
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    // The passwords come from a "password manager": a command that prints a file.
    writeFileSync(join(dir, 'pw-old'), 'wrong-old\n');
    writeFileSync(join(dir, 'pw-new'), 'right-new\n');
    const w = wizard(dir, { LANG: 'zh_TW.UTF-8' });
    await w.expect(/Mail domain being moved/);
    w.send('acme.test' + ENTER);
    await w.expect(/Company name/);
    w.send(ENTER);
    await w.expect(/Job name/);
    w.send(erase(20) + 'acme-test' + ENTER);
    await w.expect(/Where is the mail now\?/);
    w.send(UP + UP + ENTER); // generic IMAP server
    await w.expect(/IMAP host/);
    w.send('127.0.0.1' + ENTER);
    await w.expect(/IMAP port/);
    w.send(erase(5) + String(pair.source.port) + ENTER);
    await w.expect(/Encryption/);
    w.send(DOWN + DOWN + ENTER); // none (a loopback test server)
    await w.expect(/Where is it going\?/);
    w.send(UP.repeat(5) + ENTER); // Dovecot
    await w.expect(/IMAP host/);
    w.send('127.0.0.1' + ENTER);
    await w.expect(/IMAP port/);
    w.send(erase(5) + String(pair.destination.port) + ENTER);
    await w.expect(/Encryption/);
    w.send(DOWN + DOWN + ENTER);
    await w.expect(/The mailboxes to move/);
    w.send(DOWN + ENTER);
    await w.expect(/Mailbox 1 on the old system/);
    w.send('ann@acme.test' + ENTER);
    await w.expect(/Its login on the new system/);
    w.send(ENTER);
    await w.expect(/Mailbox 2 on the old system/);
    w.send(ENTER);
    await w.expect(/Where do the old system passwords come from\?/);
    w.send(DOWN + ENTER); // cmd:
    await w.expect(/Command/);
    w.send(erase(40) + 'cat pw-old' + ENTER);
    await w.expect(/Where do the new system passwords come from\?/);
    w.send(DOWN + ENTER);
    await w.expect(/Command/);
    w.send(erase(40) + 'cat pw-new' + ENTER);
    await w.expect(/Time zone/);
    w.send(ENTER);
    await w.expect(/Planned MX switch/);
    w.send(ENTER);
    await w.expect(/Test the logins now/);
    w.send(ENTER); // every account
    await w.expect(/FAIL source ann@acme\.test: 登入被拒絕/);
    await w.expect(/source account ann@acme\.test on 127\.0\.0\.1: /);
    await w.expect(/修正方法: wrong user name or password/);
    await w.expect(/成功 +destination ann@acme\.test/);
    await w.expect(/Some logins failed/);
    expect(existsSync(join(dir, 'mailshift.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'accounts.csv'))).toBe(false);
    // The operator fixes the password in the "password manager" and tests again.
    writeFileSync(join(dir, 'pw-old'), 'right-old\n');
    w.send(ENTER);
    await w.expect(/成功 +source ann@acme\.test/);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    const doc = parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8')) as Record<string, unknown>;
    expect(doc.source).toEqual({ preset: 'generic', host: '127.0.0.1', port: pair.source.port, tls: 'none', allowInsecure: true });
    expect(doc.destination).toEqual({ preset: 'dovecot', host: '127.0.0.1', port: pair.destination.port, tls: 'none', allowInsecure: true });
    expect(readFileSync(join(dir, 'accounts.csv'), 'utf8').split('\n').slice(2, 3)).toEqual(['ann@acme.test,cmd:cat pw-old,ann@acme.test,cmd:cat pw-new']);
    // No password in anything written or shown.
    for (const f of ['mailshift.yaml', 'accounts.csv']) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(/right-|wrong-/);
    expect(r.screen).not.toMatch(/right-old|right-new|wrong-old/);
    expect(listing(dir)).toEqual(['accounts.csv', 'mailshift.yaml', 'pw-new', 'pw-old']);
  }, 120_000);

  it('Ctrl-C midway leaves nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    const w = wizard(dir);
    await w.expect(/Mail domain being moved/);
    w.send('acme.com.hk' + ENTER);
    await w.expect(/Company name/);
    w.send(ENTER);
    await w.expect(/Job name/);
    w.send('\x03');
    const r = await w.done;
    expect(r.code).toBe(2);
    expect(r.screen).toContain('init cancelled; nothing was written');
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);

  it('Ctrl-C at the last question, after the accounts were typed, leaves nothing written either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    const w = wizard(dir);
    await toMailboxes(w, 'acme.com.hk', 'cid-1');
    w.send(DOWN + ENTER);
    await w.expect(/Mailbox 1 on the old system/);
    w.send('ann@acme.com.hk' + ENTER);
    await w.expect(/Its login on the new system/);
    w.send(ENTER);
    await w.expect(/Mailbox 2 on the old system/);
    w.send(ENTER);
    await w.expect(/Where do the old system passwords come from\?/);
    w.send(DOWN + ENTER); // cmd:
    await w.expect(/Command/);
    w.send(ENTER);
    await w.expect(/Time zone/);
    w.send(ENTER);
    await w.expect(/Planned MX switch/);
    w.send('\x03');
    const r = await w.done;
    expect(r.code).toBe(2);
    expect(r.screen).toContain('init cancelled; nothing was written');
    expect(readdirSync(dir)).toEqual([]);
  }, 90_000);
});
