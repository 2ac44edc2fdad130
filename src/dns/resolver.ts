import { normHost, parseServer, query, type DnsAnswer, type DnsRecord, type DnsServer, type RecordType } from './client.js';
import { DnsError } from '../errors.js';

// Which servers to ask, and asking them: the domain's authoritative servers (fresh data, what
// the operator changed) and a set of public resolvers (what senders and staff see).

/** Public resolvers used by default, including ones mainland China and Hong Kong users use. */
export const PUBLIC_RESOLVERS = ['8.8.8.8', '1.1.1.1', '9.9.9.9', '223.5.5.5', '119.29.29.29', '114.114.114.114'];

export interface LookupResult {
  name: string;
  /** The final name after CNAMEs were followed. */
  canonical: string;
  cnames: string[];
  rcode: string;
  records: DnsRecord[];
  server: DnsServer;
}

export interface DnsSettings {
  resolvers: DnsServer[];
  authoritative: DnsServer[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export function parseServers(specs: string[]): DnsServer[] {
  return specs.map(parseServer);
}

/**
 * Asks `servers` in order until one gives a usable answer (NOERROR or NXDOMAIN), following
 * CNAMEs (at most 8) when the server did not include the target's records itself.
 */
export async function lookup(servers: DnsServer[], name: string, type: RecordType, opts: { timeoutMs?: number; signal?: AbortSignal; attempts?: number } = {}): Promise<LookupResult> {
  let lastErr: unknown = new Error('no DNS server configured');
  for (const server of servers) {
    try {
      return await lookupAt(server, name, type, opts);
    } catch (err) {
      lastErr = err;
      if (opts.signal?.aborted) break;
    }
  }
  throw lastErr;
}

export async function lookupAt(server: DnsServer, name: string, type: RecordType, opts: { timeoutMs?: number; signal?: AbortSignal; attempts?: number } = {}): Promise<LookupResult> {
  const cnames: string[] = [];
  let current = normHost(name);
  for (let hop = 0; hop < 8; hop++) {
    const ans: DnsAnswer = await query(server, current, type, opts);
    if (ans.rcode !== 'NOERROR' && ans.rcode !== 'NXDOMAIN') throw new DnsError(`${server.label}: ${ans.rcode} for ${current} ${type}`, server);
    // Walk the CNAME chain inside the answer, then take the records of the wanted type at its end.
    let target = current;
    for (;;) {
      const c = ans.answers.find((r) => r.name === target && r.type === 'CNAME');
      if (!c || type === 'CNAME' || c.type !== 'CNAME') break;
      cnames.push(c.value);
      target = c.value;
    }
    const records = ans.answers.filter((r) => r.type === type && (type === 'CNAME' ? r.name === current : r.name === target));
    if (records.length || target === current || ans.rcode === 'NXDOMAIN') {
      return { name: normHost(name), canonical: target, cnames, rcode: ans.rcode, records, server };
    }
    current = target; // the server gave the CNAME only: ask for the target
  }
  throw new DnsError(`${server.label}: CNAME chain too long for ${name}`, server);
}

export async function txtRecords(servers: DnsServer[], name: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ texts: string[]; result: LookupResult }> {
  const result = await lookup(servers, name, 'TXT', opts);
  return { texts: result.records.map((r) => (r.type === 'TXT' ? r.text : '')), result };
}

/**
 * The domain's authoritative servers: its NS records (walking up to the zone apex when the
 * domain itself has none), each resolved to its addresses through the resolvers.
 */
export async function findAuthoritative(domain: string, resolvers: DnsServer[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<DnsServer[]> {
  const labels = normHost(domain).split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const zone = labels.slice(i).join('.');
    const ns = await lookup(resolvers, zone, 'NS', opts);
    const names = ns.records.flatMap((r) => (r.type === 'NS' ? [r.value] : []));
    if (!names.length) continue;
    const servers: DnsServer[] = [];
    for (const n of names.sort()) {
      const a = await lookup(resolvers, n, 'A', opts).catch(() => undefined);
      for (const r of a?.records ?? []) if (r.type === 'A') servers.push({ host: r.value, port: 53, label: `${n} (${r.value})` });
    }
    if (servers.length) return servers;
  }
  throw new DnsError(`no NS records found for ${domain} or its parent zones`);
}
