import { startDnsServer, type ZoneRecord } from '../sandbox/dns-server.js';

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
  const dns = await startDnsServer(1);
  const load = (rs: DemoRecord[]) => dns.load(rs.map(toRecord));
  load(records);
  return { address: dns.ports[0]!.address, setRecords: load, stop: () => dns.stop() };
}

/** The demo's record as the sandbox server takes it (SRV with priority 0, weight 1). */
function toRecord(r: DemoRecord): ZoneRecord & { name: string } {
  return r.type === 'SRV' ? { ...r, priority: 0, weight: 1 } : r;
}
