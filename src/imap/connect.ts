import { isIP } from 'node:net';
import { rootCertificates as tlsRootCertificates } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ServerConfig, Side } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { Secret } from '../secret.js';
import { describeImapError } from './errors.js';

export interface ConnectOptions {
  log?: Logger;
  side: Side;
  /** Socket inactivity limit; long FETCHes of big messages need minutes. */
  socketTimeoutMs?: number;
  connectionTimeoutMs?: number;
}

const VERSION = '0.1.0';

/** imapflow options for one of the job's servers: TLS verified unless allowInsecure. */
export function imapOptions(server: ServerConfig, user: string, password: Secret, opts: ConnectOptions): ImapFlowOptions {
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
    auth: { user, pass: password.reveal() },
    logger: opts.log ? (opts.log.child({ component: 'imap', side: opts.side, user }) as unknown as ImapFlowOptions['logger']) : false,
    disableAutoIdle: true,
    // NetEase and others refuse SELECT without IMAP ID; sending it costs one round trip.
    clientInfo: { name: 'mailshift', version: VERSION },
    connectionTimeout: opts.connectionTimeoutMs ?? 30_000,
    greetingTimeout: 16_000,
    socketTimeout: opts.socketTimeoutMs ?? 300_000,
    emitLogs: false,
  };
}

/**
 * Opens and logs in one IMAP session. The 'error' listener is attached before connect so a
 * dropped socket can never crash the process; the caller sees the failure on its next command.
 * Failures are rethrown with a one-line, secret-free description in `.message`.
 */
export async function connectImap(server: ServerConfig, user: string, password: Secret, opts: ConnectOptions): Promise<ImapFlow> {
  const client = new ImapFlow(imapOptions(server, user, password, opts));
  client.on('error', (err: Error) => opts.log?.debug({ err: { message: err.message, code: (err as { code?: string }).code } }, 'imap connection error'));
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw describeImapError(err, { server, user, side: opts.side });
  }
  return client;
}

/** Logs out politely when the connection still works, else just closes the socket. */
export async function closeImap(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.usable) await client.logout();
    else client.close();
  } catch {
    client.close();
  }
}
