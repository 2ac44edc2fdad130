/**
 * Real, unprivileged Cyrus IMAP 3.6 instances on 127.0.0.1 for the interoperability tests: a
 * second IMAP implementation beside Dovecot, with its own dialect (NO without ALREADYEXISTS, a
 * per-folder limit of user flags, munge8bit rewriting 8-bit header bytes).
 *
 * Cyrus comes from Debian's packages unpacked into a private prefix by
 * test/support/install-cyrus.sh (cyrus-imapd conflicts with dovecot-imapd, so it is never
 * installed). MAILSHIFT_CYRUS_PREFIX overrides the default /opt/mailshift-cyrus.
 *
 * Each instance has its own imapd.conf, cyrus.conf, config directory, spool and sasldb in a temp
 * dir, and runs `master -C imapd.conf -M cyrus.conf` in the foreground as a child in its own
 * process group. Every path in cyrus.conf is absolute and every service gets `-C`, because the
 * binaries' compiled-in paths (/usr/lib/cyrus/bin, /etc/imapd.conf) do not exist here.
 *
 * Users: sasldb (auxprop) with passwords set by saslpasswd2 -f (read from stdin, never argv); a
 * wrong password is refused, as on a production server. An admin user creates each user's
 * mailbox (user.NAME or user/NAME) and its special-use folders (CREATE … (USE (\Sent))).
 *
 * Root: Cyrus switches to `cyrus_user` itself (become_cyrus), so as root the instance runs as
 * `nobody` and its directory is chowned to it; otherwise as the current user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig } from '../config/types.js';
import { sleep } from '../time/sleep.js';
import { freePort, greets } from './dovecot.js';
import { SandboxError } from '../errors.js';

export const CYRUS_PREFIX = process.env.MAILSHIFT_CYRUS_PREFIX || '/opt/mailshift-cyrus';
const BIN = () => join(CYRUS_PREFIX, 'usr/lib/cyrus/bin');
const LIB = () => join(CYRUS_PREFIX, 'usr/lib/x86_64-linux-gnu');
const SERVERNAME = 'mailshift-cyrus';
const ADMIN = 'cyrusadmin';

export interface StartCyrusOptions {
  name: string;
  /**
   * 'classic': personal folders under "INBOX." with '.' (Cyrus's default).
   * 'alt': altnamespace + unixhierarchysep: folders at the top level, '/' as separator.
   */
  namespace: 'classic' | 'alt';
  /** Cyrus's munge8bit (default on, as Cyrus ships): 8-bit header bytes are rewritten to 'X'. */
  munge8bit?: boolean;
}

export interface CyrusServer {
  name: string;
  kind: 'cyrus';
  host: '127.0.0.1';
  port: number;
  baseDir: string;
  separator: '/' | '.';
  namespacePrefix: '' | 'INBOX.';
  logPath: string;
  addUser(user: string, password: string): Promise<void>;
  addUsers(users: Array<{ user: string; password: string }>): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  restart(): Promise<void>;
  serverConfig(overrides?: Partial<ServerConfig>): ServerConfig;
  masterPid(): number | undefined;
}

/** The Cyrus master binary of the private prefix, or undefined when it is not unpacked. */
export function cyrusAvailable(): string | undefined {
  const master = join(BIN(), 'master');
  const saslpasswd = ['/usr/sbin/saslpasswd2', '/usr/bin/saslpasswd2'].find((p) => existsSync(p));
  return existsSync(master) && existsSync(join(BIN(), 'imapd')) && saslpasswd ? master : undefined;
}


function runAs(): { user: string; group: string; uid: number; gid: number } {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
    return { user: me.username, group, uid: me.uid, gid: me.gid };
  }
  const line = execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).trim().split(':');
  const gid = Number(line[3]);
  const group = execFileSync('getent', ['group', String(gid)], { encoding: 'utf8' }).trim().split(':')[0] || 'nogroup';
  return { user: 'nobody', group, uid: Number(line[2]), gid };
}

function chownTree(path: string, uid: number, gid: number): void {
  if (process.getuid?.() !== 0) return;
  execFileSync('chown', ['-R', `${uid}:${gid}`, path]);
}

const running = new Set<ChildProcess>();
const ownDirs = new Set<string>();
let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of running) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const d of ownDirs) rmSync(d, { recursive: true, force: true });
  });
}

export async function startCyrus(opts: StartCyrusOptions): Promise<CyrusServer> {
  const found = cyrusAvailable();
  if (!found) throw new SandboxError(`Cyrus IMAP is not unpacked in ${CYRUS_PREFIX}: run test/support/install-cyrus.sh`);
  const master: string = found;
  const who = runAs();
  const dir = mkdtempSync(join(tmpdir(), `mailshift-cyrus-${opts.name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  if (!process.env.MAILSHIFT_SANDBOX_KEEP) ownDirs.add(dir);
  hook();
  const conf = join(dir, 'imapd.conf');
  const cyrusConf = join(dir, 'cyrus.conf');
  const configDir = join(dir, 'conf');
  const sasldb = join(dir, 'sasldb2');
  const logPath = join(dir, 'master.log');
  for (const d of ['conf', 'conf/socket', 'conf/proc', 'conf/db', 'conf/log', 'conf/lock', 'spool']) mkdirSync(join(dir, d), { recursive: true });
  const alt = opts.namespace === 'alt';
  const adminPassword = `admin-${process.pid}-${Date.now()}`;
  writeFileSync(
    conf,
    [
      `# Written by mailshift's sandbox (src/sandbox/cyrus.ts) for instance "${opts.name}".`,
      `configdirectory: ${configDir}`,
      `partition-default: ${join(dir, 'spool')}`,
      'defaultpartition: default',
      `servername: ${SERVERNAME}`,
      `admins: ${ADMIN}`,
      'sasl_pwcheck_method: auxprop',
      'sasl_auxprop_plugin: sasldb',
      `sasl_sasldb_path: ${sasldb}`,
      'sasl_mech_list: PLAIN LOGIN',
      'allowplaintext: yes',
      `altnamespace: ${alt ? 'yes' : 'no'}`,
      `unixhierarchysep: ${alt ? 'yes' : 'no'}`,
      `munge8bit: ${opts.munge8bit === false ? 'no' : 'yes'}`,
      `cyrus_user: ${who.user}`,
      `cyrus_group: ${who.group}`,
      `lmtpsocket: ${join(configDir, 'socket/lmtp')}`,
      `idlesocket: ${join(configDir, 'socket/idle')}`,
      `notifysocket: ${join(configDir, 'socket/notify')}`,
      `syslog_prefix: mailshift-cyrus-${opts.name}`,
      // Test mail only: no fsync per message makes seeding thousands of messages fast.
      'skiplist_unsafe: 1',
      '',
    ].join('\n'),
  );
  const saslpasswd = ['/usr/sbin/saslpasswd2', '/usr/bin/saslpasswd2'].find((p) => existsSync(p))!;
  const setPassword = (user: string, password: string) => {
    execFileSync(saslpasswd, ['-f', sasldb, '-u', SERVERNAME, '-c', '-p', user], { input: password, stdio: ['pipe', 'ignore', 'pipe'] });
  };
  setPassword(ADMIN, adminPassword);
  chownTree(dir, who.uid, who.gid);

  let port = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const env = { ...process.env, LD_LIBRARY_PATH: [LIB(), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };

  async function launch(fixedPort: boolean): Promise<void> {
    let last = '';
    for (let attempt = 0; attempt < 6; attempt++) {
      if (!fixedPort || !port) port = await freePort();
      writeFileSync(
        cyrusConf,
        `START {\n  recover cmd="${join(BIN(), 'ctl_cyrusdb')} -C ${conf} -r"\n}\nSERVICES {\n  imap cmd="${join(BIN(), 'imapd')} -C ${conf}" listen="127.0.0.1:${port}" prefork=1 maxchild=200\n}\nEVENTS {\n}\nDAEMON {\n}\n`,
      );
      chownTree(cyrusConf, who.uid, who.gid);
      const fd = openSync(logPath, 'a');
      const c = spawn(master, ['-C', conf, '-M', cyrusConf, '-p', join(dir, 'master.pid'), '-D'], { detached: true, stdio: ['ignore', fd, fd], env });
      closeSync(fd);
      let gone = false;
      const ended = new Promise<void>((resolve) => {
        c.once('exit', () => ((gone = true), resolve()));
        c.once('error', () => ((gone = true), resolve()));
      });
      const deadline = Date.now() + 20_000;
      while (!gone && Date.now() < deadline) {
        if (await greets(port)) {
          child = c;
          exited = ended;
          running.add(c);
          return;
        }
        await sleep(50);
      }
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      await ended;
      last = readFileSync(logPath, 'utf8').split('\n').slice(-5).join(' | ');
      if (fixedPort) await sleep(300);
    }
    throw new SandboxError(`Cyrus "${opts.name}" did not start (dir ${dir}): ${last || 'no output'}`);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c?.pid) return;
    try {
      process.kill(c.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(3000)]);
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(2000)]);
    running.delete(c);
    child = undefined;
  }

  await launch(false);

  const separator = alt ? '/' : '.';
  async function addUsers(users: Array<{ user: string; password: string }>): Promise<void> {
    for (const { user, password } of users) {
      if (!/^[a-z0-9_-]+$/i.test(user) || /[\r\n]/.test(password) || !password) throw new SandboxError(`Cyrus sandbox user names are letters, digits, '_' and '-' (got ${JSON.stringify(user)})`);
      setPassword(user, password);
    }
    chownTree(sasldb, who.uid, who.gid);
    const { closeClient, openClient } = await import('./imap-client.js');
    const admin = await openClient({ host: '127.0.0.1', port }, ADMIN, adminPassword);
    try {
      for (const { user } of users) {
        const root = `user${separator}${user}`;
        const exists = (await admin.list()).some((f) => f.path === root);
        if (exists) continue;
        await admin.mailboxCreate(root);
      }
    } finally {
      await closeClient(admin);
    }
    // CREATE-SPECIAL-USE (RFC 6154), which this Cyrus advertises and imapflow has no call for:
    // sent on a connection mailshift owns (imapflow logs in, then hands it over with unbind()).
    const { BulkConnection } = await import('../imap/bulk/connection.js');
    const { mailboxArg } = await import('../imap/bulk/commands.js');
    const bulk = BulkConnection.fromClient(await openClient({ host: '127.0.0.1', port }, ADMIN, adminPassword));
    try {
      for (const { user } of users) {
        const root = `user${separator}${user}`;
        for (const [name, use] of [['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Junk', '\\Junk'], ['Archive', '\\Archive']] as const) {
          const t = await bulk.run('CREATE', ['CREATE ', mailboxArg(bulk, `${root}${separator}${name}`), ` (USE (${use}))\r\n`]);
          if (t.status !== 'OK' && !/ALREADYEXISTS|already exists/i.test(`${t.code ?? ''} ${t.text}`)) throw new SandboxError(`Cyrus CREATE ${name} for ${user}: ${t.status} ${t.text}`);
        }
      }
    } finally {
      await bulk.logout();
    }
  }

  return {
    name: opts.name,
    kind: 'cyrus',
    host: '127.0.0.1',
    get port() {
      return port;
    },
    baseDir: dir,
    separator,
    namespacePrefix: alt ? '' : 'INBOX.',
    logPath,
    addUser: (user, password) => addUsers([{ user, password }]),
    addUsers,
    stop,
    async destroy() {
      await stop();
      if (ownDirs.has(dir)) rmSync(dir, { recursive: true, force: true });
      ownDirs.delete(dir);
    },
    async restart() {
      await stop();
      await launch(true);
    },
    serverConfig(overrides?: Partial<ServerConfig>): ServerConfig {
      return { preset: 'generic', host: '127.0.0.1', port, tls: 'none', allowInsecure: true, maxConnections: 8, throttle: {}, ...overrides };
    },
    masterPid: () => child?.pid,
  };
}
