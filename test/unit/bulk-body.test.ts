import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { ImapFlow } from 'imapflow';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyLength, bodyPrefix } from '../../src/imap/bulk/body.js';
import { append, appendEach } from '../../src/imap/bulk/commands.js';
import { BulkConnection } from '../../src/imap/bulk/connection.js';
import { ResponseFramer, type RawResponse } from '../../src/imap/bulk/framer.js';
import { parseFetch } from '../../src/imap/bulk/parse.js';
import { HEADER_LIMIT, headerBlock, headerBlockOfBody, identityOf, identityOfBody } from '../../src/copier/identity.js';

// Message bodies stay in the pieces the socket reads brought them in (src/imap/bulk/body.ts):
// framed without a join, written to the destination piece by piece. What the user would check
// is that no byte moves: the same bytes arrive and the same bytes go out as with one buffer.

const message = (n: number) => {
  const head = Buffer.from(`Message-ID: <m${n}@acme.test>\r\nSubject: piece ${n}\r\n\r\n`);
  const body = Buffer.alloc(n, 0);
  for (let i = 0; i < n; i++) body[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([head, body]);
};

function fetchStream(bodies: Buffer[]): Buffer {
  return Buffer.concat([
    ...bodies.flatMap((b, i) => [Buffer.from(`* ${i + 1} FETCH (UID ${i + 10} FLAGS (\\Seen) INTERNALDATE " 2-Mar-2025 09:05:01 +0800" BODY[] {${b.length}}\r\n`), b, Buffer.from(')\r\n')]),
    Buffer.from('A1 OK done\r\n'),
  ]);
}

function frameIn(reads: Buffer[]): RawResponse[] {
  const out: RawResponse[] = [];
  const f = new ResponseFramer((r) => void out.push(r));
  for (const r of reads) f.push(r);
  return out;
}

describe('bodies in pieces: framing', () => {
  it('a literal split across reads at every boundary arrives byte-exact, in pieces that are views of the reads', () => {
    const bodies = [message(40), message(0), message(300)];
    const stream = fetchStream(bodies);
    for (let cut = 1; cut < stream.length; cut++) {
      for (const second of [cut + 1, cut + 7, stream.length]) {
        const reads = [stream.subarray(0, cut), stream.subarray(cut, Math.min(second, stream.length)), stream.subarray(Math.min(second, stream.length))].map((b) => Buffer.from(b));
        const msgs = frameIn(reads).map((r) => parseFetch(r)).filter((m) => m !== undefined);
        expect(msgs.map((m) => m!.uid)).toEqual([10, 11, 12]);
        msgs.forEach((m, i) => {
          expect(Buffer.concat(m!.source!).equals(bodies[i]!), `cut ${cut}/${second}, message ${i}`).toBe(true);
          expect(bodyLength(m!.source!)).toBe(bodies[i]!.length);
          // No copy: every piece lies inside one of the reads.
          for (const p of m!.source!) expect(reads.some((r) => r.buffer === p.buffer && p.byteOffset >= r.byteOffset && p.byteOffset + p.length <= r.byteOffset + r.length)).toBe(true);
        });
      }
    }
  });

  it('one byte per read: every piece is one byte, the message is whole', () => {
    const bodies = [message(500)];
    const stream = fetchStream(bodies);
    const msgs = frameIn([...stream].map((b) => Buffer.from([b]))).map((r) => parseFetch(r)).filter((m) => m !== undefined);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.source!.length).toBe(bodies[0]!.length);
    expect(Buffer.concat(msgs[0]!.source!).equals(bodies[0]!)).toBe(true);
  });

  it('identity and header block of a body in pieces equal those of the joined message, wherever it is cut', () => {
    const long = Buffer.concat([Buffer.from('Subject: long\r\nX-Pad: '), Buffer.alloc(HEADER_LIMIT, 0x61), Buffer.from('\r\nFrom: late\r\n\r\nbody')]);
    for (const raw of [message(100), long, Buffer.from('From: a\n\nbody\n'), Buffer.from('no header end at all')]) {
      for (const cut of [1, 5, 20, raw.length - 1, HEADER_LIMIT - 2, HEADER_LIMIT + 2, HEADER_LIMIT + 4, HEADER_LIMIT + 5].filter((c) => c > 0 && c < raw.length)) {
        const pieces = [raw.subarray(0, cut), raw.subarray(cut, cut + 3), raw.subarray(cut + 3)];
        expect(identityOfBody(pieces)).toEqual(identityOf(raw));
        expect(headerBlockOfBody(pieces).equals(headerBlock(raw))).toBe(true);
        expect(bodyPrefix(pieces, 10).equals(raw.subarray(0, 10))).toBe(true);
      }
    }
  });
});

// ---- writing: a loopback socket pair, the server side a recorder that answers like one ----------

interface Recorder {
  server: Server;
  port: number;
  /** Everything the client wrote, per connection. */
  received: Buffer[];
}

/** Reads commands (with synchronizing literals: "+" first), answers each tagged OK with APPENDUID. */
async function recorder(): Promise<Recorder> {
  const received: Buffer[] = [];
  const server = createServer((sock: Socket) => {
    const idx = received.push(Buffer.alloc(0)) - 1;
    let buf = Buffer.alloc(0);
    let literalLeft = 0;
    let uid = 1;
    let tag: string | undefined;
    sock.on('data', (d: Buffer) => {
      received[idx] = Buffer.concat([received[idx]!, d]);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (literalLeft > 0) {
          const take = Math.min(literalLeft, buf.length);
          literalLeft -= take;
          buf = buf.subarray(take);
          if (literalLeft > 0) return;
        }
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.subarray(0, nl + 1).toString('latin1');
        buf = buf.subarray(nl + 1);
        // The tag is the first word of the command's first line (continuation lines have none).
        tag ??= line.split(' ')[0]!;
        const lit = /~?\{(\d+)(\+?)\}\r\n$/.exec(line);
        if (lit) {
          literalLeft = Number(lit[1]);
          if (!lit[2]) sock.write('+ go ahead\r\n');
          continue;
        }
        // A line without a literal ends the command.
        sock.write(`${tag} OK [APPENDUID 7 ${uid++}] done\r\n`);
        tag = undefined;
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, received };
}

async function bulkTo(port: number, caps: string[]): Promise<BulkConnection> {
  const { Socket: NetSocket } = await import('node:net');
  const socket = new NetSocket();
  socket.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.pause();
  // What BulkConnection.fromClient reads of a logged-in imapflow client (its public unbind()).
  const client = { capabilities: new Map(caps.map((c) => [c, true])), enabled: new Set<string>(), unbind: () => ({ readSocket: socket, writeSocket: socket, socket }) };
  return BulkConnection.fromClient(client as unknown as ImapFlow);
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('bodies in pieces: APPEND', () => {
  const items = (split: boolean) =>
    [message(10), message(5000), message(0), message(70_000)].map((raw, i) => ({
      raw: split ? [raw.subarray(0, 3), raw.subarray(3, 3 + i * 17), raw.subarray(3 + i * 17)].filter((p) => p.length) : [raw],
      flags: ['\\Seen'],
      internalDate: new Date('2024-01-02T03:04:05Z'),
    }));

  for (const caps of [['IMAP4rev1', 'LITERAL+', 'MULTIAPPEND', 'UIDPLUS'], ['IMAP4rev1', 'LITERAL-', 'UIDPLUS'], ['IMAP4rev1', 'UIDPLUS']]) {
    it(`a chunk-list APPEND writes exactly the bytes a single buffer would (${caps.join(' ')})`, async () => {
      const rec = await recorder();
      servers.push(rec.server);
      const wrote: string[] = [];
      for (const split of [false, true]) {
        const conn = await bulkTo(rec.port, caps);
        if (caps.includes('MULTIAPPEND')) {
          const r = await append(conn, 'INBOX.Copied', items(split));
          expect(r.uidValidity).toBe(7n);
        } else {
          const r = await appendEach(conn, 'INBOX.Copied', items(split));
          expect(r.every((x) => x.ok)).toBe(true);
        }
        conn.close();
        await new Promise((res) => setTimeout(res, 20));
        wrote.push(rec.received.at(-1)!.toString('latin1'));
      }
      expect(wrote[1]!.length).toBeGreaterThan(75_000);
      expect(wrote[1]).toBe(wrote[0]);
      // The literal forms the server's capabilities allow: LITERAL+ for all, LITERAL- only up to 4,096 bytes.
      if (caps.includes('LITERAL+')) expect(wrote[0]).not.toMatch(/\{\d+\}\r\n/);
      if (caps.includes('LITERAL-')) expect(wrote[0]).toMatch(/\{\d{2,3}\+\}\r\n[\s\S]*\{5\d{3}\}\r\n/);
    });
  }
});
