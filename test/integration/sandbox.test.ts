import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { connect as tlsConnect } from 'node:tls';
import { existsSync, readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import {
  closeClient,
  openClient,
  readAll,
  seedMaildir,
  seedMessages,
  snapshotDigest,
  startDovecot,
  startPair,
  usePair,
  type SeedMessage,
} from '../support/dovecot.js';

const msg = (folder: string, subject: string, body: string, flags: string[], date: string): SeedMessage => ({
  folder,
  raw: Buffer.from(`From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\nDate: ${new Date(date).toUTCString()}\r\n\r\n${body}\r\n`),
  flags,
  internalDate: new Date(date),
});

/** MAILSHIFT_SANDBOX_KEEP=1 keeps instance dirs for a post-mortem, so their removal is not checked then. */
const KEEP = Boolean(process.env.MAILSHIFT_SANDBOX_KEEP);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is dead for our purpose.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** LOGIN + APPEND INBOX over a raw socket (LITERAL+); returns the APPEND's tagged response line. */
function rawAppend(port: number, user: string, password: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    let buf = '';
    let step = 0;
    sock.setTimeout(10_000, () => sock.destroy(new Error('raw IMAP timed out')));
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (step === 0 && line.startsWith('* OK')) {
          step = 1;
          sock.write(`a LOGIN ${user} ${password}\r\n`);
        } else if (step === 1 && line.startsWith('a ')) {
          if (!line.startsWith('a OK')) return reject(new Error(line));
          step = 2;
          sock.write(`b APPEND INBOX {${body.length}+}\r\n`);
          sock.write(body);
          sock.write('\r\n');
        } else if (step === 2 && line.startsWith('b ')) {
          sock.end('c LOGOUT\r\n');
          resolve(line);
        }
      }
    });
  });
}

describe('sandbox Dovecot pair', () => {
  const pair = usePair({ appendLimit: 50_000, quotaBytes: 200_000 });

  it('runs two servers at once on different ports, each answering CAPABILITY', async () => {
    const { source, destination } = pair;
    expect(source.port).not.toBe(destination.port);
    expect(source.baseDir).not.toBe(destination.baseDir);
    await source.addUser('alice', 'src-pw');
    await destination.addUser('alice', 'dst-pw');
    for (const [server, pw] of [[source, 'src-pw'], [destination, 'dst-pw']] as const) {
      const c = await openClient(server, 'alice', pw);
      try {
        for (const cap of ['CONDSTORE', 'QRESYNC', 'SPECIAL-USE', 'UIDPLUS', 'MULTIAPPEND', 'QUOTA']) expect(c.capabilities.has(cap), `${server.name} ${cap}`).toBe(true);
        if (server === destination) expect(c.capabilities.get('APPENDLIMIT')).toBe(50_000);
        else expect(c.capabilities.has('APPENDLIMIT')).toBe(false);
        expect(c.enabled.has('CONDSTORE')).toBe(true);
      } finally {
        await closeClient(c);
      }
    }
  });

  it('uses "/" on the source and "." with an INBOX. prefix on the destination, with special-use folders', async () => {
    const { source, destination } = pair;
    const s = await openClient(source, 'alice', 'src-pw');
    const d = await openClient(destination, 'alice', 'dst-pw');
    try {
      const sl = await s.list();
      const dl = await d.list();
      expect(new Set(sl.map((f) => f.delimiter))).toEqual(new Set(['/']));
      expect(new Set(dl.map((f) => f.delimiter))).toEqual(new Set(['.']));
      expect(d.namespace?.prefix).toBe('INBOX.');
      const uses = (l: typeof sl) => Object.fromEntries(l.filter((f) => f.specialUse && f.specialUse !== '\\Inbox').map((f) => [f.specialUse, f.path]));
      expect(uses(sl)).toEqual({ '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash', '\\Junk': 'Junk', '\\Archive': 'Archive' });
      expect(uses(dl)).toEqual({ '\\Sent': 'INBOX.Sent', '\\Drafts': 'INBOX.Drafts', '\\Trash': 'INBOX.Trash', '\\Junk': 'INBOX.Junk', '\\Archive': 'INBOX.Archive' });
    } finally {
      await closeClient(s);
      await closeClient(d);
    }
  });

  it('seed + readAll round-trips bytes, flags, keywords and internal date, mapping special-use folders', async () => {
    const { source, destination } = pair;
    const messages = [
      msg('INBOX', 'one', 'hello', ['\\Seen', '$Forwarded', 'ProjectX'], '2021-03-04T05:06:07Z'),
      msg('客戶/2024', '客戶報價', '中文內容 — 測試', ['\\Flagged', '\\Answered'], '2024-12-31T23:59:59Z'),
      msg('已傳送', 'sent', 'sent body', ['\\Seen'], '2019-01-01T00:00:00Z'),
      msg('客戶/2024', 'two', 'x'.repeat(20_000), [], '2022-06-15T12:00:00Z'),
    ];
    const folders = [{ path: '已傳送', specialUse: '\\Sent' }, { path: '客戶/2024' }];
    await seedMessages(source, 'alice', 'src-pw', messages, { folders });
    await seedMessages(destination, 'alice', 'dst-pw', messages, { folders });

    const src = await readAll(source, 'alice', 'src-pw');
    const dst = await readAll(destination, 'alice', 'dst-pw');
    const byPath = Object.fromEntries(src.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash', '客戶/2024']);
    expect(byPath['Sent']!.specialUse).toBe('\\Sent');
    const inbox = byPath['INBOX']!.messages;
    expect(inbox).toHaveLength(1);
    expect(inbox[0]!.raw.equals(messages[0]!.raw)).toBe(true);
    expect(inbox[0]!.flags).toEqual(['$Forwarded', 'ProjectX', '\\Seen']);
    expect(inbox[0]!.internalDate.toISOString()).toBe('2021-03-04T05:06:07.000Z');
    expect(inbox[0]!.size).toBe(messages[0]!.raw.length);
    const client = byPath['客戶/2024']!;
    expect(client.messages.map((m) => m.raw.toString('utf8'))).toEqual([messages[1]!.raw.toString('utf8'), messages[3]!.raw.toString('utf8')]);
    expect(client.messages[0]!.flags).toEqual(['\\Answered', '\\Flagged']);
    expect(client.uidValidity).toBeGreaterThan(0n);
    expect(client.uidNext).toBe(3);
    expect(client.highestModseq).toBeGreaterThan(0n);

    // The destination holds the same mail under the same logical paths.
    const dPaths = dst.map((f) => f.path);
    expect(dPaths).toContain('客戶/2024');
    expect(dst.find((f) => f.path === '客戶/2024')!.wirePath).toBe('INBOX.客戶.2024');
    expect(snapshotDigest(dst)).toEqual(snapshotDigest(src));
    // …and the digest notices a changed flag.
    const d = await openClient(destination, 'alice', 'dst-pw');
    try {
      await d.mailboxOpen('INBOX');
      await d.messageFlagsAdd('1:*', ['\\Flagged']);
    } finally {
      await closeClient(d);
    }
    expect(snapshotDigest(await readAll(destination, 'alice', 'dst-pw'))).not.toEqual(snapshotDigest(src));
  });

  it('seedMaildir writes what seedMessages appends, as seen through IMAP (both layouts), in input order', async () => {
    const { source, destination } = pair;
    const messages: SeedMessage[] = [];
    for (let i = 0; i < 60; i++) {
      const folder = ['INBOX', '客戶/2024', '已傳送', 'A&B/x'][i % 4]!;
      const flags = [['\\Seen'], ['\\Seen', '$Forwarded', 'ProjectX'], ['\\Flagged', '\\Answered', '\\Draft'], [], ['\\Deleted', '專案']][i % 5]!;
      messages.push(msg(folder, `m${i}`, `body ${i} ${'z'.repeat(i * 37)}`, flags, new Date(Date.UTC(2020, 0, 1) + i * 86_400_000 + 1234).toISOString().replace(/\.\d+Z$/, 'Z')));
    }
    const folders = [{ path: '已傳送', specialUse: '\\Sent' }];
    for (const server of [source, destination]) {
      await server.addUsers([{ user: 'viaimap', password: 'p' }, { user: 'viafile', password: 'p' }]);
      await seedMessages(server, 'viaimap', 'p', messages, { folders });
      const r = await seedMaildir(server, 'viafile', 'p', messages, { folders });
      expect(r.messages).toBe(60);
      const a = await readAll(server, 'viaimap', 'p');
      const b = await readAll(server, 'viafile', 'p');
      expect(snapshotDigest(b)).toEqual(snapshotDigest(a));
      expect(snapshotDigest(b)).toHaveLength(60);
      // UIDs follow input order in every folder.
      for (const f of b) {
        const subjects = f.messages.map((m) => /Subject: (m\d+)/.exec(m.raw.toString())![1]);
        expect(subjects).toEqual(messages.filter((m) => (f.path === 'Sent' ? m.folder === '已傳送' : m.folder === f.path)).map((m) => /Subject: (m\d+)/.exec(m.raw.toString())![1]));
      }
    }
  });

  it('refuses an APPEND over the destination APPENDLIMIT (server-side, not just the announced number)', async () => {
    // imapflow checks APPENDLIMIT itself before sending, so the server is asked over a raw socket.
    const big = await rawAppend(pair.destination.port, 'alice', 'dst-pw', Buffer.from(`Subject: big\r\n\r\n${'y'.repeat(60_000)}\r\n`));
    expect(big).toMatch(/^b NO \[LIMIT\]/);
    const fits = await rawAppend(pair.destination.port, 'alice', 'dst-pw', Buffer.from(`Subject: fits\r\n\r\n${'y'.repeat(40_000)}\r\n`));
    expect(fits).toMatch(/^b OK \[APPENDUID \d+ \d+\]/);
  });

  it('enforces the per-user quota on the destination and reports it with GETQUOTAROOT', async () => {
    await pair.destination.addUser('quota', 'q');
    const c = await openClient(pair.destination, 'quota', 'q');
    try {
      const body = Buffer.from(`Subject: fill\r\n\r\n${'z'.repeat(45_000)}\r\n`);
      let refused: { serverResponseCode?: string } | undefined;
      let stored = 0;
      for (let i = 0; i < 10 && !refused; i++) {
        await c.append('INBOX', body, []).then(
          () => stored++,
          (e: { serverResponseCode?: string }) => (refused = e),
        );
      }
      expect(stored).toBe(4);
      expect(refused?.serverResponseCode).toBe('OVERQUOTA');
      const q = await c.getQuota('INBOX');
      expect(q && q.storage?.limit).toBeGreaterThanOrEqual(200_000);
    } finally {
      await closeClient(c);
    }
  });
});

describe('sandbox Dovecot lifecycle', () => {
  it('stop() leaves no process of the instance behind; restart() keeps data and port', async () => {
    const server = await startDovecot({ name: 'lifecycle', separator: '/', namespacePrefix: '' });
    try {
      await server.addUser('bob', 'pw');
      await seedMessages(server, 'bob', 'pw', [msg('Projects/2025', 'keep me', 'data', ['\\Seen', 'Keep'], '2025-05-05T05:05:05Z')]);
      const before = await readAll(server, 'bob', 'pw');
      const port = server.port;
      const pids = server.pids();
      expect(pids.length).toBeGreaterThan(2); // master, log, config, anvil, … and the imap/login processes
      expect(pids).toContain(server.masterPid());

      await server.restart();
      expect(server.port).toBe(port);
      for (const pid of pids) expect(alive(pid), `pid ${pid} after restart`).toBe(false);
      const after = await readAll(server, 'bob', 'pw');
      expect(snapshotDigest(after)).toEqual(snapshotDigest(before));
      expect(after.find((f) => f.path === 'Projects/2025')!.uidValidity).toBe(before.find((f) => f.path === 'Projects/2025')!.uidValidity);

      const pids2 = server.pids();
      await server.stop();
      for (const pid of [...pids2, ...pids]) expect(alive(pid), `pid ${pid} after stop`).toBe(false);
      expect(server.pids()).toEqual([]);
      // The port is free again.
      const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, logger: false, auth: { user: 'bob', pass: 'pw' }, connectionTimeout: 2000 });
      c.on('error', () => undefined);
      await expect(c.connect()).rejects.toBeTruthy();
    } finally {
      await server.destroy();
    }
    if (!KEEP) expect(existsSync(server.baseDir)).toBe(false);
  });

  let leftOver: { pids: number[]; dirs: string[] } | undefined;
  it('startPair inside a test starts both servers…', async () => {
    const p = await startPair();
    expect(p.source.port).toBeGreaterThan(0);
    expect(p.destination.port).toBeGreaterThan(0);
    leftOver = { pids: [...p.source.pids(), ...p.destination.pids()], dirs: [p.source.baseDir, p.destination.baseDir] };
    expect(leftOver.pids.length).toBeGreaterThan(4);
    // Not stopped here on purpose: startPair registered the cleanup.
  });

  it('…and stops them when that test ends', () => {
    expect(leftOver).toBeDefined();
    for (const pid of leftOver!.pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    if (!KEEP) for (const dir of leftOver!.dirs) expect(existsSync(dir)).toBe(false);
  });

  it('serves implicit TLS with a self-signed certificate that only an insecure client accepts', async () => {
    const server = await startDovecot({ name: 'tls', separator: '/', namespacePrefix: '', tlsPort: true });
    try {
      await server.addUser('carol', 'pw');
      expect(server.tlsPort).toBeGreaterThan(0);
      const strict = await new Promise<string>((resolve) => {
        const s = tlsConnect({ host: '127.0.0.1', port: server.tlsPort!, servername: 'localhost' });
        s.on('secureConnect', () => {
          s.destroy();
          resolve('connected');
        });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(strict).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      const c = new ImapFlow({ host: '127.0.0.1', port: server.tlsPort!, secure: true, tls: { rejectUnauthorized: false }, auth: { user: 'carol', pass: 'pw' }, logger: false });
      c.on('error', () => undefined);
      await c.connect();
      expect(c.authenticated).toBeTruthy();
      await c.logout();
      const cfg = server.serverConfig();
      expect(cfg).toMatchObject({ preset: 'dovecot', host: '127.0.0.1', port: server.port, tls: 'none', allowInsecure: true });
    } finally {
      await server.destroy();
    }
  });

  it.each(['exit', 'SIGTERM'] as const)('a process that ends by %s without stopping its server leaves no Dovecot behind', async (how) => {
    // The sandbox module is transpiled on its own (it imports only node: modules at run time).
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-sandbox-child-'));
    try {
      const src = readFileSync(new URL('../../src/sandbox/dovecot.ts', import.meta.url), 'utf8');
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(join(dir, 'dovecot.mjs'), js);
      writeFileSync(
        join(dir, 'child.mjs'),
        `import { startDovecot } from './dovecot.mjs';
const s = await startDovecot({ name: 'child', separator: '/', namespacePrefix: '' });
process.stdout.write(JSON.stringify({ pids: s.pids(), baseDir: s.baseDir }) + '\\n');
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => {}, 1000);
`,
      );
      const child = spawn(process.execPath, [join(dir, 'child.mjs'), how], { stdio: ['ignore', 'pipe', 'inherit'] });
      const info = await new Promise<{ pids: number[]; baseDir: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
        });
        child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      expect(info.pids.length).toBeGreaterThan(2);
      const exited = new Promise((r) => child.on('exit', r));
      if (how === 'SIGTERM') child.kill('SIGTERM');
      await exited;
      await new Promise((r) => setTimeout(r, 300));
      for (const pid of info.pids) expect(alive(pid), `pid ${pid}`).toBe(false);
      if (!KEEP) expect(existsSync(info.baseDir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
