import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { SandboxError } from '../errors.js';

// A real DNS server on 127.0.0.1 (test and demo infrastructure): several ports (each one plays an
// authoritative server or a public resolver), UDP and TCP, answers switchable at run time,
// globally or for one port only (a NS that disagrees, a resolver that flips late). The cutover
// tests use all of it; the demo serves its company's zone on one port.

export type ZoneRecord =
  | { type: 'MX'; exchange: string; priority: number; ttl?: number }
  | { type: 'TXT'; text: string; ttl?: number }
  | { type: 'SRV'; priority?: number; weight?: number; port: number; target: string; ttl?: number }
  | { type: 'A' | 'AAAA' | 'CNAME' | 'NS'; value: string; ttl?: number };

/** A record without its type (the type is given once to set()). */
export type ZoneRecordData = ZoneRecord extends infer R ? (R extends ZoneRecord ? Omit<R, 'type'> : never) : never;

export interface DnsServerPort {
  port: number;
  /** "127.0.0.1:PORT", the form the config takes. */
  address: string;
}

export interface DnsServer {
  ports: DnsServerPort[];
  /** Replaces the records of name/type (everywhere, or only on the given addresses). */
  set(name: string, type: ZoneRecord['type'], records: ZoneRecordData[], onlyOn?: string[]): void;
  /** Replaces the whole global zone with these records (the per-port overrides stay). */
  load(records: Array<ZoneRecord & { name: string }>): void;
  /** Forgets name/type (everywhere, or the per-port override on the given addresses). */
  remove(name: string, type: ZoneRecord['type'], onlyOn?: string[]): void;
  /** UDP answers from this address carry the TC bit and no records, so clients must use TCP. */
  truncateUdp(address: string, on: boolean): void;
  /** Questions received, per address, as "name TYPE udp|tcp". */
  log: Map<string, string[]>;
  stop(): Promise<void>;
}

const GLOBAL = '*';
const key = (name: string, type: string) => `${name.toLowerCase().replace(/\.$/, '')}|${type}`;

export async function startDnsServer(count = 1): Promise<DnsServer> {
  const zones = new Map<string, Map<string, ZoneRecord[]>>([[GLOBAL, new Map()]]);
  const truncating = new Set<string>();
  const log = new Map<string, string[]>();
  const closers: (() => Promise<void>)[] = [];
  const ports: DnsServerPort[] = [];

  const find = (address: string, name: string, type: string): ZoneRecord[] | undefined =>
    zones.get(address)?.get(key(name, type)) ?? zones.get(GLOBAL)!.get(key(name, type));
  const nameExists = (address: string, name: string) =>
    [address, GLOBAL].some((z) => [...(zones.get(z)?.keys() ?? [])].some((k) => k.startsWith(name.toLowerCase() + '|')));

  const answer = (address: string, req: dnsPacket.DecodedPacket, udp: boolean): Buffer => {
    const q = req.questions?.[0];
    const answers: dnsPacket.Answer[] = [];
    let rcode = 0;
    if (q) {
      log.get(address)!.push(`${q.name} ${q.type} ${udp ? 'udp' : 'tcp'}`);
      let name = q.name;
      // Follow CNAMEs inside this server, as a recursive resolver would.
      for (let hop = 0; hop < 8; hop++) {
        const direct = find(address, name, q.type);
        if (direct?.length) {
          answers.push(...direct.map((r) => toAnswer(name, r)));
          break;
        }
        const cname = q.type === 'CNAME' ? undefined : find(address, name, 'CNAME')?.[0];
        if (!cname || cname.type !== 'CNAME') break;
        answers.push(toAnswer(name, cname));
        name = cname.value;
      }
      if (!answers.length && !nameExists(address, q.name)) rcode = 3; // NXDOMAIN
    }
    const truncated = udp && truncating.has(address);
    return dnsPacket.encode({
      type: 'response',
      id: req.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) | ((req.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: req.questions,
      answers: truncated ? [] : answers,
    });
  };

  for (let i = 0; i < count; i++) {
    const { udp, tcp, port } = await bindBoth();
    const address = `127.0.0.1:${port}`;
    ports.push({ port, address });
    log.set(address, []);
    udp.on('message', (msg, rinfo) => {
      let req: dnsPacket.DecodedPacket;
      try {
        req = dnsPacket.decode(msg);
      } catch {
        return;
      }
      udp.send(answer(address, req, true), rinfo.port, rinfo.address);
    });
    tcp.on('connection', (sock) => {
      let buf = Buffer.alloc(0);
      sock.on('error', () => {});
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          let req: dnsPacket.DecodedPacket;
          try {
            req = dnsPacket.decode(buf.subarray(2, 2 + len));
          } catch {
            sock.destroy(); // not DNS: drop the connection
            return;
          }
          buf = buf.subarray(2 + len);
          const res = answer(address, req, false);
          const framed = Buffer.alloc(2 + res.length);
          framed.writeUInt16BE(res.length, 0);
          res.copy(framed, 2);
          sock.write(framed);
        }
      });
    });
    closers.push(
      () => new Promise<void>((r) => udp.close(() => r())),
      () => new Promise<void>((r) => tcp.close(() => r())),
    );
  }

  return {
    ports,
    log,
    set(name, type, records, onlyOn) {
      for (const z of onlyOn ?? [GLOBAL]) {
        if (!zones.has(z)) zones.set(z, new Map());
        zones.get(z)!.set(key(name, type), records.map((r) => ({ ...r, type }) as ZoneRecord));
      }
    },
    load(records) {
      const zone = new Map<string, ZoneRecord[]>();
      for (const { name, ...r } of records) zone.set(key(name, r.type), [...(zone.get(key(name, r.type)) ?? []), r as ZoneRecord]);
      zones.set(GLOBAL, zone);
    },
    remove(name, type, onlyOn) {
      for (const z of onlyOn ?? [GLOBAL]) zones.get(z)?.delete(key(name, type));
    },
    truncateUdp(address, on) {
      if (on) truncating.add(address);
      else truncating.delete(address);
    },
    async stop() {
      await Promise.all(closers.map((c) => c()));
    },
  };
}

function toAnswer(name: string, r: ZoneRecord): dnsPacket.Answer {
  const ttl = r.ttl ?? 300;
  switch (r.type) {
    case 'MX':
      return { name, type: 'MX', ttl, data: { exchange: r.exchange, preference: r.priority } };
    case 'TXT': {
      // Character-strings are at most 255 bytes: split long values as real zones do.
      const bytes = Buffer.from(r.text, 'utf8');
      const parts: Buffer[] = [];
      for (let o = 0; o < bytes.length || o === 0; o += 255) parts.push(bytes.subarray(o, o + 255));
      return { name, type: 'TXT', ttl, data: parts };
    }
    case 'SRV':
      return { name, type: 'SRV', ttl, data: { priority: r.priority ?? 0, weight: r.weight ?? 0, port: r.port, target: r.target } };
    default:
      return { name, type: r.type, ttl, data: r.value } as dnsPacket.Answer;
  }
}

/** A UDP socket and a TCP listener on the same free loopback port. */
async function bindBoth(): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    udp.close();
  }
  throw new SandboxError('no free loopback port for the DNS server');
}
