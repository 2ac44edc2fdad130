import type { Readable, Writable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import { ImapCommandError, ImapConnectionError } from '../../errors.js';
import { bodyHasByte, bodyLength, type Body } from './body.js';
import { FramingError, ResponseFramer, type RawResponse } from './framer.js';
import { applySelectData, firstLine, parseCapabilityList, parseTagged, type SelectedState, type Tagged } from './parse.js';
import { LOGOUT_CLOSE_WAIT_MS } from '../connect.js';

// A connection mailshift owns. imapflow connects, does TLS or STARTTLS, logs in (password,
// OAuth2, master user), sends ID and negotiates COMPRESS; then its public unbind() hands over
// the sockets and this small pipelined client drives the bulk commands, framing every response
// itself: several commands in flight under tags of its own, literals written as the server
// allows (LITERAL+, LITERAL- up to 4,096 bytes, else synchronizing with "+" continuations,
// literal8 for a message with NUL bytes where BINARY is offered), untagged EXISTS/EXPUNGE kept
// in the selected folder's state, BYE taken as the end of the connection.

/** The connection failed or was closed: every command in flight failed with it. */
export class BulkConnectionError extends ImapConnectionError {}

/** A tagged NO/BAD, with the fields classifyImapError reads (imapflow's command errors have them too). */
export class BulkCommandError extends ImapCommandError {
  constructor(command: string, t: Tagged) {
    super(`${command} failed: ${t.status} ${t.code ? `[${t.code}] ` : ''}${t.text}`, { tagged: t });
  }
}

/**
 * A literal argument: its form (synchronizing or not, literal8) is chosen per server. A message
 * body goes as the pieces it was read in, written as they are (one writev, no join).
 */
export interface Literal {
  literal: Buffer | Body;
}
export type Part = string | Buffer | Literal;

/** Called with every untagged response while the command is in flight (in arrival order). */
export type UntaggedHandler = (r: RawResponse, line: string) => void;

interface InFlight {
  tag: string;
  name: string;
  resolve(t: Tagged): void;
  reject(err: Error): void;
  onUntagged?: UntaggedHandler;
}

export interface BulkOpenOptions {
  /** Inactivity limit while commands are in flight (a long FETCH of big messages needs minutes). */
  socketTimeoutMs?: number;
}

/** The largest literal sent without waiting where only LITERAL- is offered (RFC 7888). */
const LITERAL_MINUS_MAX = 4096;
/** Bytes queued on the socket before a writer waits for it to drain. */
const WRITE_AHEAD = 1024 * 1024;

export class BulkConnection {
  /** Read from imapflow before unbind, updated by CAPABILITY responses. */
  capabilities: Map<string, boolean | number>;
  /** UTF8=ACCEPT enabled (or IMAP4rev2): mailbox names go as UTF-8, not modified UTF-7. */
  readonly utf8: boolean;
  /** COMPRESS=DEFLATE was negotiated by imapflow: the sockets carry deflated data. */
  readonly compressed: boolean;
  /** The selected folder, kept current by untagged EXISTS/EXPUNGE. */
  selected: SelectedState | undefined;
  /** Messages the server reported expunged in the selected folder since it was selected. */
  expunged = 0;

  readonly #read: Readable;
  readonly #write: Writable;
  readonly #socket: import('node:net').Socket;
  /** Settles once the socket has closed (both ends): until then the server may count it. */
  readonly closed: Promise<void>;
  readonly #inFlight = new Map<string, InFlight>();
  /** Synchronizing literals waiting for "+", in the order they were announced. */
  readonly #continuations: { tag: string; go(ok: boolean): void }[] = [];
  #writing: Promise<void> = Promise.resolve();
  #tags = 0;
  #failure: Error | undefined;
  #loggingOut = false;
  /** The socket is corked until the end of this tick (see #out). */
  #corked = false;
  readonly #timeoutMs: number;

  /** Takes over a logged-in, idle imapflow session (the client is unusable afterwards). */
  static fromClient(client: ImapFlow, opts: BulkOpenOptions = {}): BulkConnection {
    const capabilities = new Map(client.capabilities);
    const utf8 = client.enabled.has('UTF8=ACCEPT') || client.enabled.has('IMAP4rev2');
    const { readSocket, writeSocket, socket } = client.unbind();
    return new BulkConnection(readSocket, writeSocket as unknown as Writable, socket as unknown as import('node:net').Socket, capabilities, utf8, opts);
  }

  private constructor(read: Readable, write: Writable, socket: import('node:net').Socket, caps: Map<string, boolean | number>, utf8: boolean, opts: BulkOpenOptions) {
    this.#read = read;
    this.#write = write;
    this.#socket = socket;
    this.capabilities = caps;
    this.utf8 = utf8;
    this.compressed = read !== (socket as unknown) || write !== (socket as unknown);
    this.#timeoutMs = opts.socketTimeoutMs ?? 300_000;
    const framer = new ResponseFramer((r) => this.#onResponse(r));
    read.on('data', (chunk: Buffer) => {
      if (this.#failure) return;
      try {
        framer.push(chunk);
      } catch (err) {
        this.#fail(err instanceof FramingError ? new BulkConnectionError(err.message) : (err as Error));
      }
    });
    const onError = (err: Error) => this.#fail(Object.assign(new BulkConnectionError(`connection failed: ${err.message}`), { cause: err }));
    read.on('error', onError);
    if (write !== (read as unknown)) write.on('error', onError);
    if (socket !== (read as unknown) && socket !== (write as unknown)) socket.on('error', onError);
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.#fail(new BulkConnectionError(this.#loggingOut ? 'connection closed after LOGOUT' : 'connection closed by the server')));
    socket.setTimeout(this.#timeoutMs);
    socket.on('timeout', () => {
      if (this.#inFlight.size) this.#fail(new BulkConnectionError(`no answer from the server for ${Math.round(this.#timeoutMs / 1000)} s`));
    });
    read.resume(); // unbind()'s unpipe left it paused
  }

  /** True while commands can be sent. */
  get usable(): boolean {
    return !this.#failure && !this.#socket.destroyed;
  }

  has(capability: string): boolean {
    return this.capabilities.has(capability.toUpperCase() === 'IMAP4REV1' ? 'IMAP4rev1' : capability.toUpperCase());
  }

  /**
   * Sends one command (pipelined behind any already in flight) and resolves with its tagged
   * answer, NO and BAD included; rejects only when the connection fails. `parts` follow the tag.
   */
  run(name: string, parts: Part[], onUntagged?: UntaggedHandler): Promise<Tagged> {
    if (this.#failure) return Promise.reject(this.#failure);
    const tag = `B${(++this.#tags).toString(36).toUpperCase()}`;
    const done = new Promise<Tagged>((resolve, reject) => {
      this.#inFlight.set(tag, { tag, name, resolve, reject, ...(onUntagged ? { onUntagged } : {}) });
    });
    this.#writing = this.#writing.then(() => this.#writeCommand(tag, parts)).catch((err: Error) => this.#fail(Object.assign(new BulkConnectionError(`write failed: ${err.message}`), { cause: err })));
    return done;
  }

  /** Like run(), but a NO/BAD rejects with a BulkCommandError. */
  async ok(name: string, parts: Part[], onUntagged?: UntaggedHandler): Promise<Tagged> {
    const t = await this.run(name, parts, onUntagged);
    if (t.status !== 'OK') throw new BulkCommandError(name, t);
    return t;
  }

  /** SELECT (or EXAMINE when readOnly); the state also follows later EXISTS/EXPUNGE. */
  async select(path: string, wireName: Part, readOnly: boolean): Promise<SelectedState> {
    const st: Partial<SelectedState> = { path, readOnly, flags: new Set(), permanentFlags: new Set() };
    const cmd = readOnly ? 'EXAMINE' : 'SELECT';
    // A SELECT that fails leaves no folder selected (RFC 3501 6.3.1).
    this.selected = undefined;
    const t = await this.run(cmd, [`${cmd} `, wireName, this.has('CONDSTORE') ? ' (CONDSTORE)\r\n' : '\r\n'], (_r, line) => {
      const m = /^\* (\d+) EXISTS$/i.exec(line);
      if (m) st.exists = Number(m[1]);
      else applySelectData(line, st);
    });
    if (t.status !== 'OK') throw new BulkCommandError(cmd, t);
    if (/^READ-ONLY$/i.test(t.code ?? '')) st.readOnly = true;
    if (st.uidValidity === undefined) throw new BulkConnectionError(`${cmd} ${path}: the server sent no UIDVALIDITY`);
    const state: SelectedState = { exists: 0, uidNext: 0, ...st } as SelectedState;
    this.selected = state;
    this.expunged = 0;
    return state;
  }

  async noop(): Promise<void> {
    await this.ok('NOOP', ['NOOP\r\n']);
  }

  /**
   * LOGOUT, then the socket is closed; never throws. Resolves once the socket has closed: the
   * server closes its end after answering (waited for up to LOGOUT_CLOSE_WAIT_MS), so a pool
   * counting this connection until then never exceeds what the server allows.
   */
  async logout(): Promise<void> {
    if (this.#failure) {
      this.close();
      return this.closed;
    }
    this.#loggingOut = true;
    const timer = setTimeout(() => this.close(), 5_000);
    try {
      await this.run('LOGOUT', ['LOGOUT\r\n']);
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([this.closed, new Promise<void>((resolve) => (wait = setTimeout(resolve, LOGOUT_CLOSE_WAIT_MS)))]);
      clearTimeout(wait);
    } catch {
      // closed already: nothing to say goodbye to
    } finally {
      clearTimeout(timer);
      this.close();
    }
    await this.closed;
  }

  /** Closes at once; commands in flight fail. */
  close(): void {
    this.#loggingOut = true;
    this.#fail(new BulkConnectionError('connection closed by mailshift'));
  }

  #literalHead(b: Body): { head: string; sync: boolean } {
    const size = bodyLength(b);
    // The NUL scan reads the whole message: only where literal8 could be used at all.
    const binary = this.has('BINARY') && bodyHasByte(b, 0);
    const nonSync = this.has('LITERAL+') || (this.has('LITERAL-') && size <= LITERAL_MINUS_MAX);
    return { head: `${binary ? '~' : ''}{${size}${nonSync ? '+' : ''}}\r\n`, sync: !nonSync };
  }

  async #writeCommand(tag: string, parts: Part[]): Promise<void> {
    if (this.#failure || !this.#inFlight.has(tag)) return;
    // The tag and the text up to the first literal go as one string: one write, not one per piece.
    let text = `${tag} `;
    for (const p of parts) {
      if (typeof p === 'string') {
        text += p;
        continue;
      }
      if (Buffer.isBuffer(p)) {
        if (text) await this.#out(text);
        text = '';
        await this.#out(p);
        continue;
      }
      const pieces = Buffer.isBuffer(p.literal) ? [p.literal] : p.literal;
      const { head, sync } = this.#literalHead(pieces);
      await this.#out(text + head);
      text = '';
      if (sync) {
        // The server answers "+" to go on, or the command's tagged NO/BAD to refuse it.
        const go = await new Promise<boolean>((resolve) => this.#continuations.push({ tag, go: resolve }));
        if (!go) return;
      }
      for (const c of pieces) await this.#out(c);
    }
    if (text) await this.#out(text);
  }

  /**
   * Writes with back-pressure. The writes of one tick (a command's pieces, and the pipelined
   * commands written behind it) are corked into one writev instead of a system call per piece;
   * the writer waits for the socket only once more than WRITE_AHEAD bytes are queued (a literal
   * is a buffer the batch holds anyway, so queuing it copies nothing).
   */
  #out(chunk: string | Buffer): Promise<void> | void {
    if (this.#failure) return;
    if (!this.#corked) {
      this.#corked = true;
      this.#write.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#write.uncork();
      });
    }
    this.#write.write(chunk);
    if (this.#write.writableLength <= WRITE_AHEAD) return;
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#write.off('drain', done);
        this.#socket.off('close', done);
        resolve();
      };
      this.#write.once('drain', done);
      this.#socket.once('close', done);
    });
  }

  #onResponse(r: RawResponse): void {
    const first = r.segments[0]!;
    if (first[0] === 0x2b /* + */) {
      const w = this.#continuations.shift();
      if (w) w.go(true);
      else this.#fail(new BulkConnectionError(`unexpected continuation request: ${firstLine(r).slice(0, 200)}`));
      return;
    }
    const line = firstLine(r);
    if (first[0] === 0x2a /* * */) {
      if (/^\* BYE\b/i.test(line)) {
        if (!this.#loggingOut) this.#fail(new BulkConnectionError(`server closed the session: ${line.slice(0, 200)}`));
        return;
      }
      const n = /^\* (\d+) (EXISTS|EXPUNGE)$/i.exec(line);
      if (n && this.selected) {
        if (n[2]!.toUpperCase() === 'EXISTS') this.selected.exists = Number(n[1]);
        else {
          this.selected.exists = Math.max(0, this.selected.exists - 1);
          this.expunged++;
        }
      } else if (/^\* CAPABILITY /i.test(line)) {
        this.capabilities = parseCapabilityList(line.slice(2));
      }
      for (const c of this.#inFlight.values()) c.onUntagged?.(r, line);
      return;
    }
    const t = parseTagged(line);
    const cmd = t && this.#inFlight.get(t.tag);
    if (!t || !cmd) {
      this.#fail(new BulkConnectionError(`unexpected server answer: ${line.slice(0, 200)}`));
      return;
    }
    this.#inFlight.delete(t.tag);
    // A synchronizing literal the server refused: that command's writer stops there.
    for (let i = this.#continuations.length - 1; i >= 0; i--) {
      if (this.#continuations[i]!.tag === t.tag) this.#continuations.splice(i, 1)[0]!.go(false);
    }
    if (/^CAPABILITY /i.test(t.result.code ?? '')) this.capabilities = parseCapabilityList(t.result.code!);
    cmd.resolve(t.result);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    for (const w of this.#continuations.splice(0)) w.go(false);
    const inFlight = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const c of inFlight) c.reject(err);
    this.#socket.destroy();
    if (this.#read !== (this.#socket as unknown)) this.#read.destroy();
    if (this.#write !== (this.#socket as unknown)) this.#write.destroy();
  }
}
