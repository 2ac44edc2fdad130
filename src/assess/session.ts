// Read-only IMAP sessions for the assessment, and a one-line reason + fix for a failed login.
import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import { SignInRequiredError } from '../auth/types.js';
import { findPreset } from '../config/presets.js';
import type { ServerConfig, Side } from '../config/types.js';
import { closeImap, openSession, type ImapLogin } from '../imap/connect.js';
import type { Credentials } from '../auth/types.js';
import type { Account } from '../config/types.js';
import { SessionPool, type Lease } from '../copier/pool.js';
import { classifyImapError, describeImapError, type ImapFailure } from '../imap/errors.js';
import type { Logger } from '../logger.js';
import type { Failure } from './types.js';

/**
 * connectImap's options and error classification, but with imapflow's automatic ENABLE
 * (CONDSTORE, UTF8=ACCEPT) turned off: the assessment must not change any server state, and
 * on Dovecot enabling CONDSTORE can turn on mod-sequence tracking for a mailbox.
 */
export async function openReadOnly(server: ServerConfig, login: ImapLogin, side: Side, log?: Logger): Promise<ImapFlow> {
  return openSession(server, login, { side, log, connectionTimeoutMs: 15_000, socketTimeoutMs: 120_000 }, (options) => {
    // SNI must not carry an IP address (RFC 6066; Node warns with DEP0123).
    if (options.tls && isIP(server.host)) options.tls = { ...options.tls, servername: undefined };
    return new ImapFlow({ ...options, disableAutoEnable: true });
  });
}

/** One read-only session of the assessment's pool: opened on first use, reopened after a drop. */
export class ReadOnlySession {
  #client: ImapFlow | undefined;
  constructor(
    readonly server: ServerConfig,
    readonly login: ImapLogin,
    readonly side: Side,
    readonly log?: Logger,
  ) {}
  async get(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    this.#client = undefined;
    this.#client = await openReadOnly(this.server, this.login, this.side, this.log);
    return this.#client;
  }
  async close(broken = false): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    if (broken) c?.close();
    else await closeImap(c);
  }
}

/** The assessment's sessions on one server, shared by every account (capacity = maxConnections). */
export function readOnlyPool(server: ServerConfig, side: Side, credentials: Credentials, log?: Logger): SessionPool<ReadOnlySession> {
  return new SessionPool<ReadOnlySession>(Math.max(1, server.maxConnections), {
    open: (account: Account) => new ReadOnlySession(server, { account, credentials }, side, log),
    dispose: (s, broken) => s.close(broken),
  });
}

/** open/close for code that wants plain clients (the throughput probe), leasing them from `pool`. */
export function leasedOpener(pool: SessionPool<ReadOnlySession>, account: Account): { open(): Promise<ImapFlow>; close(c: ImapFlow): Promise<void> } {
  const leases = new Map<ImapFlow, Lease<ReadOnlySession>>();
  return {
    open: async () => {
      const lease = await pool.acquire(account);
      try {
        const c = await lease.session.get();
        leases.set(c, lease);
        return c;
      } catch (err) {
        pool.release(lease, { broken: true });
        throw err;
      }
    },
    close: async (c) => {
      const lease = leases.get(c);
      leases.delete(c);
      if (lease) pool.release(lease, { broken: !c.usable });
      else await closeImap(c);
    },
  };
}

/** Turns a login failure into the report's reason and a fix that fits the provider preset. */
export function loginFailure(err: unknown, server: ServerConfig, side: Side, user: string): Failure {
  // The sign-in itself must be redone (no token yet, revoked, expired): the message says how.
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof SignInRequiredError) return { kind: 'auth', reason: `${side} account ${user} on ${server.host}: ${cause.message || 'not signed in'}`, fix: 'run "mailshift auth login" for this account' };
  const f: ImapFailure = classifyImapError((err as { cause?: unknown })?.cause ?? err);
  const preset = findPreset(server.preset);
  const text = f.message;
  const where = `${side} account ${user} on ${server.host}`;
  if (f.kind === 'auth') {
    let fix = preset?.authHelp ?? 'check the user name and password';
    if (/IPDENY|IP.*(not allowed|denied|whitelist)/i.test(text)) fix = "the server refuses this machine's IP address: ask the admin to allow it (IP whitelist)";
    else if (/IMAP.*(disabled|not enabled|not open)|not.*IMAP/i.test(text))
      fix = `IMAP is disabled for this account: enable it${preset?.webmail ? ` in the webmail settings (${preset.webmail})` : ' in the account settings'}`;
    else if (preset?.auth === 'oauth2') fix = preset.authHelp;
    else if (preset?.auth === 'app-password') fix = `wrong password, or an app password / authorization code is required: ${preset.authHelp}`;
    else fix = `wrong user name or password: ${fix}`;
    return { kind: 'auth', reason: `${where}: ${text}`, fix };
  }
  if (f.kind === 'tls') {
    return { kind: 'tls', reason: `${where}: ${text}`, fix: `install a trusted certificate on the server, or set ${side}.allowInsecure: true only if you trust it` };
  }
  if (f.kind === 'unreachable' || f.kind === 'connection') {
    return { kind: f.kind, reason: `${where}: ${text}`, fix: `check ${side}.host/port/tls and the network; the provider may limit connections (lower ${side}.maxConnections)` };
  }
  if (f.kind === 'throttled') return { kind: f.kind, reason: `${where}: ${text}`, fix: 'the server is throttling: run assess again later or lower maxConnections' };
  if (f.kind === 'unavailable') return { kind: f.kind, reason: `${where}: ${text}`, fix: 'the server says it is temporarily unavailable: run assess again later' };
  return { kind: f.kind, reason: `${where}: ${text}`, fix: preset?.authHelp ?? 'check the account with the mail administrator' };
}
