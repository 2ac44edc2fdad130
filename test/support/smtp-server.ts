import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { TestCert } from './https-server.js';

// A real SMTP listener on 127.0.0.1 (the smtp-server package) for the MX probe: STARTTLS with a
// test certificate (or none), and RCPT TO accepted only for the addresses it is told about.

export interface TestSmtp {
  port: number;
  address: string;
  /** Recipients the server accepts (lower case); others get 550. */
  accept: Set<string>;
  /** Commands seen, e.g. "RCPT alice@acme.test", "DATA". */
  seen: string[];
  stop(): Promise<void>;
}

export async function startSmtpServer(opts: { cert?: TestCert; starttls?: boolean; accept?: string[] }): Promise<TestSmtp> {
  const accept = new Set((opts.accept ?? []).map((a) => a.toLowerCase()));
  const seen: string[] = [];
  const server = new SMTPServer({
    secure: false,
    key: opts.cert?.key,
    cert: opts.cert?.cert,
    hideSTARTTLS: opts.starttls === false,
    disabledCommands: opts.starttls === false ? ['STARTTLS', 'AUTH'] : ['AUTH'],
    authOptional: true,
    logger: false,
    banner: 'mailshift test MX',
    onMailFrom(address, _session, cb) {
      seen.push(`MAIL ${address.address}`);
      cb();
    },
    onRcptTo(address, _session, cb) {
      seen.push(`RCPT ${address.address}`);
      if (accept.has(address.address.toLowerCase())) return cb();
      const err = new Error(`5.1.1 <${address.address}>: recipient unknown`) as Error & { responseCode: number };
      err.responseCode = 550;
      cb(err);
    },
    onData(stream, _session, cb) {
      seen.push('DATA');
      stream.resume();
      stream.on('end', () => cb());
    },
  });
  server.on('error', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    accept,
    seen,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
