import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN } from '../support/cli.js';

// The init wizard driven through a real pseudo-terminal (python3's pty module), with scripted
// keystrokes sent once the prompt they answer is on the screen.

interface Pty {
  /** Waits until the screen (ANSI codes removed) shows `re` after what was already matched. */
  expect(re: RegExp): Promise<void>;
  send(keys: string): void;
  done: Promise<{ code: number | null; screen: string }>;
}

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

function wizard(dir: string): Pty {
  const child = spawn('python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, BIN, 'init', '--config', 'mailshift.yaml'], {
    cwd: dir,
    env: { ...process.env, TERM: 'xterm', COLUMNS: '200' },
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
const erase = (n: number) => '\x7f'.repeat(n);

describe('mailshift init on a terminal (the wizard)', () => {
  it('Tencent Exmail -> Microsoft 365: shows the presets and their warnings, refuses a bad job name at the prompt, writes a config that loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
    const w = wizard(dir);
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
    await w.expect(/Test the logins now\?/);
    w.send('n' + ENTER);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    expect(parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8'))).toEqual({
      job: 'acme-2026',
      domain: 'acme.com.hk',
      company: 'Acme Trading',
      source: { preset: 'tencent-exmail' },
      destination: { preset: 'm365', auth: { method: 'oauth2', flow: 'device', clientId: 'cid-123' } },
      accounts: 'accounts.csv',
    });
    expect(r.screen).toMatch(/then: mailshift auth login --config mailshift\.yaml/);
    expect(readFileSync(join(dir, 'accounts.csv'), 'utf8')).toMatch(/^source_user,source_password,destination_user,destination_password\n/);
  }, 90_000);

  it('a host with a scheme and port is refused at the prompt; the host, then the port, are written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wizard-'));
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
    w.send(erase(40) + 'mail.old.example' + ENTER);
    await w.expect(/IMAP port/);
    w.send(erase(5) + '99999' + ENTER);
    await w.expect(/a port number from 1 to 65535/);
    w.send(erase(10) + '993' + ENTER);
    await w.expect(/Where is it going\?/);
    w.send(ENTER);
    await w.expect(/How will mailshift sign in to Microsoft 365[^?]*\?/);
    w.send(ENTER);
    await w.expect(/OAuth2 client \(application\) ID/);
    w.send('cid-456' + ENTER);
    await w.expect(/Test the logins now\?/);
    w.send('n' + ENTER);
    const r = await w.done;
    expect(r.code, r.screen).toBe(0);
    const doc = parse(readFileSync(join(dir, 'mailshift.yaml'), 'utf8')) as { job: string; source: unknown };
    expect(doc.source).toEqual({ preset: 'generic', host: 'mail.old.example', port: 993 });
    expect(doc.job).toMatch(/^acme-\d{4}$/);
  }, 90_000);

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
});
