import { VERSION } from '../version.js';
import { DEFAULT_SOCKET_TIMEOUT_SECONDS } from '../config/timeout-schema.js';
import { isIP } from 'node:net';
import { warnInsecureOnce } from '../net/tls-trust.js';
import { rootCertificates as tlsRootCertificates } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { SignInRequiredError, type Credential, type Credentials } from '../auth/types.js';
import type { Account, ServerConfig, Side } from '../config/types.js';
import type { Logger } from '../logger.js';
import { describeImapError, ImapFailure } from './errors.js';

export interface ConnectOptions {
  log?: Logger;
  side: Side;
  /** Socket inactivity limit; long FETCHes of big messages need minutes. */
  socketTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** ENABLE QRESYNC (RFC 7162) where the server advertises it (the dual-run's source reads VANISHED). */
  qresync?: boolean;
}


/** The socket inactivity limit: the caller's, else the server's timeoutSeconds, else 300 s. */
export function socketTimeoutMs(server: ServerConfig, opts: { socketTimeoutMs?: number } = {}): number {
  return opts.socketTimeoutMs ?? (server.timeoutSeconds ?? DEFAULT_SOCKET_TIMEOUT_SECONDS) * 1000;
}

/** Who a session logs in as: the account, and the provider that says what to send. */
export interface ImapLogin {
  account: Account;
  credentials: Credentials;
}

/** imapflow's `auth` for a credential: password, PLAIN with authzid, or an OAuth2 bearer token. */
function imapAuth(cred: Credential): NonNullable<ImapFlowOptions['auth']> {
  if (cred.kind === 'oauth2') return { user: cred.user, accessToken: cred.token.reveal() };
  if (cred.kind === 'master' && cred.authzid) return { user: cred.user, pass: cred.secret.reveal(), authzid: cred.authzid, loginMethod: 'AUTH=PLAIN' };
  return { user: cred.user, pass: cred.secret.reveal() };
}

/** imapflow options for one of the job's servers: TLS verified unless allowInsecure. */
export function imapOptions(server: ServerConfig, cred: Credential, opts: ConnectOptions): ImapFlowOptions {
  const user = cred.kind === 'master' ? cred.mailbox : cred.user;
  const tlsOn = server.tls !== 'none';
  return {
    host: server.host,
    port: server.port,
    secure: server.tls === 'implicit',
    doSTARTTLS: server.tls === 'starttls' ? true : server.tls === 'none' ? false : undefined,
    // allowInsecure is the only way to accept an unverified certificate (a self-signed test server).
    tls: tlsOn
      ? {
          rejectUnauthorized: !server.allowInsecure,
          // The company's own CA (caFile) on top of the system's, not instead of them.
          ...(server.ca ? { ca: [...tlsRootCertificates, server.ca] } : {}),
          // SNI takes a host name only (RFC 6066); an IP literal would warn (DEP0123).
          servername: isIP(server.host) ? undefined : server.host,
          minVersion: 'TLSv1.2',
        }
      : undefined,
    auth: imapAuth(cred),
    logger: opts.log ? (opts.log.child({ component: 'imap', side: opts.side, user }) as unknown as ImapFlowOptions['logger']) : false,
    disableAutoIdle: true,
    ...(opts.qresync ? { qresync: true } : {}),
    // NetEase and others refuse SELECT without IMAP ID; sending it costs one round trip.
    clientInfo: { name: 'mailshift', version: VERSION },
    connectionTimeout: opts.connectionTimeoutMs ?? 30_000,
    greetingTimeout: 16_000,
    socketTimeout: socketTimeoutMs(server, opts),
    emitLogs: false,
  };
}

/**
 * Opens and logs in one IMAP session. The 'error' listener is attached before connect so a
 * dropped socket can never crash the process; the caller sees the failure on its next command.
 * Failures are rethrown with a one-line, secret-free description in `.message`.
 */
export async function connectImap(server: ServerConfig, login: ImapLogin, opts: ConnectOptions): Promise<ImapFlow> {
  return openSession(server, login, opts, (o) => new ImapFlow(o));
}

/**
 * Asks the credential provider what to send, logs in, and on a refused login that may be an
 * expired or revoked token asks once more for a fresh credential (the provider decides).
 * A sign-in the operator must redo becomes an 'auth' failure that stops this account only.
 */
export async function openSession(server: ServerConfig, login: ImapLogin, opts: ConnectOptions, make: (o: ImapFlowOptions) => ImapFlow): Promise<ImapFlow> {
  for (let attempt = 0; ; attempt++) {
    let cred: Credential;
    try {
      cred = await login.credentials.for(opts.side, login.account);
    } catch (err) {
      if (err instanceof SignInRequiredError) throw new ImapFailure(err.message, 'auth', undefined, { cause: err, side: opts.side, account: opts.side === 'source' ? login.account.sourceUser : login.account.destinationUser });
      throw err;
    }
    const user = cred.kind === 'master' ? `${cred.mailbox} (as ${cred.authzid ? cred.user : 'master user'})` : cred.user;
    if (server.allowInsecure) warnInsecureOnce(`${opts.side} server`, server.host, server.port, server.tls);
    const client = make(imapOptions(server, cred, opts));
    client.on('error', (err: Error) => opts.log?.debug({ err: { message: err.message, code: (err as { code?: string }).code } }, 'imap connection error'));
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.close();
      const f = describeImapError(err, { server, user, side: opts.side });
      if (f.kind === 'auth' && attempt === 0 && (await login.credentials.refused(opts.side, login.account, cred))) continue;
      throw f;
    }
  }
}

/** How long a LOGOUT waits for the server to close its end before we close ours. */
export const LOGOUT_CLOSE_WAIT_MS = 2_000;

/**
 * Logs out politely when the connection still works, else just closes the socket. Resolves once
 * the server has closed its end (it does after answering LOGOUT), so a pool that counts this
 * session until then never has one more connection open on the server than it allows.
 */
export async function closeImap(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.usable) {
      const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
      await client.logout();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, LOGOUT_CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
    }
    client.close();
  } catch {
    client.close();
  }
}
