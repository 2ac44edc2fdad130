import { ImapFlow } from 'imapflow';
import type { DovecotServer } from './dovecot.js';

/** A logged-in imapflow client for a sandbox server (plain TCP, no logger, no auto-IDLE). */
export async function openClient(server: Pick<DovecotServer, 'host' | 'port'>, user: string, password: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
    disableAutoIdle: true,
    socketTimeout: 300_000,
  });
  // Attached before connect so a dropped socket never crashes the test process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function closeClient(client: ImapFlow): Promise<void> {
  if (client.usable) await client.logout().catch(() => client.close());
  else client.close();
}

/** Wire path of a '/'-separated logical path on a server with this separator and prefix. */
export function wirePath(server: Pick<DovecotServer, 'separator' | 'namespacePrefix'>, logical: string): string {
  if (logical.toUpperCase() === 'INBOX') return 'INBOX';
  return server.namespacePrefix + logical.split('/').join(server.separator);
}

/** Logical ('/'-separated, prefix removed) path of a listed folder. */
export function logicalPath(path: string, delimiter: string | undefined, prefix: string): string {
  if (path.toUpperCase() === 'INBOX') return 'INBOX';
  let p = path;
  if (prefix && p.startsWith(prefix)) p = p.slice(prefix.length);
  return delimiter && delimiter !== '/' ? p.split(delimiter).join('/') : p;
}
