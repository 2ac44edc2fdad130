import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateCorpus, type CorpusUser } from '../corpus/index.js';
import { FatalError, InputError } from '../errors.js';
import { startSandboxPair, type DovecotPair } from '../sandbox/pair.js';
import { seedUser } from '../sandbox/seed.js';
import { startDemoGroupware, type DemoGroupware } from './groupware.js';
import { writeJobFiles } from './files.js';

/** Marks a folder as made by `mailshift demo`, so a re-run may clear it and nothing else. */
export const DEMO_MARKER = '.mailshift-demo';
const SERVERS_FILE = 'servers.json';

export interface DemoSandbox {
  dir: string;
  pair: DovecotPair;
  users: CorpusUser[];
  configPath: string;
  messages: number;
  bytes: number;
  /** The Radicale pair with the company's contacts and calendars (absent without Radicale). */
  groupware?: DemoGroupware;
}

export interface KeptServers {
  /** False once the demo stopped them itself (no --keep). */
  running: boolean;
  source: { host: string; port: number; pid?: number; baseDir?: string };
  destination: { host: string; port: number; pid?: number; baseDir?: string };
  users: { user: string; password: string }[];
}

/**
 * Prepares a demo folder: clears an earlier demo there (never a folder it did not make), starts
 * the source and destination sandbox servers with their data inside it, fills the source with a
 * generated company, creates the same users on the destination, and writes the job's config and
 * accounts CSV.
 */
export async function prepareDemo(opts: {
  dir: string;
  preset: 'tiny' | 'small';
  keep: boolean;
  note: (line: string) => void;
  /** The demo's loopback DNS server ("127.0.0.1:PORT"): assess and cutover ask it, not the internet. */
  dns?: string;
  /** The demo's old-provider MX ("127.0.0.1:PORT"), where the dual-run's canaries are sent. */
  oldMx?: string;
}): Promise<DemoSandbox> {
  const dir = resolve(opts.dir);
  await clearDemoDir(dir);
  writeFileSync(join(dir, DEMO_MARKER), 'made by mailshift demo; "mailshift demo" clears this folder when it runs again\n');
  opts.note(`starting two sandbox Dovecot servers (source and destination) on 127.0.0.1`);
  // The servers' data lives in their own temp folders: as root, Dovecot's mail processes run as
  // the unprivileged "dovecot" user, which may not be able to enter the demo folder's parents
  // (e.g. /root). `demo --stop` deletes them for a kept demo; stop() does otherwise.
  let pair: DovecotPair;
  try {
    pair = await startSandboxPair({ source: { keepAfterExit: opts.keep }, destination: { keepAfterExit: opts.keep } });
  } catch (err) {
    throw new FatalError(`could not start the sandbox Dovecot servers: ${(err as Error).message}`);
  }
  try {
    const users = generateCorpus(opts.preset);
    let messages = 0;
    let bytes = 0;
    for (const u of users) {
      opts.note(`  filling ${u.user}: ${u.messageCount} messages in ${u.folders.length} folders (${u.folders.map((f) => f.path).filter((p) => /[^\x00-\x7f]/.test(p)).slice(0, 3).join(', ')}, …)`);
      // One connection: Dovecot 2.3 can panic (fcntl EDEADLK on dovecot.list.index.log) when
      // several sessions of one user create folders at once.
      const r = await seedUser(pair.source, u, { connections: 1 }).catch((err: { message?: string; responseText?: string }) => {
        throw new FatalError(`could not fill the sandbox source server: ${err.responseText ?? err.message}; its log is ${pair.source.logPath}`);
      });
      messages += r.messages;
      bytes += r.bytes;
      await pair.destination.addUser(u.user, u.password);
    }
    const groupware = await startDemoGroupware(users.map((u) => ({ user: u.user, password: u.password })), opts.note);
    if (groupware) {
      // One stop for both pairs: the demo command stops `pair` when it is done.
      const stopMail = pair.stop.bind(pair);
      pair.stop = async () => {
        await Promise.all([stopMail(), groupware.stop()]);
      };
    }
    const { configPath } = writeJobFiles({
      dir,
      job: 'demo',
      domain: 'acme.test',
      company: 'Acme Trading (demo)',
      source: pair.source,
      destination: pair.destination,
      accounts: users.map((u) => ({ user: u.user, password: u.password })),
      extra: {
        ...(groupware ? { groupware: { source: { url: groupware.source.url }, destination: { url: groupware.destination.url } } } : {}),
        ...(opts.dns
          ? {
              cutover: {
                // The new MX staff mail will go to; the zone still points at the old provider.
                mx: [{ host: 'mail.acme.test', priority: 10 }],
                dns: { resolvers: [opts.dns], authoritative: [opts.dns], timeoutMs: 1500 },
                ...(opts.oldMx ? { smtp: { hostMap: { 'mx.old-provider.test': opts.oldMx } } } : {}),
              },
            }
          : {}),
        // What staff would be told to use; the sandbox has no outgoing server of its own.
        kit: {
          helpdesk: { name: 'Acme IT desk', email: 'it@acme.test', phone: '+852 2000 0000' },
          newSystemName: 'Acme Mail (demo)',
          imap: { host: 'mail.acme.test', port: 993, tls: 'implicit' },
          smtp: { host: 'mail.acme.test', port: 587, tls: 'starttls' },
          out: 'kit',
        },
      },
    });
    const kept: KeptServers = {
      running: true,
      source: { host: pair.source.host, port: pair.source.port, pid: pair.source.masterPid(), baseDir: pair.source.baseDir },
      destination: { host: pair.destination.host, port: pair.destination.port, pid: pair.destination.masterPid(), baseDir: pair.destination.baseDir },
      users: users.map((u) => ({ user: u.user, password: u.password })),
    };
    writeFileSync(join(dir, SERVERS_FILE), JSON.stringify(kept, null, 2) + '\n', { mode: 0o600 });
    return { dir, pair, users, configPath, messages, bytes, ...(groupware ? { groupware } : {}) };
  } catch (err) {
    await pair.stop();
    throw err;
  }
}

/** Records that the servers of `dir` are stopped (so --stop and a later run leave them alone). */
export function markStopped(dir: string): void {
  const kept = keptServers(dir);
  if (kept) writeFileSync(join(resolve(dir), SERVERS_FILE), JSON.stringify({ ...kept, running: false }, null, 2) + '\n', { mode: 0o600 });
}

/** Servers a `demo --keep` left running in `dir` (from its servers.json). */
export function keptServers(dir: string): KeptServers | undefined {
  try {
    return JSON.parse(readFileSync(join(resolve(dir), SERVERS_FILE), 'utf8')) as KeptServers;
  } catch {
    return undefined;
  }
}

/**
 * Stops the servers an earlier `demo --keep` left running in `dir`: their Dovecot master pids
 * are in servers.json; SIGTERM makes a master stop its own children. Returns the pids stopped.
 */
export async function stopKeptServers(dir: string): Promise<number[]> {
  const kept = keptServers(dir);
  if (!kept?.running) return [];
  const pids = [kept.source.pid, kept.destination.pid].filter((p): p is number => typeof p === 'number' && isDovecot(p));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  // Their data folders were made by the sandbox for this demo (mailshift-dovecot-* temp dirs).
  for (const d of [kept.source.baseDir, kept.destination.baseDir]) {
    if (d && /mailshift-dovecot-/.test(d)) rmSync(d, { recursive: true, force: true });
  }
  rmSync(join(resolve(dir), SERVERS_FILE), { force: true });
  return pids;
}

async function clearDemoDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length && !entries.includes(DEMO_MARKER)) {
      throw new InputError(`${dir} exists and was not made by "mailshift demo"; pass --dir with a new or empty folder`);
    }
    await stopKeptServers(dir);
    for (const e of entries) rmSync(join(dir, e), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Only a pid that is still a Dovecot process is ours to stop (a pid may have been reused). */
function isDovecot(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('dovecot');
  } catch {
    return alive(pid);
  }
}

