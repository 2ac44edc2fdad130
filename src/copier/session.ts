import type { ImapFlow } from 'imapflow';
import type { ServerConfig, Side } from '../config/types.js';
import { closeImap, connectImap, type ImapLogin } from '../imap/connect.js';
import type { Logger } from '../logger.js';

/** One reusable IMAP session: opened on first use, replaced after a failure. */
export class Session {
  #client: ImapFlow | undefined;
  /** A login under way: reset() and close() must reach it too, or it outlives the run. */
  #connecting: Promise<ImapFlow> | undefined;
  constructor(
    readonly server: ServerConfig,
    readonly login: ImapLogin,
    readonly side: Side,
    readonly log: Logger,
    /** Extra session options (the dual-run asks for QRESYNC on its source sessions). */
    readonly options: { qresync?: boolean } = {},
  ) {}

  async get(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    if (this.#connecting) return this.#connecting;
    await this.reset();
    const connecting = connectImap(this.server, this.login, { side: this.side, log: this.log, ...this.options });
    this.#connecting = connecting;
    try {
      const client = await connecting;
      // reset() or close() ran while we waited: that session is theirs to close, not ours to use.
      if (this.#connecting !== connecting) {
        client.close();
        throw new Error('session closed while logging in');
      }
      this.#client = client;
      return client;
    } finally {
      if (this.#connecting === connecting) this.#connecting = undefined;
    }
  }

  /** Drops the session (after a transient error); the next get() opens a fresh one. */
  async reset(): Promise<void> {
    this.#abandonLogin();
    const c = this.#client;
    this.#client = undefined;
    if (c) c.close();
  }

  async close(): Promise<void> {
    const pending = this.#abandonLogin();
    const c = this.#client;
    this.#client = undefined;
    await closeImap(c);
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
