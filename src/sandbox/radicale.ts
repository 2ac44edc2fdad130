/**
 * Real, unprivileged Radicale 3 instances on 127.0.0.1 for tests and `mailshift demo`.
 *
 * Each instance has its own directory (config, htpasswd with plain passwords, storage folder) and
 * runs as `/usr/bin/python3 -m radicale --config <file>` (Debian's package; the `python3` first on
 * PATH may be a pyenv one without it). Requests are logged at info level to the instance's log,
 * which tests read to count the writes a run made (`requests()`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RADICALE_PYTHON = process.env.MAILSHIFT_RADICALE_PYTHON ?? '/usr/bin/python3';

export interface RadicaleServer {
  name: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:5232/ */
  url: string;
  dir: string;
  addUser(user: string, password: string): void;
  /** Requests logged so far: method, path and status, in order. */
  requests(): { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

let available: boolean | undefined;
/** True when Debian's radicale can be imported by RADICALE_PYTHON. */
export function radicaleAvailable(): boolean {
  available ??= spawnSync(RADICALE_PYTHON, ['-c', 'import radicale'], { stdio: 'ignore' }).status === 0;
  return available;
}

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of running) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, logPath: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`radicale exited (${child.exitCode}): ${readTail(logPath)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => (sock.end(), resolve(true)));
      sock.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`radicale did not listen on ${port}: ${readTail(logPath)}`);
}

const readTail = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').slice(-2000) : '(no log)');

export async function startRadicale(
  opts: { name: string; baseDir?: string; keepAfterExit?: boolean; maxContentLength?: number; /** Serve https with this certificate and key (PEM). */ tls?: { cert: string; key: string }; /** Listen here (a restart on the same port); default: a free one. */ port?: number } = { name: 'radicale' },
): Promise<RadicaleServer> {
  if (!radicaleAvailable()) throw new Error(`radicale is not installed for ${RADICALE_PYTHON} (Debian package "radicale")`);
  hookExit();
  const dir = opts.baseDir ?? mkdtempSync(join(tmpdir(), `mailshift-radicale-${opts.name}-`));
  if (!opts.baseDir && !opts.keepAfterExit) dirs.add(dir);
  const users = join(dir, 'users');
  const logPath = join(dir, 'radicale.log');
  if (!existsSync(users)) writeFileSync(users, '', { mode: 0o600 });
  const port = opts.port ?? (await freePort());
  if (opts.tls) {
    writeFileSync(join(dir, 'cert.pem'), opts.tls.cert);
    writeFileSync(join(dir, 'key.pem'), opts.tls.key, { mode: 0o600 });
  }
  writeFileSync(
    join(dir, 'config'),
    [
      '[server]',
      `hosts = 127.0.0.1:${port}`,
      `max_content_length = ${opts.maxContentLength ?? 50_000_000}`,
      ...(opts.tls ? ['ssl = True', `certificate = ${join(dir, 'cert.pem')}`, `key = ${join(dir, 'key.pem')}`] : []),
      '[auth]',
      'type = htpasswd',
      `htpasswd_filename = ${users}`,
      'htpasswd_encryption = plain',
      'delay = 0',
      '[rights]',
      'type = owner_only',
      '[storage]',
      `filesystem_folder = ${join(dir, 'collections')}`,
      '[web]',
      'type = none',
      '[logging]',
      'level = info',
      'mask_passwords = True',
      '',
    ].join('\n'),
  );
  // The log goes straight to a file: a pipe would stall Radicale whenever this process is busy.
  const logFd = openSync(logPath, 'a');
  const child = spawn(RADICALE_PYTHON, ['-m', 'radicale', '--config', join(dir, 'config')], { stdio: ['ignore', 'ignore', logFd], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  closeSync(logFd);
  // Not ref'd: a command that leaves its mail servers running (demo --keep) must still exit;
  // the exit hook then stops Radicale.
  child.unref();
  running.add(child);
  child.on('exit', () => running.delete(child));
  await waitForPort(port, child, logPath);
  return {
    name: opts.name,
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    dir,
    addUser(user, password) {
      appendFileSync(users, `${user}:${password}\n`);
    },
    requests() {
      const out: { method: string; path: string; status: number }[] = [];
      // Radicale 3: "... [INFO] PUT response status for '/u/book/x.vcf' in 0.004 seconds: 201 Created"
      const re = /\] (\w+) response status for '([^']*)'.*?: (\d{3})/g;
      const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      for (const m of text.matchAll(re)) out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
      return out;
    },
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await gone;
        clearTimeout(t);
      }
      if (!opts.baseDir && !opts.keepAfterExit) {
        rmSync(dir, { recursive: true, force: true });
        dirs.delete(dir);
      }
    },
  };
}
