import type { ImapFlow } from 'imapflow';
import type { ServerConfig, Side } from '../config/types.js';
import { closeImap, connectImap, type ImapLogin } from '../imap/connect.js';
import type { Logger } from '../logger.js';

/** One reusable IMAP session: opened on first use, replaced after a failure. */
export class Session {
  #client: ImapFlow | undefined;
  constructor(
    readonly server: ServerConfig,
    readonly login: ImapLogin,
    readonly side: Side,
    readonly log: Logger,
  ) {}

  async get(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    await this.reset();
    this.#client = await connectImap(this.server, this.login, { side: this.side, log: this.log });
    return this.#client;
  }

  /** Drops the session (after a transient error); the next get() opens a fresh one. */
  async reset(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    if (c) c.close();
  }

  async close(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    await closeImap(c);
  }
}
