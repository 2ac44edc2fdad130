/**
 * Sign-in fixtures: a real authorization server (oidc-provider) and Dovecot servers that accept
 * only what the test configures — OAuth2 bearer tokens checked by introspection, a master user,
 * or passwords — plus a job directory driven through the built CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { startDovecot, type DovecotServer, type SandboxSignIn } from '../../src/sandbox/dovecot.js';
import { seedMessages, type SeedMessage } from '../../src/sandbox/seed.js';
import { readAll, snapshotDigest } from '../../src/sandbox/read-all.js';
import { BIN, runCli, type CliResult } from './cli.js';

export { startOidcServer, type OidcServer } from './oidc-server.js';

export async function startServer(name: string, separator: '/' | '.', signIn?: SandboxSignIn): Promise<DovecotServer> {
  const s = await startDovecot({ name, separator, namespacePrefix: separator === '.' ? 'INBOX.' : '', ...(signIn ? { signIn } : {}) });
  onTestFinished(() => s.destroy());
  return s;
}

export interface User {
  user: string;
  password: string;
}

/** `n` simple messages in INBOX and one sub-folder (some flagged, with keywords). */
export function messages(user: string, n: number): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < n; i++) {
    const date = new Date(Date.UTC(2025, 2, 1, 8, i, 0));
    const raw = Buffer.from(`Message-ID: <m${i}.${user}>\r\nFrom: Ann <ann@acme.test>\r\nTo: ${user}\r\nSubject: note ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'line of text\r\n'.repeat(1 + (i % 7))}`);
    out.push({ folder: i % 3 === 0 ? 'Projects/2025' : 'INBOX', raw, flags: i % 2 ? ['\\Seen'] : ['$Label1'], internalDate: date });
  }
  return out;
}

export async function seed(source: DovecotServer, destination: DovecotServer, users: User[], perUser: number): Promise<void> {
  await source.addUsers(users);
  // Destination passwords are never used when that side signs in with OAuth2 or a master user.
  await destination.addUsers(users.map((u) => ({ user: u.user, password: `unused-${u.password}` })));
  for (const u of users) await seedMessages(source, u.user, u.password, messages(u.user, perUser), { connections: 1 });
}

/** Destination content equals the source's, folder by folder (read back through the harness's own login). */
export async function expectSame(source: DovecotServer, destination: DovecotServer, u: User): Promise<{ source: string; destination: string; count: number }> {
  const dl = destination.harnessLogin(u.user);
  const sl = source.harnessLogin(u.user);
  const [src, dst] = await Promise.all([readAll(source, sl.user, sl.password, { hashOnly: true }), readAll(destination, dl.user, dl.password, { hashOnly: true })]);
  // Source '/' with no prefix, destination '.' under INBOX.: compare logical paths.
  const logical = (p: string) => p.replace(/^INBOX\./, '').replace(/\./g, '/');
  return {
    source: JSON.stringify(snapshotDigest(src, { pathOf: (f) => logical(f.path) })),
    destination: JSON.stringify(snapshotDigest(dst, { pathOf: (f) => logical(f.path) })),
    count: src.reduce((n, f) => n + f.messages.length, 0),
  };
}

export interface Job {
  dir: string;
  config: string;
  run(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Spawns the CLI and hands its stdout lines to `onLine` as they come. */
  spawn(args: string[], onLine: (line: string) => void, env?: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<CliResult> };
}

export function makeJob(
  source: DovecotServer,
  destination: DovecotServer,
  rows: Array<[string, string, string, string]>,
  extra: { source?: Record<string, unknown>; destination?: Record<string, unknown> } & Record<string, unknown> = {},
): Job {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-auth-'));
  const config = join(dir, 'mailshift.yaml');
  const server = (s: DovecotServer, more: unknown) => ({ host: '127.0.0.1', port: s.port, tls: 'none', allowInsecure: true, preset: 'dovecot', ...(more as object) });
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  const { source: so, destination: de, ...rest } = extra;
  writeFileSync(config, JSON.stringify({ job: 'auth-test', domain: 'acme.test', ...rest, source: server(source, so), destination: server(destination, de), accounts: 'accounts.csv' }, null, 1));
  return {
    dir,
    config,
    run: (args, o = {}) => runCli([...args, '--config', config], { timeoutMs: o.timeoutMs ?? 300_000, env: o.env }),
    spawn(args, onLine, env) {
      const child = spawn(process.execPath, [BIN, ...args, '--config', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let pending = '';
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        pending += d.toString();
        let i: number;
        while ((i = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, i);
          pending = pending.slice(i + 1);
          onLine(line);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => (clearTimeout(timer), resolve({ code, signal, stdout, stderr }))));
      return { child, done };
    },
  };
}

/** Every file under `dir` (recursively), as bytes. */
function filesUnder(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push({ path: p, bytes: readFileSync(p) });
  }
  return out;
}

/**
 * Where any of `secrets` appears: in files under `dir` (except `allowed`, the token file), in
 * `outputs` (stdout/stderr of every run) or in sampled process command lines. Empty = no leak.
 */
export function findLeaks(secrets: string[], where: { dir: string; allowed?: string[]; outputs: string[]; argv: string[] }): string[] {
  const leaks: string[] = [];
  const wanted = secrets.filter((s) => s.length >= 8);
  for (const f of filesUnder(where.dir)) {
    if (where.allowed?.includes(f.path)) continue;
    for (const s of wanted) if (f.bytes.includes(s)) leaks.push(`${f.path} contains a secret (${s.slice(0, 4)}…)`);
  }
  where.outputs.forEach((o, i) => wanted.forEach((s) => o.includes(s) && leaks.push(`output #${i} contains a secret (${s.slice(0, 4)}…)`)));
  where.argv.forEach((a) => wanted.forEach((s) => a.includes(s) && leaks.push(`a process argv contains a secret (${s.slice(0, 4)}…)`)));
  return leaks;
}

/** Samples every process's command line until stopped. */
export function sampleProcesses(everyMs = 150): { stop(): string[] } {
  const seen = new Set<string>();
  const take = () => {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (!cmd) continue;
        seen.add(cmd);
      } catch {
        /* gone */
      }
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return [...seen];
    },
  };
}
