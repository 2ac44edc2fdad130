import { createServer, type Socket } from 'node:net';

// The old provider's MX in the demo: a small SMTP receiver on loopback that takes mail for the
// demo's users and hands it to `deliver` (which puts it in the source mailbox), so the dual-run's
// canary really travels DNS -> SMTP -> mailbox -> mailshift -> the new system. Only what a
// sending MTA needs (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); no TLS, no relay.

export interface DemoMx {
  /** "127.0.0.1:PORT", for cutover.smtp.hostMap. */
  address: string;
  stop(): Promise<void>;
}

export async function startDemoMx(opts: { name: string; accept: (rcpt: string) => boolean; deliver: (rcpts: string[], raw: Buffer) => Promise<void> }): Promise<DemoMx> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    const say = (line: string) => sock.write(line + '\r\n');
    let buf = Buffer.alloc(0);
    let rcpts: string[] = [];
    let inData = false;
    say(`220 ${opts.name} ESMTP mailshift demo`);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // Dot-unstuffing (RFC 5321 4.5.2).
          const raw = Buffer.from(buf.subarray(0, end + 2).toString('latin1').replace(/^\.\./gm, '.'), 'latin1');
          buf = buf.subarray(end + 5);
          inData = false;
          const to = rcpts;
          rcpts = [];
          opts.deliver(to, raw).then(
            () => say('250 2.0.0 delivered'),
            () => say('451 4.3.0 delivery failed, try again later'),
          );
          continue;
        }
        const lf = buf.indexOf('\r\n');
        if (lf < 0) return;
        const line = buf.subarray(0, lf).toString('latin1');
        buf = buf.subarray(lf + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') say(`250-${opts.name}\r\n250-8BITMIME\r\n250 SIZE 52428800`);
        else if (verb === 'HELO') say(`250 ${opts.name}`);
        else if (verb === 'MAIL') say('250 2.1.0 ok');
        else if (verb === 'RCPT') {
          const to = /<([^>]*)>/.exec(line)?.[1] ?? '';
          if (opts.accept(to)) {
            rcpts.push(to);
            say('250 2.1.5 ok');
          } else say('550 5.1.1 no such user here');
        } else if (verb === 'DATA') {
          if (!rcpts.length) say('503 5.5.1 no recipients');
          else {
            inData = true;
            say('354 end with <CRLF>.<CRLF>');
          }
        } else if (verb === 'RSET') {
          rcpts = [];
          say('250 ok');
        } else if (verb === 'NOOP') say('250 ok');
        else if (verb === 'QUIT') {
          say('221 bye');
          sock.end();
          return;
        } else say('502 5.5.2 command not implemented');
      }
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
