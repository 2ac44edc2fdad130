import type { ImapFlow } from 'imapflow';

// The copier's bulk path: one command written straight to an idle, logged-in imapflow session's
// socket, and its responses framed here instead of by imapflow's general-purpose parser. A FETCH
// of message bodies and a MULTIAPPEND are most of what a migration sends, and imapflow spends
// about as much CPU on each message as the destination server does; this path spends a fraction.
// imapflow keeps the connection: TLS, STARTTLS, login, ID, SELECT and everything else. Where the
// session is not in a state this path understands (compression on, a command in flight), the
// caller uses imapflow's own commands instead.

/** One server response: its text segments, and the literal that followed each but the last. */
export interface RawResponse {
  segments: Buffer[];
  literals: Buffer[];
}

export interface Tagged {
  status: 'OK' | 'NO' | 'BAD';
  /** Response code in brackets, e.g. "APPENDUID 1 5:7", without the brackets. */
  code?: string;
  text: string;
}

/** A connection failure while the raw command ran: the session is unusable afterwards. */
export class RawConnectionError extends Error {
  readonly code = 'EConnectionClosed';
}

/** A tagged NO/BAD, shaped like imapflow's command errors so classifyImapError reads it. */
export class RawCommandError extends Error {
  readonly responseStatus: 'NO' | 'BAD';
  readonly serverResponseCode?: string;
  readonly responseText: string;
  constructor(command: string, t: Tagged) {
    super(`${command} failed: ${t.status} ${t.code ? `[${t.code}] ` : ''}${t.text}`);
    this.responseStatus = t.status as 'NO' | 'BAD';
    this.responseText = t.text;
    if (t.code) this.serverResponseCode = t.code.split(' ')[0]!.toUpperCase();
  }
}

interface Internals {
  socket?: import('node:net').Socket;
  writeSocket?: unknown;
  streamer?: NodeJS.WritableStream & { compress?: boolean };
  currentRequest?: unknown;
  requestQueue?: unknown[];
  tagCounter?: number;
  _inflate?: unknown;
  usable?: boolean;
}

/** MAILSHIFT_BULK=off sends everything through imapflow: CI runs the sync suites both ways. */
const bulkOff = process.env.MAILSHIFT_BULK === 'off';

/** Whether a raw command can run on this session now. */
export function rawAvailable(client: ImapFlow): boolean {
  const c = client as unknown as Internals;
  return (
    !bulkOff &&
    !!c.usable &&
    !!c.socket &&
    !c.socket.destroyed &&
    c.writeSocket === c.socket &&
    !!c.streamer &&
    !c.streamer.compress &&
    !c._inflate &&
    !c.currentRequest &&
    (c.requestQueue?.length ?? 0) === 0 &&
    typeof c.tagCounter === 'number'
  );
}

const LF = 0x0a;
const MAX_LINE = 4 * 1024 * 1024;
const MAX_LITERAL = 1024 * 1024 * 1024;
const LITERAL_MARKER = /~?\{(\d{1,12})\+?\}\r?\n$/;

/**
 * Splits the server's byte stream into responses: lines, and after a line ending in a literal
 * marker `{n}`, exactly n bytes of literal. Feed it chunks as they arrive, split anywhere.
 */
export class ResponseFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #literalLeft = 0;
  /** A literal that spans reads is copied into one buffer as it arrives (the reads are freed). */
  #literal: Buffer | undefined;
  #literalAt = 0;
  #cur: RawResponse = { segments: [], literals: [] };

  /** `onResponse` returns true to stop: the rest of that chunk is not this framer's. */
  constructor(private readonly onResponse: (r: RawResponse) => boolean) {}

  /** Returns the offset in `chunk` just past the response that stopped the framer, or -1. */
  push(chunk: Buffer): number {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, chunk.length - pos);
        if (!this.#literal && take === this.#literalLeft) {
          this.#cur.literals.push(chunk.subarray(pos, pos + take)); // all in this read: no copy
        } else {
          if (!this.#literal) {
            this.#literal = Buffer.allocUnsafe(this.#literalLeft);
            this.#literalAt = 0;
          }
          chunk.copy(this.#literal, this.#literalAt, pos, pos + take);
          this.#literalAt += take;
          if (take === this.#literalLeft) {
            this.#cur.literals.push(this.#literal);
            this.#literal = undefined;
          }
        }
        this.#literalLeft -= take;
        pos += take;
        continue;
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.#hold(chunk.subarray(pos));
        if (this.#pendingBytes > MAX_LINE) throw new RawConnectionError('server sent a line over 4 MiB');
        return -1;
      }
      this.#hold(chunk.subarray(pos, nl + 1));
      pos = nl + 1;
      const line = this.#take();
      this.#cur.segments.push(line);
      const m = LITERAL_MARKER.exec(line.subarray(Math.max(0, line.length - 24)).toString('latin1'));
      if (m) {
        this.#literalLeft = Number(m[1]);
        if (this.#literalLeft > MAX_LITERAL) throw new RawConnectionError(`server announced a ${this.#literalLeft}-byte literal (over 1 GiB)`);
        if (this.#literalLeft === 0) this.#cur.literals.push(Buffer.alloc(0));
        continue;
      }
      const response = this.#cur;
      this.#cur = { segments: [], literals: [] };
      if (this.onResponse(response)) return pos;
    }
    return -1;
  }

  #hold(b: Buffer): void {
    this.#pending.push(b);
    this.#pendingBytes += b.length;
  }

  /** What was held, as one buffer (no copy when it came in one piece). */
  #take(): Buffer {
    const b = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return b;
  }
}

/** The tagged answer, a connection-level problem, or undefined (an untagged response). */
export function readTagged(tag: string, r: RawResponse): Tagged | RawConnectionError | undefined {
  const first = r.segments[0]!;
  if (first[0] === 0x2a /* * */) {
    return /^\* BYE/i.test(first.subarray(0, 8).toString('latin1')) ? new RawConnectionError(`server closed the session: ${first.toString('utf8').trim()}`) : undefined;
  }
  if (first[0] === 0x2b /* + */) return undefined; // a continuation: our literals are non-synchronizing
  const text = first.toString('utf8').replace(/\r?\n$/, '');
  if (!text.startsWith(tag + ' ')) return undefined; // not ours (none come while imapflow is idle)
  const t = /^\S+ (OK|NO|BAD)(?: \[([^\]]*)\])? ?(.*)$/i.exec(text);
  if (!t) return new RawConnectionError(`unexpected server answer: ${text.slice(0, 200)}`);
  return { status: t[1]!.toUpperCase() as Tagged['status'], ...(t[2] ? { code: t[2] } : {}), text: t[3] ?? '' };
}

/**
 * Runs one command: `write` gets the tag and writes the command; every untagged response goes
 * to `onUntagged` (synchronously, in order); resolves with the tagged result. The socket is
 * handed back to imapflow before the promise settles, also on a tagged NO/BAD. On a connection
 * failure the session is closed (the caller opens a fresh one).
 */
export async function rawCommand(
  client: ImapFlow,
  write: (tag: string, out: (chunk: Buffer | string) => void) => void,
  onUntagged: (r: RawResponse) => void,
): Promise<Tagged> {
  const [t] = await rawPipeline(client, 1, (tags, out) => write(tags[0]!, out), onUntagged);
  return t!;
}

/**
 * Runs `count` commands pipelined (all written at once, RFC 3501 5.5): `write` gets their tags;
 * resolves with the tagged results in tag order once every one has answered. Same hand-back and
 * failure rules as rawCommand.
 */
export function rawPipeline(
  client: ImapFlow,
  count: number,
  write: (tags: string[], out: (chunk: Buffer | string) => void) => void,
  onUntagged: (r: RawResponse) => void,
): Promise<Tagged[]> {
  const c = client as unknown as Internals;
  if (!rawAvailable(client)) return Promise.reject(new Error('raw command: the session is busy or compressed'));
  const socket = c.socket!;
  const streamer = c.streamer!;
  // Tags imapflow itself will never use: its own are sequential hex numbers.
  const tags = Array.from({ length: count }, () => `M${(c.tagCounter = (c.tagCounter ?? 0) + 1).toString(16).toUpperCase()}`);
  const results = new Map<string, Tagged>();

  return new Promise<Tagged[]>((resolve, reject) => {
    let done = false;
    let failure: RawConnectionError | undefined;
    const framer = new ResponseFramer((r) => {
      for (const tag of tags) {
        if (results.has(tag)) continue;
        const t = readTagged(tag, r);
        if (t instanceof Error) {
          failure = t;
          return true;
        }
        if (t) {
          results.set(tag, t);
          return results.size === tags.length;
        }
      }
      const first = r.segments[0]!;
      if (first[0] === 0x2a && /^\* BYE/i.test(first.subarray(0, 8).toString('latin1'))) {
        failure = new RawConnectionError(`server closed the session: ${first.toString('utf8').trim()}`);
        return true;
      }
      onUntagged(r);
      return false;
    });

    const finish = (err: Error | undefined, rest?: Buffer) => {
      if (done) return;
      done = true;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err) {
        // The response stream is out of step with imapflow's view of it: the session is done.
        client.close();
        reject(err);
        return;
      }
      // Same tick: no data can slip past between our listener and imapflow's pipe.
      socket.pipe(streamer);
      if (rest?.length) streamer.write(rest);
      resolve(tags.map((t) => results.get(t)!));
    };
    const onData = (chunk: Buffer) => {
      try {
        const end = framer.push(chunk);
        if (end < 0) return;
        if (failure) finish(failure);
        else finish(undefined, chunk.subarray(end));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onClose = () => finish(new RawConnectionError('connection closed by the server'));
    const onError = (err: Error) => finish(Object.assign(new RawConnectionError(`connection failed: ${err.message}`), { cause: err }));

    socket.unpipe(streamer);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.on('error', onError);
    socket.resume(); // unpipe() paused it
    try {
      socket.cork();
      write(tags, (chunk) => void socket.write(chunk));
      socket.uncork();
    } catch (err) {
      finish(err as Error);
    }
  });
}
