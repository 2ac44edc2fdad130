import type { ImapFlow } from 'imapflow';
import type { ServerConfig, Side } from '../config/types.js';
import { closeImap, connectImap, socketTimeoutMs, type ImapLogin } from '../imap/connect.js';
import { BulkConnection } from '../imap/bulk/connection.js';
import type { Logger } from '../logger.js';
import { BulkCopy, ImapflowCopy, type CopyConnection } from './conn.js';
import { ImapConnectionError } from '../errors.js';

/** MAILSHIFT_BULK=off sends everything through imapflow's public API: CI runs the sync suites both ways. */
export const bulkDisabled = (): boolean => process.env.MAILSHIFT_BULK === 'off';

/**
 * One reusable IMAP session: opened on first use, replaced after a failure. It holds one
 * connection at a time (so it counts once against the server's maxConnections): an imapflow
 * session, or the bulk connection that session was turned into (imapflow's public unbind()).
 */
export class Session {
  #client: ImapFlow | undefined;
  #bulk: BulkConnection | undefined;
  /** A login under way: reset() and close() must reach it too, or it outlives the run. */
  #connecting: Promise<ImapFlow> | undefined;
  /** Why this session does not use the bulk path (said once in the log). */
  #noBulk: string | undefined;
  #told = false;
  constructor(
    readonly server: ServerConfig,
    readonly login: ImapLogin,
    readonly side: Side,
    readonly log: Logger,
    /** Extra session options (the dual-run asks for QRESYNC on its source sessions). */
    readonly options: { qresync?: boolean } = {},
  ) {
    if (bulkDisabled()) this.#noBulk = 'MAILSHIFT_BULK=off';
  }

  /** An ordinary imapflow session (LIST, STATUS, CREATE, flags, reconciliation in dual-run). */
  async get(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    if (this.#connecting) return this.#connecting;
    // One connection per session: a bulk connection held now says goodbye first.
    const b = this.#bulk;
    this.#bulk = undefined;
    if (b) await b.logout();
    await this.reset();
    const connecting = connectImap(this.server, this.login, { side: this.side, log: this.log, ...this.options });
    this.#connecting = connecting;
    try {
      const client = await connecting;
      // reset() or close() ran while we waited: that session is theirs to close, not ours to use.
      if (this.#connecting !== connecting) {
        client.close();
        throw new ImapConnectionError('session closed while logging in', { side: this.side });
      }
      this.#client = client;
      return client;
    } finally {
      if (this.#connecting === connecting) this.#connecting = undefined;
    }
  }

  /**
   * The bulk connection: the imapflow session (opened if needed) handed over through unbind().
   * Undefined where the bulk path is off or not possible; then the caller uses imapflow.
   */
  async bulk(): Promise<BulkConnection | undefined> {
    if (this.#bulk?.usable) return this.#bulk;
    if (this.#noBulk) return undefined;
    const client = await this.get();
    if (typeof (client as { unbind?: unknown }).unbind !== 'function') {
      this.#noBulk = 'this imapflow has no unbind()';
      return undefined;
    }
    this.#client = undefined;
    try {
      this.#bulk = BulkConnection.fromClient(client, { socketTimeoutMs: socketTimeoutMs(this.server) });
    } catch (err) {
      // Not possible on this session: it copies through imapflow from now on (said in the log).
      client.close();
      this.#noBulk = `the bulk connection could not be set up: ${(err as Error).message}`;
      return undefined;
    }
    this.#tell();
    return this.#bulk;
  }

  /** What the copier copies through: the bulk path where possible, else imapflow's public API. */
  async copy(): Promise<CopyConnection> {
    const source = { imapflow: () => this.get(), bulk: () => this.bulk() };
    const b = await this.bulk();
    if (b) return new BulkCopy(source, b);
    this.#tell();
    return new ImapflowCopy(source).connect();
  }

  /** Once per session: which path it took and why (no secrets: capabilities only). */
  #tell(): void {
    if (this.#told) return;
    this.#told = true;
    if (this.#noBulk || !this.#bulk) {
      this.log.info({ side: this.side, path: 'imapflow', reason: this.#noBulk ?? 'no bulk connection' }, 'copy path: imapflow public API');
      return;
    }
    const b = this.#bulk;
    const literals = b.has('LITERAL+') ? 'LITERAL+' : b.has('LITERAL-') ? 'LITERAL-' : 'synchronizing';
    this.log.info(
      { side: this.side, path: 'bulk', compressed: b.compressed, multiappend: b.has('MULTIAPPEND'), literals, uidplus: b.has('UIDPLUS') },
      `copy path: bulk connection (${b.compressed ? 'COMPRESS=DEFLATE' : 'uncompressed'}, ${b.has('MULTIAPPEND') ? 'MULTIAPPEND' : 'pipelined APPENDs'}, ${literals} literals)`,
    );
  }

  /**
   * Drops the session (after a transient error); the next get() opens a fresh one. Resolves once
   * a login still under way has ended too: until then its connection may be open on the server,
   * so the pool must not count the slot free (a failed pair's other half is often mid-login).
   */
  async reset(): Promise<void> {
    const pending = this.#abandonLogin();
    const c = this.#client;
    this.#client = undefined;
    if (c) c.close();
    const b = this.#bulk;
    this.#bulk = undefined;
    b?.close();
    // The slot is free once the socket has closed, not when its close was asked for.
    await Promise.all([pending, b?.closed]);
  }

  async close(): Promise<void> {
    const pending = this.#abandonLogin();
    const c = this.#client;
    this.#client = undefined;
    const b = this.#bulk;
    this.#bulk = undefined;
    await Promise.all([closeImap(c), b?.logout()]);
    // Waiting for it keeps the process from ending with a socket still opening.
    await pending;
  }

  /** A login still under way is closed the moment it completes (a failed one closed itself). */
  #abandonLogin(): Promise<void> {
    const pending = this.#connecting;
    this.#connecting = undefined;
    return pending ? pending.then((c) => closeImap(c), () => undefined) : Promise.resolve();
  }
}
