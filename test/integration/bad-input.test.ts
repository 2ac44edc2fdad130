import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCapProxy } from '../support/cap-proxy.js';
import { BIN, runCli } from '../support/cli.js';
import { closeClient, openClient, seedMessages, startDovecot, usePair, type SeedMessage } from '../support/dovecot.js';
import { makeJob } from '../support/interop.js';

// The bad-input catalogue: each case is what a user might type or leave in a file, with the
// exact line mailshift must answer and the exit code. None may print a stack trace or
// "internal error". (Store damage: store-health.test.ts; server-side refusals: sync.test.ts.)

const H = 'source_user,source_password,destination_user,destination_password\n';
const ONE = H + 'a@acme.test,pw,a@new.test,pw\n';
const root = mkdtempSync(join(tmpdir(), 'mailshift-badinput-'));
const base = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    job: 'cat',
    domain: 'acme.test',
    source: { host: '127.0.0.1', port: 9, tls: 'none', allowInsecure: true },
    destination: { host: '127.0.0.1', port: 9, tls: 'none', allowInsecure: true },
    accounts: 'a.csv',
    ...over,
  });
const srv = (more: Record<string, unknown>) => ({ host: 'mail.acme.test', port: 993, tls: 'implicit', ...more });

interface Case {
  name: string;
  config?: string;
  csv?: string;
  args?: string[];
  code: number;
  line: RegExp;
}

const cases: Case[] = [
  // The config file
  { name: 'empty config', config: '', code: 2, line: /^mailshift: j\.yaml: expected a mapping of settings \(job, domain, source, destination, accounts\)$/ },
  { name: 'config is a list', config: '- a\n- b\n', code: 2, line: /^mailshift: j\.yaml: expected a mapping of settings/ },
  { name: 'not YAML', config: 'job: [\n', code: 2, line: /^mailshift: j\.yaml: not valid YAML or JSON \(/ },
  { name: 'a key given twice', config: 'job: a\njob: b\n', code: 2, line: /^mailshift: j\.yaml: not valid YAML or JSON \(Map keys must be unique\)$/ },
  { name: 'unknown setting', config: base({ colour: 'blue' }), code: 2, line: /^mailshift: j\.yaml: unknown setting colour$/ },
  { name: 'unknown server setting', config: base({ source: srv({ colour: 1 }) }), code: 2, line: /^mailshift: j\.yaml: unknown setting source\.colour$/ },
  { name: 'job name with spaces', config: base({ job: 'bad job name!' }), code: 2, line: /^mailshift: j\.yaml: job: letters, digits, "\.", "_" and "-" only$/ },
  { name: 'domain that is not one', config: base({ domain: 'not a domain' }), code: 2, line: /^mailshift: j\.yaml: domain: must be a domain name like acme\.com\.hk$/ },
  { name: 'job missing', config: base({ job: undefined }), code: 2, line: /^mailshift: j\.yaml: job is required$/ },
  { name: 'accounts missing', config: base({ accounts: undefined }), code: 2, line: /^mailshift: j\.yaml: accounts is required$/ },
  { name: 'accounts is not a path', config: base({ accounts: { file: 'a.csv' } }), code: 2, line: /^mailshift: j\.yaml: accounts must be a string, not a mapping$/ },
  { name: 'port as text', config: base({ source: srv({ port: 'abc' }) }), code: 2, line: /^mailshift: j\.yaml: source\.port must be a number, not "abc"$/ },
  { name: 'port 0', config: base({ source: srv({ port: 0 }) }), code: 2, line: /^mailshift: j\.yaml: source\.port: Too small: expected number to be >=1$/ },
  { name: 'port 70000', config: base({ source: srv({ port: 70000 }) }), code: 2, line: /^mailshift: j\.yaml: source\.port: Too big: expected number to be <=65535$/ },
  { name: 'tls: ssl', config: base({ source: srv({ tls: 'ssl' }) }), code: 2, line: /^mailshift: j\.yaml: source\.tls: Invalid option: expected one of "implicit"\|"starttls"\|"none"$/ },
  { name: 'tls none without allowInsecure', config: base({ destination: srv({ tls: 'none', port: 143 }) }), code: 2, line: /^mailshift: j\.yaml: destination\.tls is "none" \(passwords in clear text\); set destination\.allowInsecure: true to allow it$/ },
  { name: 'allowInsecure as text', config: base({ source: srv({ allowInsecure: 'yes' }) }), code: 2, line: /^mailshift: j\.yaml: source\.allowInsecure must be true or false, not "yes"$/ },
  { name: 'unknown preset', config: base({ source: { preset: 'hotmail' } }), code: 2, line: /^mailshift: j\.yaml: source\.preset "hotmail" is unknown \(known: generic, dovecot, tencent-exmail/ },
  { name: 'generic preset without host', config: base({ source: { preset: 'generic' } }), code: 2, line: /^mailshift: j\.yaml: source\.host is required \(the Generic IMAP server preset has no fixed host\)$/ },
  { name: 'maxConnections 0', config: base({ destination: srv({ maxConnections: 0 }) }), code: 2, line: /^mailshift: j\.yaml: destination\.maxConnections: Too small: expected number to be >=1$/ },
  { name: 'maxConnections 65', config: base({ destination: srv({ maxConnections: 65 }) }), code: 2, line: /^mailshift: j\.yaml: destination\.maxConnections: Too big: expected number to be <=64$/ },
  { name: 'negative throttle', config: base({ destination: srv({ throttle: { messagesPerHour: -1 } }) }), code: 2, line: /^mailshift: j\.yaml: destination\.throttle\.messagesPerHour: Too small: expected number to be >0$/ },
  { name: 'caFile missing', config: base({ destination: srv({ caFile: 'ca/missing.pem' }) }), code: 2, line: /^mailshift: j\.yaml: destination\.caFile ca\/missing\.pem: file not found or not readable$/ },
  { name: 'caFile not PEM', config: base({ destination: srv({ caFile: 'a.csv' }) }), code: 2, line: /^mailshift: j\.yaml: destination\.caFile a\.csv: not a PEM certificate/ },
  { name: 'batchMessages 0', config: base({ sync: { batchMessages: 0 } }), code: 2, line: /^mailshift: j\.yaml: sync\.batchMessages: Too small: expected number to be >=1$/ },
  { name: 'bytesInFlight too small', config: base({ sync: { bytesInFlight: 10 } }), code: 2, line: /^mailshift: j\.yaml: sync\.bytesInFlight: Too small: expected number to be >=1048576$/ },
  { name: 'folders.exclude not a list', config: base({ folders: { exclude: 'Junk' } }), code: 2, line: /^mailshift: j\.yaml: folders\.exclude must be a list, not "Junk"$/ },
  { name: 'rename rule without "to"', config: base({ folders: { rename: [{ from: 'a' }] } }), code: 2, line: /^mailshift: j\.yaml: folders\.rename\.0\.to is required$/ },
  { name: 'retry.maxAttempts 0', config: base({ retry: { maxAttempts: 0 } }), code: 2, line: /^mailshift: j\.yaml: retry\.maxAttempts: Too small: expected number to be >=1$/ },
  { name: 'dual-run every 5 s', config: base({ dualRun: { intervalSeconds: 5 } }), code: 2, line: /^mailshift: j\.yaml: dualRun\.intervalSeconds: Too small: expected number to be >=10$/ },
  { name: 'cutover.at in words', config: base({ cutover: { at: 'next friday' } }), code: 2, line: /^mailshift: j\.yaml: cutover\.at: must be a date and time like 2026-12-05T10:00:00\+08:00$/ },
  // The accounts file
  { name: 'accounts file not found', config: base({ accounts: 'missing.csv' }), code: 2, line: /^mailshift: missing\.csv: accounts file not found/ },
  { name: 'accounts path is a folder', config: base({ accounts: 'sub' }), code: 2, line: /^mailshift: sub: is a folder, not an accounts CSV file/ },
  { name: 'empty CSV', csv: '', code: 2, line: /^mailshift: a\.csv: no accounts \(the file is empty\)$/ },
  { name: 'header only', csv: H, code: 2, line: /^mailshift: a\.csv: no accounts \(only a header row\)$/ },
  { name: 'wrong header', csv: 'user,pass\na,b\n', code: 2, line: /^mailshift: a\.csv line 1: expected the header "source_user,source_password,destination_user,destination_password" \(or imapsync's user1;password1;user2;password2 lines\)$/ },
  { name: 'short row', csv: H + 'a@x,p,a@y\n', code: 2, line: /^mailshift: a\.csv line 2: expected 4 columns \(source_user, source_password, destination_user, destination_password\), found 3$/ },
  { name: 'imapsync line with 3 fields', csv: 'a@x;p;a@y\n', code: 2, line: /^mailshift: a\.csv line 1: expected 4 columns/ },
  { name: 'empty destination user', csv: H + 'a@x,p,a@y,p\nb@x,p,,p\n', code: 2, line: /^mailshift: a\.csv line 3: destination_user is empty$/ },
  { name: 'a source user twice', csv: H + 'a@x,p,a@y,p\nA@x,p,b@y,p\n', code: 2, line: /^mailshift: a\.csv line 3: source_user A@x is already listed on line 2$/ },
  { name: 'env: variable not set', csv: H + 'a@x,env:MAILSHIFT_CATALOGUE_UNSET,a@y,p\n', code: 2, line: /^mailshift: a\.csv line 2: source_password: environment variable MAILSHIFT_CATALOGUE_UNSET is not set$/ },
  { name: 'cmd: that fails', csv: H + 'a@x,cmd:exit 3,a@y,p\n', code: 2, line: /^mailshift: a\.csv line 2: source_password: the password command failed \(exit 3\)$/ },
  { name: 'cmd: that prints nothing', csv: H + 'a@x,p,a@y,cmd:true\n', code: 2, line: /^mailshift: a\.csv line 2: destination_password: the password command printed nothing$/ },
  // Flags and commands
  { name: 'unknown option', args: ['sync', '--colour'], code: 2, line: /^error: unknown option '--colour'$/ },
  { name: 'unknown command', args: ['frobnicate'], code: 2, line: /^error: unknown command 'frobnicate'$/ },
  { name: '--accounts naming nobody', args: ['sync', '--accounts', 'zed@acme.test'], code: 2, line: /^mailshift: --accounts: zed@acme\.test not in the accounts file$/ },
  { name: '--log-level loud', args: ['sync', '--log-level', 'loud'], code: 2, line: /^error: option '--log-level <level>' argument 'loud' is invalid\. Allowed choices are trace, debug, info, warn, error\.$/ },
  { name: 'kit --lang fr', args: ['kit', '--lang', 'fr'], code: 2, line: /^mailshift: --lang: unknown language "fr" \(known: en, zh-Hant, zh-Hans\)$/ },
  { name: 'report --out under /proc', args: ['report', '--out', '/proc/nope'], code: 2, line: /^error: option '--out <dir>' argument '\/proc\/nope' is invalid\. cannot create \/proc\/nope: that location does not accept new folders$/ },
  { name: 'assess --out under a file', args: ['assess', '--out', 'a.csv/x'], code: 2, line: /^error: option '--out <dir>' argument 'a\.csv\/x' is invalid\. cannot create .*a\.csv\/x: a part of the path is a file, not a folder$/ },
  { name: 'store check before any job', args: ['store', 'check'], code: 2, line: /^mailshift: no job store at .*cat\.mailshift\.db yet: nothing to check \(run `mailshift assess` or `sync` first\)$/ },
  { name: 'store backup onto an existing file', args: ['store', 'backup', 'a.csv'], code: 2, line: /^mailshift: .*a\.csv already exists; name a new file for the backup$/ },
  { name: 'cutover confirm without MX hosts', args: ['cutover', 'confirm'], code: 2, line: /^mailshift: the new provider's MX hosts are not known: set cutover\.mx in the config$/ },
];

describe('bad input: one line, the documented exit code, no stack trace', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = join(root, c.name.replace(/\W+/g, '_'));
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.csv'), c.csv ?? ONE);
    writeFileSync(join(dir, 'j.yaml'), c.config ?? base());
    const r = await runCli([...(c.args ?? ['sync']), '--config', join(dir, 'j.yaml')], { cwd: dir, timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run "mailshift --help"'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(c.line);
    expect(r.code).toBe(c.code);
  });
});

describe('warnings that do not stop the run', () => {
  it('two source accounts copying into one destination mailbox are named once, before anything is done', async () => {
    const dir = join(root, 'merged');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.csv'), H + 'a@x,p,same@y,p\nb@x,p,Same@y,p\n');
    writeFileSync(join(dir, 'j.yaml'), base());
    const r = await runCli(['sync', '--config', join(dir, 'j.yaml')], { cwd: dir });
    expect(r.stderr.split('\n')[0]).toBe('mailshift: warning: lines 2, 3 (a@x, b@x) all copy into same@y: their folders will be merged there');
    expect(r.code).toBe(1); // nothing listens on port 9: nothing at all could be done
  });
});

// Server-side bad input: what a real server, a real mailbox or a real network hands mailshift.
// Each case runs against sandbox Dovecot servers (directly, or behind the capability proxy), with
// its exact last line and exit code, nothing already copied lost, and no stack trace.
describe('bad input from the servers: one line, the documented exit code, no stack trace', () => {
  const pair = usePair({ tlsPort: true });
  let n = 0;
  const user = () => {
    n++;
    return { user: `srv${n}@acme.test`, password: `pw-srv-${n}` };
  };
  const both = async (u: { user: string; password: string }) => {
    await pair.source.addUser(u.user, u.password);
    await pair.destination.addUser(u.user, u.password);
  };
  const msg = (i: number, body: Buffer | string, head = `Message-ID: <srv-${i}@acme.test>\r\nSubject: m ${i}\r\nDate: Tue, 01 Apr 2025 00:00:${String(i % 60).padStart(2, '0')} +0000\r\n\r\n`): SeedMessage => ({ folder: 'INBOX', raw: Buffer.concat([Buffer.from(head, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]), flags: [], internalDate: new Date(Date.UTC(2025, 3, 1, 0, 0, i)) });
  const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').filter((l) => !l.includes('has allowInsecure: true')).at(-1) ?? '';
  const sane = (r: { stdout: string; stderr: string }) => expect(r.stdout + r.stderr).not.toMatch(/internal error|^\s+at /m);

  const nothing = (who: string, rest: string) => new RegExp(`^mailshift: sync: nothing could be done: all 1 account\\(s\\) failed: ${who} 127\\.0\\.0\\.1:\\d+ \\(srv\\d+@acme\\.test\\): ${rest}$`);

  it('tls: implicit on the plaintext port: exit 1 at once, says the server speaks plaintext there', async () => {
    const u = user();
    await both(u);
    const job = makeJob({ host: '127.0.0.1', port: pair.source.port }, pair.destination, [u], { source: { tls: 'implicit', allowInsecure: false } });
    const t0 = Date.now();
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toMatch(nothing('source', 'TLS failed: the server answered in plaintext, not TLS \\(wrong version number\\); the server does not speak TLS on this port: use tls: starttls \\(usually port 143\\), or the implicit-TLS port \\(usually 993\\)'));
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('tls: starttls on a server that offers no STARTTLS: exit 1, never falls back to plaintext', async () => {
    const plain = await startDovecot({ name: 'plain', separator: '/', namespacePrefix: '' });
    onTestFinished(() => plain.stop());
    const u = user();
    await plain.addUser(u.user, u.password);
    await pair.destination.addUser(u.user, u.password);
    const job = makeJob(plain, pair.destination, [u], { source: { tls: 'starttls', allowInsecure: false } });
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toMatch(nothing('source', 'TLS failed: .*STARTTLS.*; the server does not offer STARTTLS on this port: use tls: implicit \\(usually port 993\\) — mailshift never falls back to plaintext'));
    expect(r.code).toBe(1);
  });

  it('a self-signed certificate without allowInsecure: exit 1 with what to do', async () => {
    const u = user();
    await both(u);
    const job = makeJob({ host: '127.0.0.1', port: pair.source.tlsPort! }, pair.destination, [u], { source: { tls: 'implicit', allowInsecure: false } });
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toMatch(nothing('source', 'TLS failed: self-signed certificate; if this server uses a self-signed or company certificate you trust, set allowInsecure: true for it'));
    expect(r.code).toBe(1);
  });

  it('a destination refusing connections for good: exit 1 within the configured retry bound', async () => {
    const u = user();
    await pair.source.addUser(u.user, u.password);
    const job = makeJob(pair.source, { host: '127.0.0.1', port: 9 }, [u], { retry: { maxAttempts: 3, maxSeconds: 6 } });
    const t0 = Date.now();
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toMatch(nothing('destination', 'cannot reach the server: ECONNREFUSED .*'));
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('messages with bare LF line ends and with NUL bytes: copied byte for byte, exit 0, verify --deep clean', async () => {
    const u = user();
    await both(u);
    await seedMessages(pair.source, u.user, u.password, [msg(1, 'ok\r\n'), msg(2, 'bare\nlf\nonly\n', 'Message-ID: <srv-lf@acme.test>\nSubject: lf\nDate: Tue, 01 Apr 2025 00:00:02 +0000\n\n'), msg(3, Buffer.from('nul\u0000byte\r\n', 'latin1'))]);
    const job = makeJob(pair.source, pair.destination, [u]);
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(r.stdout).toMatch(/^sync: 3 messages \(0\.0 MiB\) copied in [\d.]+ s \(\d+ msg\/s\); 0 skipped, 0 failed$/m);
    expect(r.code).toBe(0);
    const v = await job.run(['verify', '--deep', '--no-progress'], 60_000);
    expect(v.stdout).toMatch(/^OK: every source message is in the destination exactly once, byte for byte, with its flags and date\.$/m);
    expect(v.code).toBe(0);
  });

  it('a 1,000-character folder name the destination cannot hold: exit 3 naming the folder, the rest copied', async () => {
    const u = user();
    await both(u);
    const long = Array.from({ length: 5 }, (_x, i) => `L${i}${'x'.repeat(198)}`).join('/');
    expect(long.length).toBeGreaterThanOrEqual(1000);
    await seedMessages(pair.source, u.user, u.password, [msg(1, 'inbox\r\n'), { ...msg(2, 'deep\r\n'), folder: long }], { folders: [{ path: 'INBOX' }, { path: long }] });
    const job = makeJob(pair.source, pair.destination, [u]);
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toBe('mailshift: sync incomplete: 1 account(s) not complete; see "mailshift status"; run sync again to continue');
    expect(r.stdout).toContain(`  ${u.user}: incomplete - ${long}: server refused: `);
    expect(r.stdout).toMatch(/^sync: 1 messages/m);
    expect(r.code).toBe(3);
  });

  it('a destination that refuses CREATE: exit 3 with the server\'s reason, the other folders copied', async () => {
    const u = user();
    await both(u);
    await seedMessages(pair.source, u.user, u.password, [msg(1, 'a\r\n'), { ...msg(2, 'b\r\n'), folder: 'Refused' }], { folders: [{ path: 'INBOX' }, { path: 'Refused' }] });
    const proxy = await startCapProxy(pair.destination, 'm365', { refuse: /^CREATE /i });
    onTestFinished(() => proxy.close());
    const job = makeJob(pair.source, proxy, [u]);
    const r = await job.run(['sync', '--no-progress'], 60_000);
    sane(r);
    expect(lastLine(r)).toBe('mailshift: sync incomplete: 1 account(s) not complete; see "mailshift status"; run sync again to continue');
    expect(r.stdout).toContain(`  ${u.user}: incomplete - Refused: server refused: Mailbox name not allowed here (1 copied now)`);
    expect(r.code).toBe(3);
  });

  it('a source folder deleted in the middle of the run: what was copied stays, the re-run ends cleanly', async () => {
    const u = user();
    await both(u);
    const doomed = Array.from({ length: 120 }, (_x, i) => ({ ...msg(100 + i, `doomed ${i}\r\n`, `Message-ID: <doomed-${i}@acme.test>\r\nSubject: d ${i}\r\n\r\n`), folder: 'Doomed' }));
    await seedMessages(pair.source, u.user, u.password, [msg(1, 'keep\r\n'), ...doomed], { folders: [{ path: 'INBOX' }, { path: 'Doomed' }] });
    const job = makeJob(pair.source, pair.destination, [u], { sync: { batchMessages: 4 }, destination: { throttle: { messagesPerHour: 72_000 } } });
    const child = spawn(process.execPath, [BIN, 'sync', '--no-progress', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    // Wait until some of Doomed is on the destination, then delete it on the source.
    const c = await openClient(pair.destination, u.user, u.password);
    for (let i = 0; i < 600; i++) {
      const st = (await c.status('INBOX.Doomed', { messages: true }).catch(() => undefined)) as { messages?: number } | undefined;
      if ((st?.messages ?? 0) > 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    await closeClient(c);
    const s = await openClient(pair.source, u.user, u.password);
    await s.mailboxDelete('Doomed');
    await closeClient(s);
    const code = await done;
    expect(out + err).not.toMatch(/internal error|^\s+at /m);
    // stdout and stderr are two pipes: their relative order is not kept, so each is read alone.
    expect(err.trim().split('\n').at(-1)).toBe('mailshift: sync incomplete: 1 account(s) not complete; see "mailshift status"; run sync again to continue');
    expect(out).toMatch(new RegExp(`^  ${u.user.replace(/\./g, '\\.')}: incomplete - Doomed: server refused: Mailbox doesn't exist: Doomed`, 'm'));
    expect(code).toBe(3);
    // The re-run sees the folder gone and ends complete.
    const again = await job.run(['sync', '--no-progress'], 60_000);
    sane(again);
    expect(again.stdout).toContain(`  ${u.user}: complete (0 copied now)`);
    expect(again.code).toBe(0);
    const d = await openClient(pair.destination, u.user, u.password);
    const kept = (await d.status('INBOX.Doomed', { messages: true })) as { messages?: number };
    await closeClient(d);
    // Nothing already copied is lost.
    expect(kept.messages ?? 0).toBeGreaterThan(0);
  });
});
