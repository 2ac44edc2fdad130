import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

// A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on one port) serving the demo
// company's zone, so the demo's assess and cutover steps query real DNS without leaving the machine.

export type DemoRecord =
  | { name: string; type: 'MX'; priority: number; exchange: string; ttl?: number }
  | { name: string; type: 'TXT'; text: string; ttl?: number }
  | { name: string; type: 'SRV'; port: number; target: string; ttl?: number }
  | { name: string; type: 'A' | 'CNAME' | 'NS'; value: string; ttl?: number };

export interface DemoDns {
  /** "127.0.0.1:PORT", as cutover.dns takes it. */
  address: string;
  /** Replaces the zone (the demo's stand-in for editing records at the DNS host). */
  setRecords(records: DemoRecord[]): void;
  stop(): Promise<void>;
}

/** The new MX of the demo job (cutover.mx of its config). */
export const DEMO_NEW_MX = (domain: string) => `mail.${domain}`;

/**
 * The demo company's DNS before the switch (mail still goes to the old provider), or after the
 * operator changed MX and SPF for the switch (`switched`).
 */
export function demoZone(domain: string, switched = false): DemoRecord[] {
  return [
    { name: domain, type: 'NS', value: `ns1.${domain}` },
    { name: `ns1.${domain}`, type: 'A', value: '127.0.0.1' },
    switched
      ? { name: domain, type: 'MX', priority: 10, exchange: DEMO_NEW_MX(domain), ttl: 300 }
      : { name: domain, type: 'MX', priority: 10, exchange: 'mx.old-provider.test', ttl: 3600 },
    { name: domain, type: 'TXT', text: `v=spf1 include:spf.old-provider.test${switched ? ` a:${DEMO_NEW_MX(domain)}` : ''} ~all`, ttl: 3600 },
    { name: `_dmarc.${domain}`, type: 'TXT', text: `v=DMARC1; p=none; rua=mailto:dmarc@${domain}` },
    // The old provider's SPF include resolves (a dangling include is a permanent SPF error, and
    // the cutover gate refuses to confirm on it).
    { name: 'spf.old-provider.test', type: 'TXT', text: 'v=spf1 ip4:192.0.2.0/24 -all' },
    { name: `mail.${domain}`, type: 'A', value: '127.0.0.1' },
    { name: `autoconfig.${domain}`, type: 'CNAME', value: `mail.${domain}` },
    { name: `_imaps._tcp.${domain}`, type: 'SRV', port: 993, target: `mail.${domain}` },
    { name: `_submission._tcp.${domain}`, type: 'SRV', port: 587, target: `mail.${domain}` },
  ];
}

export async function startDemoDns(records: DemoRecord[]): Promise<DemoDns> {
  const key = (name: string, type: string) => `${name.toLowerCase().replace(/\.$/, '')}|${type}`;
  const zone = new Map<string, DemoRecord[]>();
  const names = new Set<string>();
  const load = (rs: DemoRecord[]) => {
    zone.clear();
    names.clear();
    for (const r of rs) {
      zone.set(key(r.name, r.type), [...(zone.get(key(r.name, r.type)) ?? []), r]);
      names.add(r.name.toLowerCase());
    }
  };
  load(records);

  const answer = (req: dnsPacket.DecodedPacket): Buffer => {
    const q = req.questions?.[0];
    const answers: dnsPacket.Answer[] = [];
    let rcode = 0;
    if (q) {
      let name = q.name;
      for (let hop = 0; hop < 4; hop++) {
        const direct = zone.get(key(name, q.type));
        if (direct) {
          answers.push(...direct.map((r) => toAnswer(name, r)));
          break;
        }
        const cname = q.type === 'CNAME' ? undefined : zone.get(key(name, 'CNAME'))?.[0];
        if (!cname || cname.type !== 'CNAME') break;
        answers.push(toAnswer(name, cname));
        name = cname.value;
      }
      if (!answers.length && !names.has(q.name.toLowerCase().replace(/\.$/, ''))) rcode = 3; // NXDOMAIN
    }
    return dnsPacket.encode({
      type: 'response',
      id: req.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((req.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: req.questions,
      answers,
    });
  };

  const { udp, tcp, port } = await bindBoth();
  udp.on('message', (msg, rinfo) => {
    try {
      udp.send(answer(dnsPacket.decode(msg)), rinfo.port, rinfo.address);
    } catch {
      // not a DNS question: ignore
    }
  });
  tcp.on('connection', (sock) => {
    let buf = Buffer.alloc(0);
    sock.on('error', () => undefined);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        let res: Buffer;
        try {
          res = answer(dnsPacket.decode(buf.subarray(2, 2 + len)));
        } catch {
          sock.destroy();
          return;
        }
        buf = buf.subarray(2 + len);
        const framed = Buffer.alloc(2 + res.length);
        framed.writeUInt16BE(res.length, 0);
        res.copy(framed, 2);
        sock.write(framed);
      }
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    setRecords: load,
    stop: async () => {
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

function toAnswer(name: string, r: DemoRecord): dnsPacket.Answer {
  const ttl = r.ttl ?? 300;
  switch (r.type) {
    case 'MX':
      return { name, type: 'MX', ttl, data: { exchange: r.exchange, preference: r.priority } };
    case 'TXT':
      return { name, type: 'TXT', ttl, data: [Buffer.from(r.text)] };
    case 'SRV':
      return { name, type: 'SRV', ttl, data: { priority: 0, weight: 1, port: r.port, target: r.target } };
    default:
      return { name, type: r.type, ttl, data: r.value } as dnsPacket.Answer;
  }
}

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
  throw new Error('no free loopback port for the demo DNS server');
}
