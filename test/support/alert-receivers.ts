import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// Loopback stand-ins for the team's chat robots (one HTTP server, a path per channel) and for
// an SMTP server that receives mail (alerts by e-mail, canaries sent to an MX).

export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

export interface WebhookReceiver {
  port: number;
  url(path: string): string;
  requests: ReceivedRequest[];
  stop(): Promise<void>;
}

/** Answers like the real robots do: DingTalk/WeCom {"errcode":0,"errmsg":"ok"}, Slack "ok", others 200. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString('utf8')));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown = data;
      try {
        body = JSON.parse(data);
      } catch {
        // kept as text: the test fails on the shape
      }
      requests.push({ path: u.pathname, query: u.searchParams, headers: req.headers, body, at: Date.now() });
      if (u.pathname.startsWith('/dingtalk') || u.pathname.startsWith('/wecom')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { port, url: (p) => `http://127.0.0.1:${port}${p}`, requests, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface MailSink {
  port: number;
  mails: ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 (no TLS, no AUTH) that keeps what it accepts and hands each
 * message to `deliver` (e.g. an IMAP APPEND into a sandbox mailbox, as an MX would) before it
 * answers 250. `accept` refuses other recipients with 550.
 */
export async function startMailSink(opts: { accept?: (rcpt: string) => boolean; deliver?: (m: ReceivedMail) => Promise<void> } = {}): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onRcptTo(address, _s, cb) {
      if (opts.accept && !opts.accept(address.address)) {
        const err = new Error(`5.1.1 <${address.address}>: recipient unknown`) as Error & { responseCode: number };
        err.responseCode = 550;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        const m: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        };
        mails.push(m);
        (opts.deliver ? opts.deliver(m) : Promise.resolve()).then(
          () => cb(),
          (err: Error) => cb(err),
        );
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
