import type { ImapFlow } from 'imapflow';
import type { ServerConfig, Side } from '../config/types.js';
import { closeImap, connectImap, type ImapLogin } from '../imap/connect.js';
import type { Logger } from '../logger.js';

/** One reusable IMAP session: opened on first use, replaced after a failure. */
export class Session {
  #client: ImapFlow | undefined;
  /** A login in progress: close() must wait for it, or its socket would outlive the run. */
  #opening: Promise<ImapFlow> | undefined;
  constructor(
    readonly server: ServerConfig,
    readonly login: ImapLogin,
    readonly side: Side,
    readonly log: Logger,
  ) {}

  async get(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    if (this.#opening) return this.#opening;
    await this.reset();
    const opening = connectImap(this.server, this.login, { side: this.side, log: this.log });
    this.#opening = opening;
    try {
      this.#client = await opening;
    } finally {
      if (this.#opening === opening) this.#opening = undefined;
    }
    return this.#client;
  }

  /** Drops the session (after a transient error); the next get() opens a fresh one. */
  async reset(): Promise<void> {
    const c = this.#client;
    this.#client = undefined;
    if (c) c.close();
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    const pending = opening ? await opening.catch(() => undefined) : undefined;
    const c = this.#client;
    this.#client = undefined;
    await closeImap(c);
    if (pending && pending !== c) await closeImap(pending);
  }
}
