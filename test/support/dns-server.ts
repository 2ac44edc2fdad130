// The loopback DNS server lives with the other sandbox servers (the demo uses it too).
export { startDnsServer, type DnsServer as TestDns, type DnsServerPort as TestDnsPort, type ZoneRecord as TestRecord, type ZoneRecordData as TestRecordData } from '../../src/sandbox/dns-server.js';
