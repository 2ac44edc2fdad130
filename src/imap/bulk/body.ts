// A message as the socket reads brought it: a list of chunks, never copied into one buffer on
// the copy path (a 30 KB body spans two 64 KiB reads about half the time, a 2 MB one thirty).
// The chunks go to the destination as they are (one writev), and only the header block is ever
// needed in one piece.

/** One byte string held in pieces; most messages are a single piece. */
export type Body = Buffer[];

export function bodyLength(b: Body): number {
  let n = 0;
  for (const c of b) n += c.length;
  return n;
}

/** The first `n` bytes (fewer if the body is shorter) as one buffer: no copy when the first chunk has them. */
export function bodyPrefix(b: Body, n: number): Buffer {
  if (b.length === 0) return Buffer.alloc(0);
  if (b.length === 1 || b[0]!.length >= n) return b[0]!.subarray(0, n);
  const parts: Buffer[] = [];
  let left = n;
  for (const c of b) {
    if (left <= 0) break;
    const take = c.length <= left ? c : c.subarray(0, left);
    parts.push(take);
    left -= take.length;
  }
  return Buffer.concat(parts, n - Math.max(0, left));
}

/** The whole body as one buffer (for consumers outside the copy path: a copy unless it is one piece). */
export function bodyBuffer(b: Body): Buffer {
  return b.length === 1 ? b[0]! : Buffer.concat(b);
}

/** Whether any chunk holds the byte. */
export function bodyHasByte(b: Body, byte: number): boolean {
  for (const c of b) if (c.indexOf(byte) >= 0) return true;
  return false;
}
