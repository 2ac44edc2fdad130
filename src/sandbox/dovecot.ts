/**
 * Real, unprivileged Dovecot 2.3 instances on 127.0.0.1 for tests, the benchmark and `mailshift demo`.
 *
 * Each instance lives in its own directory (config, base_dir, state_dir, log, passwd-file, Maildirs)
 * and is started as `dovecot -F -c <conf>`, a child of this process in its own process group, so:
 * - we know the master pid without trusting master.pid, and Node reaps it. (The daemonizing form
 *   left `<defunct>` masters on machines whose init does not reap orphans, and Dovecot then refuses
 *   to start again because kill(pid, 0) on the zombie in master.pid succeeds.)
 * - stop() sends SIGTERM to the master, then SIGKILL to whatever is left of its process group and
 *   of the descendants seen before the stop. A process 'exit' hook (and SIGTERM/SIGHUP/SIGINT
 *   when nothing else handles them) SIGKILLs servers still running when the process ends and
 *   deletes the temp dirs it created (unless keepAfterExit).
 *
 * Users and permissions (the part that took testing):
 * - Not root: every setting that names a user (default_internal_user, default_login_user,
 *   mail_uid/mail_gid) is the current user, default_internal_group is the current group (the
 *   master chowns its unix sockets to it and may only use its own group), and login/anvil run
 *   without chroot. Verified as `nobody`.
 * - Root: Dovecot refuses uid 0 for mail ("userdb returned 0 as uid") and refuses to run
 *   imap-login as root ("This process must not be run as root"). So mail processes and the auth
 *   process run as Dovecot's own unprivileged `dovecot` user, login processes as `dovenull` (both
 *   created by the Debian package; `nobody` as a fallback), first_valid_uid is lowered to that uid,
 *   and the instance directory is chowned to it with mode 0711 so login processes can reach their
 *   sockets. The passwd-file is 0600 and owned by the auth user.
 *
 * Users: passwd-file with {PLAIN} passwords. Dovecot's auth process re-stats that file at most
 * once per second, so addUser() waits for the next second before it resolves.
 *
 * APPENDLIMIT and quota: Dovecot 2.3.19 has no imap_max_append_size and never announces
 * APPENDLIMIT by itself (the string is in none of its binaries). So the limit is enforced by the
 * quota plugin's `quota_max_mail_size` (a bigger APPEND gets `NO [LIMIT] Mail size is larger than
 * the maximum size allowed…`) and announced with `imap_capability = +APPENDLIMIT=n` ('+' adds to
 * Dovecot's default list). A per-user limit is `quota_rule = *:storage=NB` (quota backend `count`, which
 * needs no quota file), with imap_quota for GETQUOTAROOT. CONDSTORE, QRESYNC, SPECIAL-USE, UIDPLUS
 * and MULTIAPPEND are in Dovecot's default capability list (and imapflow ENABLEs CONDSTORE), so
 * imap_capability only ever adds APPENDLIMIT.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter as pathDelimiter, dirname, join } from 'node:path';
import type { ServerConfig } from '../config/types.js';

// Its own sleep: this module imports only node: modules (a test runs it transpiled on its own).
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StartDovecotOptions {
  /** Shown in errors and used in the temp dir name. */
  name: string;
  /** '/' (source style, Maildir LAYOUT=fs) or '.' (destination style, Maildir++). */
  separator: '/' | '.';
  namespacePrefix: '' | 'INBOX.';
  /** Largest APPEND accepted, in bytes; announced as APPENDLIMIT=n. */
  appendLimit?: number;
  /** Storage quota per user, in bytes. */
  quotaBytes?: number;
  /** Directory for everything of this instance; a new temp dir when absent. */
  baseDir?: string;
  /** Plain IMAP port; an ephemeral one when absent. */
  port?: number;
  /** Also listen with implicit TLS (self-signed certificate for 127.0.0.1) on an ephemeral port. */
  tlsPort?: boolean;
  /** Leave the server running when this process exits (no exit hook). */
  keepAfterExit?: boolean;
  /**
   * Store mail durably, as a production server does (Dovecot's default mail_fsync = optimized:
   * every APPEND command is fsynced before its OK). Off by default: a test server that only
   * ever holds test mail is much faster to fill without it.
   */
  durable?: boolean;
  /**
   * Log every saved message (the mail_log plugin's "save" event, with a timestamp to the
   * millisecond) to the instance's log: how tests count APPENDs at the server.
   */
  mailLog?: boolean;
  /** Sign-in beyond passwords (the sign-in tests); absent: passwd-file passwords only, as before. */
  signIn?: SandboxSignIn;
  /** Offer COMPRESS=DEFLATE (RFC 4978) through Dovecot's imap_zlib plugin, as Gmail does. */
  compress?: boolean;
}

export interface SandboxSignIn {
  /**
   * passdb oauth2 for XOAUTH2/OAUTHBEARER: tokens are validated at this introspection endpoint
   * (RFC 7662, POST token=..., client credentials in the URL). `usernameAttribute` (default sub)
   * must equal the login name as formatted by `usernameFormat` (Dovecot's default %Lu).
   */
  oauth2?: { introspectionUrl: string; usernameAttribute?: string; usernameFormat?: string; mechanisms?: Array<'xoauth2' | 'oauthbearer'> };
  /** false: users cannot log in with a password (OAuth2 only). Default true. */
  passwords?: boolean;
  /** Master users (passwd-file with master=yes): SASL PLAIN authzid or `user*master` logins. */
  masterUsers?: Array<{ user: string; password: string }>;
}

export interface DovecotServer {
  name: string;
  host: '127.0.0.1';
  port: number;
  tlsPort?: number;
  baseDir: string;
  separator: '/' | '.';
  namespacePrefix: '' | 'INBOX.';
  /** PEM of the self-signed certificate when tlsPort is on. */
  tlsCertPem?: string;
  /** Dovecot's log file. */
  logPath: string;
  /** Adds a user to the passwd-file; resolves when Dovecot will see it (up to ~1 s). */
  addUser(user: string, password: string): Promise<void>;
  /** Adds several users with one wait. */
  addUsers(users: Array<{ user: string; password: string }>): Promise<void>;
  stop(): Promise<void>;
  /** Stops, then deletes the instance directory if startDovecot created it (a given baseDir is kept). */
  destroy(): Promise<void>;
  /** Stops and starts again on the same port with the same data. */
  restart(): Promise<void>;
  /**
   * Disconnects every session of a user, as an admin's `doveadm kick` (or provider maintenance)
   * does. True when a session was there to disconnect.
   */
  kick(user: string): Promise<boolean>;
  serverConfig(overrides?: Partial<ServerConfig>): ServerConfig;
  /** Live (non-zombie) processes of this instance: the master and its descendants. */
  pids(): number[];
  /** The master pid while running. */
  masterPid(): number | undefined;
  /** Maildir root of a user (for direct seeding). */
  userMaildir(user: string): string;
  /** uid/gid that owns the mail files. */
  mailOwner: { uid: number; gid: number };
  /** How the harness itself logs in as a user (seeding, reading back): the password, or via its own master user. */
  harnessLogin(user: string): { user: string; password: string };
}

/** Path of the dovecot binary, or undefined when Dovecot is not installed. */
export function dovecotAvailable(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(pathDelimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, 'dovecot');
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

interface Identity {
  root: boolean;
  mailUser: string;
  mailUid: number;
  mailGid: number;
  internalUser: string;
  /** Group of Dovecot's internal unix sockets; undefined keeps Dovecot's default ("dovecot"). */
  internalGroup?: string;
  loginUser: string;
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const parts = line.split(':');
    return { uid: Number(parts[2]), gid: Number(parts[3]) };
  } catch {
    return undefined;
  }
}

function groupName(gid: number): string {
  try {
    const line = execFileSync('getent', ['group', String(gid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const name = line.split(':')[0];
    if (name) return name;
  } catch {
    /* fall through */
  }
  return execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
}

function identity(): Identity {
  const uid = process.getuid?.() ?? 1000;
  if (uid !== 0) {
    const me = userInfo();
    // Unix listeners are chowned to default_internal_group, which a non-root master can only do for its own group.
    const group = groupName(me.gid);
    return { root: false, mailUser: me.username, mailUid: me.uid, mailGid: me.gid, internalUser: me.username, internalGroup: group, loginUser: me.username };
  }
  const mailUser = lookupUser('dovecot') ? 'dovecot' : 'nobody';
  const mail = lookupUser(mailUser);
  if (!mail) throw new Error('running as root, but neither the "dovecot" nor the "nobody" user exists for Dovecot mail processes');
  const loginUser = lookupUser('dovenull') ? 'dovenull' : 'nobody';
  return { root: true, mailUser, mailUid: mail.uid, mailGid: mail.gid, internalUser: mailUser, loginUser };
}

/** A free TCP port on 127.0.0.1 (bound, then released; the caller retries on EADDRINUSE). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface Paths {
  dir: string;
  conf: string;
  run: string;
  state: string;
  mail: string;
  passwd: string;
  masters: string;
  oauth2: string;
  log: string;
  stderr: string;
  cert: string;
  key: string;
}

function pathsOf(dir: string): Paths {
  return {
    dir,
    conf: join(dir, 'dovecot.conf'),
    run: join(dir, 'run'),
    state: join(dir, 'state'),
    mail: join(dir, 'mail'),
    passwd: join(dir, 'passwd'),
    masters: join(dir, 'masters'),
    oauth2: join(dir, 'dovecot-oauth2.conf.ext'),
    log: join(dir, 'dovecot.log'),
    stderr: join(dir, 'dovecot.stderr'),
    cert: join(dir, 'tls-cert.pem'),
    key: join(dir, 'tls-key.pem'),
  };
}

const SPECIAL_USE: Array<[string, string]> = [
  ['Sent', '\\Sent'],
  ['Drafts', '\\Drafts'],
  ['Trash', '\\Trash'],
  ['Junk', '\\Junk'],
  ['Archive', '\\Archive'],
];

function renderConfig(p: Paths, id: Identity, o: StartDovecotOptions, port: number, tlsPort: number | undefined): string {
  const layout = o.separator === '/' ? ':LAYOUT=fs' : '';
  const fsyncLines = o.durable
    ? '# Durable, as in production: every saved message is fsynced before the OK.\nmail_fsync = optimized'
    : '# Throwaway test server: no fsync per saved message (seeding 20,000 messages is much faster).\nmail_fsync = never';
  const mailboxes = SPECIAL_USE.map(([name, use]) => `  mailbox ${name} {\n    special_use = ${use}\n    auto = subscribe\n  }`).join('\n');
  const quotaLines: string[] = [];
  if (o.quotaBytes !== undefined || o.appendLimit !== undefined) {
    // 'count' keeps usage in the index; it needs quota_vsizes (Dovecot's documented requirement).
    quotaLines.push('  quota = count:User quota', '  quota_vsizes = yes');
    if (o.quotaBytes !== undefined) quotaLines.push(`  quota_rule = *:storage=${Math.floor(o.quotaBytes)}B`);
    if (o.appendLimit !== undefined) quotaLines.push(`  quota_max_mail_size = ${Math.floor(o.appendLimit)}B`);
  }
  return `# Written by mailshift's sandbox (src/sandbox/dovecot.ts) for instance "${o.name}".
protocols = imap
listen = 127.0.0.1
base_dir = ${p.run}
state_dir = ${p.state}
instance_name = mailshift-${o.name}-${port}
log_path = ${p.log}
info_log_path = ${p.log}
ssl = ${tlsPort ? 'yes' : 'no'}
${tlsPort ? `ssl_cert = <${p.cert}\nssl_key = <${p.key}\n` : ''}disable_plaintext_auth = no
auth_mechanisms = plain login${o.signIn?.oauth2 ? ` ${(o.signIn.oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ')}` : ''}
${o.signIn ? 'auth_master_user_separator = *\n' : ''}
default_internal_user = ${id.internalUser}
${id.internalGroup ? `default_internal_group = ${id.internalGroup}\n` : ''}default_login_user = ${id.loginUser}
first_valid_uid = ${Math.min(id.mailUid, 500) || 1}
first_valid_gid = ${id.mailGid === 0 ? 0 : 1}
mail_uid = ${id.mailUid}
mail_gid = ${id.mailGid}
mail_location = maildir:${p.mail}/%u${layout}
mail_plugins = $mail_plugins quota${o.mailLog ? ' notify mail_log' : ''}
${o.mailLog ? 'log_timestamp = "%Y-%m-%dT%H:%M:%S.%{usecs} "\n' : ''}mail_max_keyword_length = 200
${fsyncLines}
# fcntl locks made concurrent sessions of one user panic with EDEADLK ("Resource deadlock
# avoided") on dovecot.list.index.log during parallel seeding; flock has no deadlock detection.
lock_method = flock
${o.appendLimit !== undefined ? `imap_capability = +APPENDLIMIT=${Math.floor(o.appendLimit)}\n` : ''}imap_max_line_length = 4M
${passdbs(p, o)}
userdb {
  driver = passwd-file
  args = username_format=%u ${p.passwd}
  default_fields = home=${p.mail}/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tlsPort ?? 0}
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap {
  process_limit = 400
}
namespace inbox {
  inbox = yes
  separator = ${o.separator}
  prefix = ${o.namespacePrefix}
${mailboxes}
}
protocol imap {
  mail_plugins = $mail_plugins imap_quota${o.compress ? ' imap_zlib' : ''}
  mail_max_userip_connections = 100
}
plugin {
${quotaLines.join('\n')}
${o.mailLog ? '  mail_log_events = save\n  mail_log_fields = uid box' : ''}
}
`;
}

// Master users first (they only answer a master login), then OAuth2 tokens, then passwords.
function passdbs(p: Paths, o: StartDovecotOptions): string {
  const out: string[] = [];
  if (o.signIn) out.push(`passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${p.masters}\n  master = yes\n}`);
  if (o.signIn?.oauth2) {
    const mechs = (o.signIn.oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
    out.push(`passdb {\n  driver = oauth2\n  mechanisms = ${mechs}\n  args = ${p.oauth2}\n}`);
  }
  if (o.signIn?.passwords !== false) out.push(`passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${p.passwd}\n}`);
  return out.join('\n');
}

function oauth2Config(o: NonNullable<SandboxSignIn['oauth2']>): string {
  return [
    '# Tokens are checked at the authorization server on every login (RFC 7662 introspection).',
    'introspection_mode = post',
    `introspection_url = ${o.introspectionUrl}`,
    'force_introspection = yes',
    `username_attribute = ${o.usernameAttribute ?? 'sub'}`,
    ...(o.usernameFormat ? [`username_format = ${o.usernameFormat}`] : []),
    'active_attribute = active',
    'active_value = true',
    '',
  ].join('\n');
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    if (existsSync('/proc/self/stat')) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** pid → [ppid, pgrp] of every process, from /proc (Linux). */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' || rest[0] === 'X') continue;
      table.set(Number(e), [Number(rest[1]), Number(rest[2])]);
    } catch {
      /* gone */
    }
  }
  return table;
}

/** Live processes that descend from `root` or are in its process group. */
function familyOf(root: number): number[] {
  const table = processTable();
  const out = new Set<number>();
  if (table.has(root)) out.add(root);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, [ppid, pgrp]] of table) {
      if (out.has(pid)) continue;
      if (out.has(ppid) || pgrp === root) {
        out.add(pid);
        grew = true;
      }
    }
  }
  return [...out];
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}


/** Resolves when the port answers with an IMAP greeting (true) or not within 2 s (false). */
export function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(2000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\n')) done(buf.startsWith('* OK'));
    });
  });
}

/** Servers still running, killed by the exit hook. */
const running = new Set<{ kill(): void }>();
/** Temp dirs made by startDovecot (not keepAfterExit), deleted at exit even when only stopped. */
const tempDirs = new Set<string>();
let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  const killAll = () => {
    for (const r of running) r.kill();
    running.clear();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    tempDirs.clear();
  };
  process.on('exit', killAll);
  // A signal ends Node without 'exit'. When nobody else handles it, kill our servers and
  // re-raise it with the default action; when someone does (the CLI's Ctrl-C handling), they
  // own the shutdown and the 'exit' hook still runs.
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

function writeCert(p: Paths): void {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.key, '-out', p.cert, '-days', '7', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  chmodSync(p.key, 0o600);
}

function tail(path: string, lines = 8): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts one Dovecot instance; see the file comment for the configuration it writes. */
export async function startDovecot(opts: StartDovecotOptions): Promise<DovecotServer> {
  const bin = dovecotAvailable();
  if (!bin) throw new Error('Dovecot is not installed (no dovecot binary in PATH or /usr/sbin); install the dovecot-imapd package');
  const id = identity();
  const safeName = opts.name.replace(/[^A-Za-z0-9_-]/g, '_');
  // MAILSHIFT_SANDBOX_KEEP=1 keeps temp dirs (config, log, Maildirs) for a post-mortem.
  const ownDir = opts.baseDir === undefined && !process.env.MAILSHIFT_SANDBOX_KEEP;
  const dir = opts.baseDir ?? mkdtempSync(join(tmpdir(), `mailshift-dovecot-${safeName}-`));
  if (ownDir && !opts.keepAfterExit) {
    installExitHook();
    tempDirs.add(dir);
  }
  const p = pathsOf(dir);
  for (const d of [p.dir, p.run, p.state, p.mail]) mkdirSync(d, { recursive: true });
  if (!existsSync(p.passwd)) writeFileSync(p.passwd, '', { mode: 0o600 });
  // The harness's own master user, so it can seed and read mailboxes that have no password login.
  const harnessMaster = { user: 'sandbox-harness', password: `h-${Date.now().toString(36)}${Math.random().toString(36).slice(2)}` };
  if (opts.signIn) {
    const masters = [harnessMaster, ...(opts.signIn.masterUsers ?? [])];
    writeFileSync(p.masters, masters.map((m) => `${m.user}:{PLAIN}${m.password}::::::\n`).join(''), { mode: 0o600 });
    if (opts.signIn.oauth2) writeFileSync(p.oauth2, oauth2Config(opts.signIn.oauth2), { mode: 0o600 });
  }
  const passwords = new Map<string, string>();
  const harnessLogin = (user: string) =>
    opts.signIn && opts.signIn.passwords === false ? { user: `${user}*${harnessMaster.user}`, password: harnessMaster.password } : { user, password: passwords.get(user) ?? '' };
  if (id.root) {
    // Login processes (dovenull) must traverse the dir; mail processes (dovecot) own the Maildirs.
    chmodSync(p.dir, 0o711);
    chownSync(p.dir, id.mailUid, id.mailGid);
    chownSync(p.mail, id.mailUid, id.mailGid);
    chmodSync(p.mail, 0o700);
    chownSync(p.passwd, id.mailUid, id.mailGid);
    if (opts.signIn) chownSync(p.masters, id.mailUid, id.mailGid);
    if (opts.signIn?.oauth2) chownSync(p.oauth2, id.mailUid, id.mailGid);
  }
  if (opts.tlsPort && !existsSync(p.cert)) writeCert(p);

  let port = opts.port ?? 0;
  let tlsPort: number | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let knownFamily: number[] = [];
  const handle = {
    kill() {
      const pid = child?.pid;
      if (!pid) return;
      for (const f of new Set([...knownFamily, ...familyOf(pid)])) killQuietly(f, 'SIGKILL');
      killQuietly(-pid, 'SIGKILL');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };

  async function launch(fixedPort: boolean): Promise<void> {
    let lastError = '';
    for (let attempt = 0; attempt < 8; attempt++) {
      if (!fixedPort || port === 0) port = await freePort();
      if (opts.tlsPort && (tlsPort === undefined || !fixedPort)) tlsPort = await freePort();
      writeFileSync(p.conf, renderConfig(p, id, opts, port, tlsPort));
      rmSync(join(p.run, 'master.pid'), { force: true });
      const logStart = existsSync(p.log) ? statSync(p.log).size : 0;
      const errFd = openSync(p.stderr, 'a');
      const c = spawn(bin!, ['-F', '-c', p.conf], { detached: true, stdio: ['ignore', errFd, errFd] });
      closeSync(errFd);
      let gone = false;
      const ended = new Promise<void>((resolve) => {
        c.once('exit', () => {
          gone = true;
          resolve();
        });
        c.once('error', () => {
          gone = true;
          resolve();
        });
      });
      const deadline = Date.now() + 20_000;
      let up = false;
      while (!gone && Date.now() < deadline) {
        if (await greets(port)) {
          up = true;
          break;
        }
        await sleep(50);
      }
      if (up && !gone) {
        child = c;
        exited = ended;
        if (!opts.keepAfterExit) {
          installExitHook();
          running.add(handle);
        } else {
          c.unref();
        }
        knownFamily = familyOf(c.pid!);
        return;
      }
      if (!gone) {
        killQuietly(-c.pid!, 'SIGKILL');
        await ended;
      }
      const log = (() => {
        try {
          return readFileSync(p.log, 'utf8').slice(logStart);
        } catch {
          return '';
        }
      })();
      lastError = `${log}\n${tail(p.stderr)}`.trim();
      if (!/Address already in use|EADDRINUSE/i.test(lastError)) break;
      await sleep(fixedPort ? 300 : 20);
    }
    throw new Error(`Dovecot "${opts.name}" did not start (dir ${dir}): ${lastError.split('\n').slice(-6).join(' | ') || 'no log output'}`);
  }

  async function stop(): Promise<void> {
    const c = child;
    if (!c?.pid) return;
    const pid = c.pid;
    const family = new Set([...knownFamily, ...familyOf(pid)]);
    killQuietly(pid, 'SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) killQuietly(-pid, 'SIGKILL');
    await Promise.race([exited, sleep(2000)]);
    // The master terminates its children; anything still alive after a moment is killed.
    const deadline = Date.now() + 3000;
    for (;;) {
      const left = [...family, ...familyOf(pid)].filter(isAlive);
      if (left.length === 0) break;
      if (Date.now() > deadline) {
        for (const l of left) killQuietly(l, 'SIGKILL');
        killQuietly(-pid, 'SIGKILL');
        await sleep(100);
        break;
      }
      await sleep(50);
    }
    running.delete(handle);
    child = undefined;
    rmSync(join(p.run, 'master.pid'), { force: true });
  }

  try {
    await launch(opts.port !== undefined);
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  async function addUsers(users: Array<{ user: string; password: string }>): Promise<void> {
    for (const { user, password } of users) {
      if (/[:\n\r]/.test(user) || /[:\n\r]/.test(password) || user === '') {
        throw new Error(`sandbox user names and passwords must not be empty or contain ':' or line breaks (user ${JSON.stringify(user)})`);
      }
    }
    appendFileSync(p.passwd, users.map(({ user, password }) => `${user}:{PLAIN}${password}::::::\n`).join(''));
    for (const { user, password } of users) passwords.set(user, password);
    // Dovecot's auth process stats the passwd-file at most once per second (per its ioloop
    // second), so a login in the same second as an earlier lookup would not see the new user.
    // Waiting for the next second makes the next lookup re-read the file.
    await sleep(1000 - (Date.now() % 1000) + 20);
    // Dovecot creates the special-use folders (auto = subscribe) lazily, on first access. Two
    // sessions of a new user doing that at once can deadlock its mailbox-list locks (60 s, then
    // SERVERBUG). One session touching each of them now makes later parallel sessions safe.
    // Loaded here: the rest of this module needs node: modules only (a test runs it on its own).
    const { closeClient, openClient } = await import('./imap-client.js');
    for (const { user } of users) {
      const login = harnessLogin(user);
      const client = await openClient({ host: '127.0.0.1', port }, login.user, login.password);
      try {
        for (const [name] of SPECIAL_USE) await client.status(opts.namespacePrefix + name, { messages: true });
      } finally {
        await closeClient(client);
      }
    }
  }

  const server: DovecotServer = {
    name: opts.name,
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get tlsPort() {
      return tlsPort;
    },
    baseDir: dir,
    separator: opts.separator,
    namespacePrefix: opts.namespacePrefix,
    tlsCertPem: opts.tlsPort ? readFileSync(p.cert, 'utf8') : undefined,
    logPath: p.log,
    mailOwner: { uid: id.mailUid, gid: id.mailGid },
    async addUser(user: string, password: string) {
      await addUsers([{ user, password }]);
    },
    addUsers,
    stop,
    async destroy() {
      await stop();
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      tempDirs.delete(dir);
    },
    async restart() {
      await stop();
      await launch(true);
    },
    async kick(user: string) {
      const doveadm = join(dirname(bin!), 'doveadm');
      return new Promise<boolean>((resolve, reject) => {
        const c = spawn(existsSync(doveadm) ? doveadm : 'doveadm', ['-c', p.conf, 'kick', user], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        c.stderr.on('data', (d: Buffer) => (err += d.toString()));
        c.on('error', reject);
        // Exit 68 (EX_NOUSER): nobody of that name was logged in.
        c.on('close', (code) => (code === 0 ? resolve(true) : code === 68 ? resolve(false) : reject(new Error(`doveadm kick ${user}: exit ${code}: ${err.trim()}`))));
      });
    },
    serverConfig(overrides?: Partial<ServerConfig>): ServerConfig {
      return {
        preset: 'dovecot',
        host: '127.0.0.1',
        port,
        tls: 'none',
        allowInsecure: true,
        maxConnections: 8,
        ...(opts.appendLimit !== undefined ? { maxMessageBytes: opts.appendLimit } : {}),
        throttle: {},
        ...overrides,
      };
    },
    pids() {
      return child?.pid ? familyOf(child.pid) : [];
    },
    masterPid() {
      return child?.pid;
    },
    userMaildir(user: string) {
      return join(p.mail, user);
    },
    harnessLogin,
  };
  return server;
}
