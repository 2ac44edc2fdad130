import net from 'node:net';
import tls from 'node:tls';
import { SmtpError } from '../errors.js';

// An SMTP probe of one MX host: greeting, EHLO, STARTTLS, certificate, then MAIL FROM and one
// RCPT TO per address, then QUIT. It never sends DATA, so no message is ever delivered.
// Hand-written over net/tls because SMTP client libraries always want to send a message.

export interface SmtpProbeOptions {
  /** The MX name: the certificate must be valid for it (and SNI carries it). */
  mxHost: string;
  /** Where to connect (the MX name and port 25 in production; a loopback port in tests). */
  connectHost: string;
  connectPort: number;
  heloName: string;
  /** Reverse-path; "" is the null sender. */
  mailFrom: string;
  addresses: string[];
  /** Extra CA (PEM) trusted besides the system CAs. */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SmtpProbeResult {
  mxHost: string;
  connectedTo: string;
  reachable: boolean;
  greeting?: string;
  ehlo: boolean;
  starttls: boolean;
  tls?: { trusted: boolean; nameMatches: boolean; problem?: string; subject?: string; altNames?: string; protocol?: string };
  rcpt: { address: string; accepted: boolean; reply: string }[];
  /** What stopped the probe early, if anything. */
  error?: string;
}

interface Reply {
  code: number;
  lines: string[];
  text: string;
}

/** Reads whole SMTP replies (multi-line "250-…" up to "250 …") from a socket. */
class ReplyReader {
  #buf = '';
  #waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  #failed: Error | undefined;
  #replies: Reply[] = [];

  attach(sock: net.Socket): void {
    sock.on('data', (d: Buffer) => {
      this.#buf += d.toString('utf8');
      this.#drain();
    });
    sock.on('error', (err) => this.fail(err));
    sock.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  detach(sock: net.Socket): void {
    sock.removeAllListeners('data');
    sock.removeAllListeners('close');
    sock.removeAllListeners('error');
    sock.on('error', () => {});
  }

  fail(err: Error): void {
    this.#failed ??= err;
    this.#waiting?.reject(err);
    this.#waiting = undefined;
  }

  #drain(): void {
    for (;;) {
      const lines: string[] = [];
      let pos = 0;
      let done = false;
      while (!done) {
        const nl = this.#buf.indexOf('\n', pos);
        if (nl < 0) break;
        const line = this.#buf.slice(pos, nl).replace(/\r$/, '');
        pos = nl + 1;
        lines.push(line);
        if (!/^\d{3}-/.test(line)) done = true;
      }
      if (!done) return;
      this.#buf = this.#buf.slice(pos);
      const code = Number(lines.at(-1)!.slice(0, 3)) || 0;
      const reply = { code, lines: lines.map((l) => l.slice(4)), text: lines.join(' | ') };
      if (this.#waiting) {
        this.#waiting.resolve(reply);
        this.#waiting = undefined;
      } else this.#replies.push(reply);
    }
  }

  next(): Promise<Reply> {
    const queued = this.#replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }
}

export async function probeSmtp(o: SmtpProbeOptions): Promise<SmtpProbeResult> {
  const res: SmtpProbeResult = { mxHost: o.mxHost, connectedTo: `${o.connectHost}:${o.connectPort}`, reachable: false, ehlo: false, starttls: false, rcpt: [] };
  const reader = new ReplyReader();
  let sock: net.Socket = net.connect({ host: o.connectHost, port: o.connectPort });
  const timer = setTimeout(() => {
    reader.fail(new Error(`no answer within ${o.timeoutMs} ms`));
    sock.destroy();
  }, o.timeoutMs);
  const onAbort = () => {
    reader.fail(new Error('interrupted'));
    sock.destroy();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const send = async (line: string) => {
    sock.write(line + '\r\n');
    return reader.next();
  };
  try {
    reader.attach(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    res.reachable = true;
    const greeting = await reader.next();
    res.greeting = greeting.text;
    if (greeting.code !== 220) throw new SmtpError(`greeting is not 220: ${greeting.text}`);
    let ehlo = await send(`EHLO ${o.heloName}`);
    if (ehlo.code !== 250) throw new SmtpError(`EHLO refused: ${ehlo.text}`);
    res.ehlo = true;
    res.starttls = ehlo.lines.some((l) => /^STARTTLS\b/i.test(l));
    if (!res.starttls) throw new SmtpError('STARTTLS is not offered after EHLO');
    const st = await send('STARTTLS');
    if (st.code !== 220) throw new SmtpError(`STARTTLS refused: ${st.text}`);
    reader.detach(sock);
    const secure = await upgrade(sock, o);
    sock = secure.socket;
    res.tls = secure.info;
    reader.attach(sock);
    ehlo = await send(`EHLO ${o.heloName}`);
    if (ehlo.code !== 250) throw new SmtpError(`EHLO after STARTTLS refused: ${ehlo.text}`);
    const mail = await send(`MAIL FROM:<${o.mailFrom}>`);
    if (mail.code !== 250) throw new SmtpError(`MAIL FROM:<${o.mailFrom}> refused: ${mail.text}`);
    for (const address of o.addresses) {
      const r = await send(`RCPT TO:<${address}>`);
      res.rcpt.push({ address, accepted: r.code === 250 || r.code === 251, reply: r.text });
    }
    await send('RSET').catch(() => undefined);
    await send('QUIT').catch(() => undefined);
  } catch (err) {
    res.error = (err as Error).message;
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    sock.destroy();
  }
  return res;
}

/** STARTTLS: TLS over the open socket; the certificate is judged and reported, not silently accepted. */
function upgrade(plain: net.Socket, o: SmtpProbeOptions): Promise<{ socket: tls.TLSSocket; info: NonNullable<SmtpProbeResult['tls']> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      socket: plain,
      servername: net.isIP(o.mxHost) ? undefined : o.mxHost,
      ca: o.ca ? [...tls.rootCertificates, o.ca] : undefined,
      // Judged below and reported as a FAIL; the probe still goes on to test RCPT.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.removeListener('error', reject);
      const cert = socket.getPeerCertificate();
      const nameErr = cert && Object.keys(cert).length ? tls.checkServerIdentity(o.mxHost, cert) : new Error('no certificate');
      const chainErr = socket.authorizationError ? String(socket.authorizationError) : undefined;
      const problems = [chainErr && `certificate not trusted (${chainErr})`, nameErr && `certificate is not valid for ${o.mxHost} (${nameErr.message})`].filter(Boolean);
      resolve({
        socket,
        info: {
          trusted: !chainErr,
          nameMatches: !nameErr,
          problem: problems.length ? problems.join('; ') : undefined,
          subject: cert?.subject?.CN ? String(cert.subject.CN) : undefined,
          altNames: cert?.subjectaltname,
          protocol: socket.getProtocol() ?? undefined,
        },
      });
    });
  });
}
