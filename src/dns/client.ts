import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsError, InputError } from '../errors.js';

// A small DNS client that asks ONE given server (host:port) and keeps the TTLs: node:dns reports
// no TTL for MX or TXT answers and cannot aim at a chosen authoritative server and port.
// UDP first; a truncated answer (TC bit) is asked again over TCP (RFC 7766).

export type RecordType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'CNAME' | 'SRV' | 'NS' | 'SOA';

export interface DnsServer {
  host: string;
  port: number;
  /** As the user wrote it, for messages ("8.8.8.8", "127.0.0.1:5300"). */
  label: string;
}

export type DnsRecord =
  | { name: string; type: 'MX'; ttl: number; exchange: string; priority: number }
  | { name: string; type: 'TXT'; ttl: number; text: string }
  | { name: string; type: 'SRV'; ttl: number; priority: number; weight: number; port: number; target: string }
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'NS'; ttl: number; value: string }
  | { name: string; type: 'SOA'; ttl: number; mname: string; serial: number };

export interface DnsAnswer {
  server: DnsServer;
  rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | string;
  authoritative: boolean;
  truncatedRetriedOverTcp: boolean;
  answers: DnsRecord[];
}

export interface QueryOptions {
  timeoutMs?: number;
  /** UDP attempts before giving up (each waits timeoutMs). */
  attempts?: number;
  recursion?: boolean;
  signal?: AbortSignal;
}

const RCODES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

/** "8.8.8.8", "127.0.0.1:5300", "[::1]:53", "ns1.example.com" → host and port (53 by default). */
export function parseServer(spec: string): DnsServer {
  const s = spec.trim();
  let host = s;
  let port = 53;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(':');
    host = h!;
    port = Number(p);
  }
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`"${spec}" is not host[:port]`);
  return { host, port, label: s };
}

/** No usable answer from a DNS server: in the one error family (src/errors.ts). */
export { DnsError };

/** Sends one question to one server and returns its answer section with TTLs. */
export async function query(server: DnsServer, name: string, type: RecordType, opts: QueryOptions = {}): Promise<DnsAnswer> {
  const packet = {
    type: 'query' as const,
    id: randomInt(1, 65535),
    flags: opts.recursion === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name: name.replace(/\.$/, ''), class: 'IN' as const }],
  };
  const attempts = opts.attempts ?? 2;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      let res = await udpExchange(server, packet, opts);
      let tcp = false;
      if (res.flag_tc) {
        res = await tcpExchange(server, packet, opts);
        tcp = true;
      }
      return toAnswer(server, res, tcp);
    } catch (err) {
      lastErr = err;
      if (opts.signal?.aborted) break;
    }
  }
  const msg = lastErr instanceof Error ? lastErr.message : String(lastErr);
  throw new DnsError(`${server.label}: no answer for ${name} ${type} (${msg})`, server);
}

function toAnswer(server: DnsServer, res: dnsPacket.DecodedPacket, tcp: boolean): DnsAnswer {
  const answers: DnsRecord[] = [];
  for (const a of res.answers ?? []) {
    const ttl = (a as { ttl?: number }).ttl ?? 0;
    const name = a.name.toLowerCase().replace(/\.$/, '');
    switch (a.type) {
      case 'MX':
        answers.push({ name, type: 'MX', ttl, exchange: normHost(a.data.exchange), priority: a.data.preference ?? 0 });
        break;
      case 'TXT': {
        const parts = Array.isArray(a.data) ? a.data : [a.data];
        // A TXT record is a list of <=255-byte strings; the value is their concatenation (RFC 7208 §3.3).
        answers.push({ name, type: 'TXT', ttl, text: parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : p)).join('') });
        break;
      }
      case 'SRV':
        answers.push({ name, type: 'SRV', ttl, priority: a.data.priority ?? 0, weight: a.data.weight ?? 0, port: a.data.port, target: normHost(a.data.target) });
        break;
      case 'A':
      case 'AAAA':
        answers.push({ name, type: a.type, ttl, value: a.data });
        break;
      case 'CNAME':
      case 'NS':
        answers.push({ name, type: a.type, ttl, value: normHost(a.data) });
        break;
      case 'SOA':
        answers.push({ name, type: 'SOA', ttl, mname: normHost(a.data.mname), serial: a.data.serial ?? 0 });
        break;
      default:
        break;
    }
  }
  const flags = res.flags ?? 0;
  return { server, rcode: RCODES[flags & 0xf] ?? `RCODE${flags & 0xf}`, authoritative: res.flag_aa, truncatedRetriedOverTcp: tcp, answers };
}

export const normHost = (h: string) => h.toLowerCase().replace(/\.$/, '');

function udpExchange(server: DnsServer, packet: dnsPacket.Packet, opts: QueryOptions): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(server.host) ? 'udp6' : 'udp4');
    const done = (err: Error | null, res?: dnsPacket.DecodedPacket) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.close();
      if (err) reject(err);
      else resolve(res!);
    };
    const onAbort = () => done(new Error('aborted'));
    const timer = setTimeout(() => done(new Error(`timeout after ${opts.timeoutMs ?? 3000} ms`)), opts.timeoutMs ?? 3000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      let res: dnsPacket.DecodedPacket;
      try {
        res = dnsPacket.decode(msg);
      } catch {
        return; // not a DNS packet: keep waiting
      }
      if (res.id !== packet.id) return; // a late answer to an earlier attempt
      done(null, res);
    });
    socket.send(dnsPacket.encode(packet), server.port, server.host);
  });
}

function tcpExchange(server: DnsServer, packet: dnsPacket.Packet, opts: QueryOptions): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, res?: dnsPacket.DecodedPacket) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const onAbort = () => done(new Error('aborted'));
    const timer = setTimeout(() => done(new Error(`TCP timeout after ${opts.timeoutMs ?? 3000} ms`)), opts.timeoutMs ?? 3000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => done(err));
    socket.on('connect', () => socket.write(dnsPacket.streamEncode(packet)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < len + 2) return;
      try {
        done(null, dnsPacket.decode(buf.subarray(2, 2 + len)));
      } catch (err) {
        done(err as Error);
      }
    });
    socket.on('end', () => done(new Error('TCP connection closed before a full answer')));
  });
}
