import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServer, query } from '../../src/dns/client.js';
import { findAuthoritative, lookup, lookupAt } from '../../src/dns/resolver.js';
import { startDnsServer, type TestDns } from '../support/dns-server.js';

// The DNS client against a real DNS server on loopback (UDP and TCP).

let dns: TestDns;
beforeAll(async () => {
  dns = await startDnsServer(2);
});
afterAll(async () => {
  await dns.stop();
});

describe('DNS client', () => {
  it('returns MX records with their TTL from the given server and port', async () => {
    dns.set('acme.test', 'MX', [
      { exchange: 'mx2.acme.test', priority: 20, ttl: 86400 },
      { exchange: 'MX1.acme.test.', priority: 10, ttl: 86400 },
    ]);
    const a = await query(parseServer(dns.ports[0]!.address), 'acme.test', 'MX');
    expect(a.rcode).toBe('NOERROR');
    expect(a.authoritative).toBe(true);
    expect(a.answers.map((r) => (r.type === 'MX' ? [r.priority, r.exchange, r.ttl] : null))).toEqual([
      [20, 'mx2.acme.test', 86400],
      [10, 'mx1.acme.test', 86400],
    ]);
  });

  it('joins TXT character-strings and falls back to TCP when the UDP answer is truncated', async () => {
    const long = 'v=DKIM1; k=rsa; p=' + 'A'.repeat(600);
    dns.set('big._domainkey.acme.test', 'TXT', [{ text: long, ttl: 60 }]);
    const server = dns.ports[1]!.address;
    dns.truncateUdp(server, true);
    try {
      const a = await query(parseServer(server), 'big._domainkey.acme.test', 'TXT');
      expect(a.truncatedRetriedOverTcp).toBe(true);
      expect(a.answers).toEqual([{ name: 'big._domainkey.acme.test', type: 'TXT', ttl: 60, text: long }]);
      expect(dns.log.get(server)!.slice(-2)).toEqual(['big._domainkey.acme.test TXT udp', 'big._domainkey.acme.test TXT tcp']);
    } finally {
      dns.truncateUdp(server, false);
    }
  });

  it('follows CNAMEs and reports NXDOMAIN', async () => {
    dns.set('autodiscover.acme.test', 'CNAME', [{ value: 'autodiscover.provider.test' }]);
    dns.set('autodiscover.provider.test', 'A', [{ value: '192.0.2.7' }]);
    const r = await lookup([parseServer(dns.ports[0]!.address)], 'autodiscover.acme.test', 'A');
    expect(r.cnames).toEqual(['autodiscover.provider.test']);
    expect(r.records.map((x) => (x.type === 'A' ? x.value : ''))).toEqual(['192.0.2.7']);
    const c = await lookupAt(parseServer(dns.ports[0]!.address), 'autodiscover.acme.test', 'CNAME');
    expect(c.records.map((x) => (x.type === 'CNAME' ? x.value : ''))).toEqual(['autodiscover.provider.test']);
    const nx = await lookupAt(parseServer(dns.ports[0]!.address), 'nothing.acme.test', 'MX');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.records).toEqual([]);
  });

  it('answers differ per port when one server is overridden', async () => {
    dns.set('acme.test', 'MX', [{ exchange: 'old.acme.test', priority: 10 }]);
    dns.set('acme.test', 'MX', [{ exchange: 'new.acme.test', priority: 0 }], [dns.ports[1]!.address]);
    const [a, b] = await Promise.all(dns.ports.map((p) => query(parseServer(p.address), 'acme.test', 'MX')));
    expect(a!.answers[0]).toMatchObject({ exchange: 'old.acme.test' });
    expect(b!.answers[0]).toMatchObject({ exchange: 'new.acme.test' });
    dns.remove('acme.test', 'MX', [dns.ports[1]!.address]);
  });

  it('gives up with a clear error when nothing answers', async () => {
    const dead = await startDnsServer(1);
    const addr = dead.ports[0]!.address;
    await dead.stop();
    await expect(query(parseServer(addr), 'acme.test', 'MX', { timeoutMs: 200, attempts: 1 })).rejects.toThrow(`${addr}: no answer for acme.test MX`);
  });

  it('finds the authoritative servers from NS records, walking up to the zone apex', async () => {
    dns.set('acme.test', 'NS', [{ value: 'ns2.dnshost.test' }, { value: 'ns1.dnshost.test' }]);
    dns.set('ns1.dnshost.test', 'A', [{ value: '192.0.2.53' }]);
    dns.set('ns2.dnshost.test', 'A', [{ value: '198.51.100.53' }]);
    const servers = await findAuthoritative('mail.acme.test', [parseServer(dns.ports[0]!.address)]);
    expect(servers).toEqual([
      { host: '192.0.2.53', port: 53, label: 'ns1.dnshost.test (192.0.2.53)' },
      { host: '198.51.100.53', port: 53, label: 'ns2.dnshost.test (198.51.100.53)' },
    ]);
  });

  it('parses host[:port] forms', () => {
    expect(parseServer('8.8.8.8')).toMatchObject({ host: '8.8.8.8', port: 53 });
    expect(parseServer('127.0.0.1:5300')).toMatchObject({ host: '127.0.0.1', port: 5300 });
    expect(parseServer('[::1]:5353')).toMatchObject({ host: '::1', port: 5353 });
    expect(parseServer('2001:db8::1')).toMatchObject({ host: '2001:db8::1', port: 53 });
    expect(() => parseServer('host:0')).toThrow();
  });
});
