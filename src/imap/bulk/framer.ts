import { ImapConnectionError } from '../../errors.js';
import type { Body } from './body.js';

// Splits the server's byte stream into responses: lines, and after a line ending in a literal
// marker `{n}` (or literal8 `~{n}`), exactly n bytes of literal, then the rest of the response.

/**
 * One server response: its text segments, and the literal that followed each but the last.
 * A literal is the list of pieces of the reads it arrived in (subarrays, never copied).
 */
export interface RawResponse {
  segments: Buffer[];
  literals: Body[];
}

/** The stream cannot be framed (an absurd line or literal): the connection is unusable. */
export class FramingError extends ImapConnectionError {}

const LF = 0x0a;
const MAX_LINE = 4 * 1024 * 1024;
const MAX_LITERAL = 1024 * 1024 * 1024;
const LITERAL_MARKER = /~?\{(\d{1,12})\+?\}\r?\n$/;

export class ResponseFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #literalLeft = 0;
  /** The pieces of the literal being read (each read's part of it, as a subarray). */
  #literal: Body = [];
  #cur: RawResponse = { segments: [], literals: [] };

  constructor(private readonly onResponse: (r: RawResponse) => void) {}

  /** Feed chunks as they arrive, split anywhere. Throws FramingError on a stream it cannot frame. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, chunk.length - pos);
        // The reads are fresh buffers (socket and inflate alike): holding a view of one copies
        // nothing, and a body over several reads stays in pieces (see body.ts).
        this.#literal.push(take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
        this.#literalLeft -= take;
        pos += take;
        if (this.#literalLeft === 0) {
          this.#cur.literals.push(this.#literal);
          this.#literal = [];
        }
        continue;
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        this.#hold(chunk.subarray(pos));
        if (this.#pendingBytes > MAX_LINE) throw new FramingError('server sent a line over 4 MiB');
        return;
      }
      this.#hold(chunk.subarray(pos, nl + 1));
      pos = nl + 1;
      const line = this.#take();
      this.#cur.segments.push(line);
      // A continuation request ("+ ...") never announces a literal of ours; a line that does
      // ends in "}" before its line end (checked first: most lines do not).
      const close = line.length - (line.length > 1 && line[line.length - 2] === 0x0d ? 3 : 2);
      const m = line[0] === 0x2b || line[close] !== 0x7d ? null : LITERAL_MARKER.exec(line.subarray(Math.max(0, line.length - 24)).toString('latin1'));
      if (m) {
        this.#literalLeft = Number(m[1]);
        if (this.#literalLeft > MAX_LITERAL) throw new FramingError(`server announced a ${this.#literalLeft}-byte literal (over 1 GiB)`);
        if (this.#literalLeft === 0) this.#cur.literals.push([]);
        continue;
      }
      const response = this.#cur;
      this.#cur = { segments: [], literals: [] };
      this.onResponse(response);
    }
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
