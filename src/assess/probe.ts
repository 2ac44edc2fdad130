// Connectivity of one server, tested once per server: DNS, TCP, TLS (with the certificate shown
// even when verification fails, so the report can say which names it covers and who issued it)
// and the IMAP greeting. Uses node:net/tls directly; nothing is logged in, nothing is written.
import { lookup } from 'node:dns/promises';
import { isIP, Socket, connect as netConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { findPreset } from '../config/presets.js';
import type { ServerConfig, Side } from '../config/types.js';
import type { CertInfo, ServerProbe } from './types.js';

export interface ProbeOptions {
  timeoutMs?: number;
}

export async function probeServer(side: Side, server: ServerConfig, opts: ProbeOptions = {}): Promise<ServerProbe> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const probe: ServerProbe = { side, host: server.host, port: server.port, tls: server.tls, preset: server.preset, addresses: [], ok: false };
  const where = `${side} server ${server.host}:${server.port}`;
  // DNS
  let t = Date.now();
  try {
    const addrs = isIP(server.host) ? [{ address: server.host }] : await withTimeout(lookup(server.host, { all: true }), timeoutMs, 'ETIMEOUT');
    probe.addresses = addrs.map((a) => a.address);
    probe.dnsMs = Date.now() - t;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    probe.failure = {
      kind: 'unreachable',
      reason: `${where}: the host name does not resolve (${code})`,
      fix: `check ${side}.host in the config${hostHint(server)}; if the name is right, check this machine's DNS`,
    };
    return probe;
  }
  // TCP
  t = Date.now();
  let socket: Socket;
  try {
    socket = await tcpConnect(probe.addresses[0]!, server.port, timeoutMs);
    probe.tcpMs = Date.now() - t;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    probe.failure = {
      kind: 'unreachable',
      reason: `${where}: ${code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that port)' : code === 'ETIMEOUT' ? 'no answer (timed out; a firewall may drop the traffic)' : `cannot connect (${code})`}`,
      fix: `check ${side}.host, ${side}.port and ${side}.tls (${portHint(server)}); make sure no firewall blocks this machine`,
    };
    return probe;
  }
  const lines = lineReader(socket);
  try {
    let stream: Socket | TLSSocket = socket;
    if (server.tls === 'starttls') {
      probe.greeting = (await withTimeout(lines.next(), timeoutMs, 'ETIMEOUT')).slice(0, 200);
      socket.write('A1 STARTTLS\r\n');
      let reply = await withTimeout(lines.next(), timeoutMs, 'ETIMEOUT');
      while (reply.startsWith('*')) reply = await withTimeout(lines.next(), timeoutMs, 'ETIMEOUT');
      if (!/^A1 OK/i.test(reply)) {
        probe.failure = {
          kind: 'tls',
          reason: `${where}: the server refused STARTTLS (${reply.slice(0, 120)})`,
          fix: `use ${side}.tls: implicit with port 993 if the server offers it; do not fall back to clear text`,
        };
        return probe;
      }
    }
    if (server.tls !== 'none') {
      lines.stop();
      t = Date.now();
      const secure = await tlsUpgrade(socket, server.host, timeoutMs, server.ca);
      probe.tlsMs = Date.now() - t;
      probe.tlsProtocol = secure.getProtocol() ?? undefined;
      probe.cert = describeCert(secure, server.host);
      stream = secure;
      if (server.tls === 'implicit') probe.greeting = (await withTimeout(lineReader(secure).next(), timeoutMs, 'ETIMEOUT')).slice(0, 200);
      const cert = probe.cert;
      if ((!cert.trusted || !cert.matchesHost) && !server.allowInsecure) {
        const why = !cert.trusted
          ? `the certificate is not trusted (${cert.selfSigned ? 'self-signed' : cert.error ?? 'unknown issuer'}; issued by ${cert.issuer ?? '?'})`
          : `the certificate is for ${cert.names.join(', ') || '(no names)'}, not ${server.host}`;
        probe.failure = {
          kind: 'tls',
          reason: `${where}: ${why}`,
          fix: !cert.matchesHost && cert.names.length
            ? `set ${side}.host to a name the certificate covers (${cert.names.slice(0, 3).join(', ')}), or install a certificate for ${server.host}`
            : `install a certificate from a public CA on the server; only if you trust this server (e.g. your own test server) set ${side}.allowInsecure: true`,
        };
      }
      stream.end();
    } else {
      probe.greeting = (await withTimeout(lines.next(), timeoutMs, 'ETIMEOUT')).slice(0, 200);
      socket.write('A9 LOGOUT\r\n');
      socket.end();
    }
    if (probe.greeting && !/^\* (OK|PREAUTH)/i.test(probe.greeting) && !probe.failure) {
      probe.failure = {
        kind: 'unreachable',
        reason: `${where}: this is not an IMAP server or it refuses this machine (greeting "${probe.greeting.slice(0, 80)}")`,
        fix: `check ${side}.port (${portHint(server)}); the provider may only allow listed IP addresses`,
      };
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const tlsErr = /SSL|TLS|EPROTO|wrong version/i.test(`${e.code} ${e.message}`);
    probe.failure = tlsErr
      ? { kind: 'tls', reason: `${where}: TLS handshake failed (${e.code ?? e.message})`, fix: `check ${side}.tls and ${side}.port (${portHint(server)})` }
      : { kind: 'unreachable', reason: `${where}: the server closed the connection or did not greet (${e.code ?? e.message})`, fix: `check ${side}.port and ${side}.tls (${portHint(server)})` };
  } finally {
    socket.destroy();
  }
  probe.ok = !probe.failure;
  return probe;
}

function hostHint(server: ServerConfig): string {
  const p = findPreset(server.preset);
  return p?.imap && p.imap.host !== server.host ? ` (the ${p.name} preset uses ${p.imap.host})` : '';
}

function portHint(server: ServerConfig): string {
  return 'usually 993 with tls: implicit, or 143 with tls: starttls';
}

/** Certificate facts, read whether or not it verified. */
export function describeCert(sock: TLSSocket, host: string): CertInfo {
  const c = sock.getPeerCertificate(false) as PeerCertificate;
  const names = (c.subjectaltname ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:') || s.startsWith('IP Address:'))
    .map((s) => s.replace(/^DNS:|^IP Address:/, ''));
  if (!names.length && c.subject?.CN) names.push(String(c.subject.CN));
  const identity = c.raw ? checkServerIdentity(host, c) : new Error('no certificate');
  const err = sock.authorizationError ? String((sock.authorizationError as unknown as { code?: string }).code ?? sock.authorizationError) : undefined;
  return {
    subject: c.subject?.CN ? String(c.subject.CN) : undefined,
    names,
    issuer: c.issuer ? String(c.issuer.O ?? c.issuer.CN ?? '') || undefined : undefined,
    validFrom: c.valid_from ? new Date(c.valid_from).toISOString() : undefined,
    validTo: c.valid_to ? new Date(c.valid_to).toISOString() : undefined,
    selfSigned: !!c.issuer && !!c.subject && JSON.stringify(c.issuer) === JSON.stringify(c.subject),
    trusted: sock.authorized,
    matchesHost: identity === undefined,
    error: err,
  };
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return settle(netConnect({ host, port }), 'connect', 'connect timeout', timeoutMs);
}

function tlsUpgrade(socket: Socket, host: string, timeoutMs: number, ca?: string): Promise<TLSSocket> {
  // rejectUnauthorized false: the probe wants to see and report the certificate; whether it
  // is acceptable is decided above from `authorized` and the config's allowInsecure.
  const s = tlsConnect({ socket, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, minVersion: 'TLSv1.2', ...(ca ? { ca: [...rootCertificates, ca] } : {}) });
  return settle(s, 'secureConnect', 'TLS handshake timeout', timeoutMs);
}

/** Resolves with the socket once `ready` fires (later errors are ignored), or rejects on error or timeout. */
function settle<S extends Socket>(s: S, ready: 'connect' | 'secureConnect', timeoutText: string, timeoutMs: number): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(timeoutText), { code: 'ETIMEOUT' }));
    }, timeoutMs);
    s.once(ready, () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Reads CRLF-terminated lines from a socket, one `next()` at a time. */
function lineReader(s: Socket | TLSSocket): { next(): Promise<string>; stop(): void } {
  let buf = '';
  const queue: string[] = [];
  let waiter: { resolve: (l: string) => void; reject: (e: Error) => void } | undefined;
  let ended: Error | undefined;
  const onData = (d: Buffer) => {
    buf += d.toString('latin1');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      queue.push(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
    if (waiter && queue.length) {
      const w = waiter;
      waiter = undefined;
      w.resolve(queue.shift()!);
    }
  };
  const onEnd = () => {
    ended = Object.assign(new Error('connection closed by the server'), { code: 'ECONNRESET' });
    if (waiter) waiter.reject(ended);
  };
  s.on('data', onData);
  s.once('end', onEnd);
  s.once('close', onEnd);
  return {
    next: () =>
      new Promise<string>((resolve, reject) => {
        if (queue.length) return resolve(queue.shift()!);
        if (ended) return reject(ended);
        waiter = { resolve, reject };
      }),
    stop: () => {
      s.off('data', onData);
      s.off('end', onEnd);
      s.off('close', onEnd);
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, code: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code })), ms);
    }),
  ]);
}
