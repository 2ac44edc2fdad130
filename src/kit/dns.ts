import { isIP } from 'node:net';
import { escapeMd } from './text.js';
import { isIpLiteral, type KitSettings } from './settings.js';

// The DNS records that let mail clients find the settings: the autoconfig/autodiscover names
// (or Microsoft's autodiscover CNAME) and RFC 6186 / RFC 8314 SRV records. A target of "."
// tells clients a service is not offered. For the IT person, so in English.

export interface DnsRecord {
  name: string;
  type: 'CNAME' | 'A' | 'AAAA' | 'SRV';
  /** For SRV: "priority weight port target". */
  value: string;
  why: string;
}

const TTL = 3600;
const fqdn = (h: string) => (h.endsWith('.') ? h : `${h}.`);

export function dnsRecords(s: KitSettings): { records: DnsRecord[]; notes: string[] } {
  const d = s.domain;
  const records: DnsRecord[] = [];
  const notes: string[] = [];

  const pointAt = (name: string, host: string, why: string) => {
    if (isIpLiteral(host)) records.push({ name, type: isIP(host) === 6 ? 'AAAA' : 'A', value: host, why });
    else records.push({ name, type: 'CNAME', value: fqdn(host), why });
  };

  if (s.autodiscoverCname) {
    records.push({ name: `autodiscover.${d}.`, type: 'CNAME', value: fqdn(s.autodiscoverCname), why: `Outlook finds ${s.destinationPreset.name} itself (sign-in through the provider)` });
  }
  if (!s.oauth) {
    pointAt(`autoconfig.${d}.`, s.webHost, 'Thunderbird fetches https://autoconfig.<domain>/mail/config-v1.1.xml');
    pointAt(`autodiscover.${d}.`, s.webHost, 'Outlook POSTs to https://autodiscover.<domain>/autodiscover/autodiscover.xml');
    records.push({ name: `_autodiscover._tcp.${d}.`, type: 'SRV', value: `0 0 443 autodiscover.${d}.`, why: 'Outlook\'s last-resort Autodiscover lookup' });
  } else {
    notes.push(`${s.destinationPreset.name} signs users in through its own page (OAuth): no autoconfig or Autodiscover file of ours is needed; clients recognise the provider by its host names and MX.`);
  }

  const srv = (service: string, port: number, host: string | undefined, why: string) => {
    if (host !== undefined && isIpLiteral(host)) {
      notes.push(`_${service}._tcp: an SRV target must be a host name, and ${host} is an address; give the server a name and publish "_${service}._tcp.${d}. SRV 0 1 ${port} <name>."`);
      return;
    }
    records.push({ name: `_${service}._tcp.${d}.`, type: 'SRV', value: host ? `0 1 ${port} ${fqdn(host)}` : '0 0 0 .', why });
  };
  const i = s.imap;
  if (i.tls === 'implicit') {
    srv('imaps', i.port, i.host, 'IMAP over TLS (RFC 6186)');
    srv('imap', 0, undefined, 'plain IMAP not offered');
  } else {
    srv('imaps', 0, undefined, 'IMAP over implicit TLS not offered');
    srv('imap', i.port, i.host, i.tls === 'starttls' ? 'IMAP with STARTTLS (RFC 6186)' : 'IMAP without TLS (not recommended)');
  }
  srv('pop3s', 0, undefined, 'POP3 not offered');
  srv('pop3', 0, undefined, 'POP3 not offered');
  const m = s.smtp;
  if (m.tls === 'implicit') {
    srv('submissions', m.port, m.host, 'mail submission over TLS (RFC 8314)');
    srv('submission', 0, undefined, 'STARTTLS submission not offered');
  } else {
    srv('submission', m.port, m.host, 'mail submission (RFC 6186)');
    srv('submissions', 0, undefined, 'implicit-TLS submission not offered');
  }
  if (i.tls === 'none') notes.push('The incoming server has no TLS: clients will warn, and Apple profiles still ask for SSL. Put TLS on it before staff use it.');
  return { records, notes };
}

export function dnsText(s: KitSettings): string {
  const { records, notes } = dnsRecords(s);
  const w = Math.max(...records.map((r) => r.name.length)) + 1;
  const out = [`; DNS records to publish for ${s.domain} (mailshift kit, job ${s.job})`, '; Paste into the zone, or enter one by one at the DNS provider.', ''];
  for (const r of records) out.push(`${r.name.padEnd(w)} ${TTL} IN ${r.type.padEnd(5)} ${r.value}    ; ${r.why}`);
  if (notes.length) out.push('', ...notes.map((n) => `; NOTE: ${n}`));
  return out.join('\n') + '\n';
}

export function dnsMarkdown(s: KitSettings): string {
  const { records, notes } = dnsRecords(s);
  const out = [`# DNS records for ${escapeMd(s.domain)}`, ''];
  out.push('Publish these so that mail programs find the new settings by themselves. `dns-records.txt` has the same records in zone-file form.', '');
  out.push('| Name | Type | Value | Why |', '| --- | --- | --- | --- |');
  for (const r of records) out.push(`| \`${r.name}\` | ${r.type} | \`${r.value}\` | ${escapeMd(r.why)} |`);
  out.push('');
  if (!s.oauth) {
    out.push('## Serving the files', '');
    out.push(`- \`autoconfig/config-v1.1.xml\` at \`https://autoconfig.${s.domain}/mail/config-v1.1.xml\` (also \`https://${s.domain}/.well-known/autoconfig/mail/config-v1.1.xml\`), content type \`text/xml\`.`);
    out.push(`- \`autodiscover/autodiscover.xml\` at \`https://autodiscover.${s.domain}/autodiscover/autodiscover.xml\`: Outlook sends a POST, so the web server must answer POST (and GET) with this file, content type \`text/xml\`.`);
    out.push('- Both names need a valid HTTPS certificate.');
    out.push('- `mobileconfig/<address>.mobileconfig`: send each person their own profile (e-mail attachment or AirDrop); the guide explains how to install it.');
    out.push('');
  }
  if (notes.length) out.push('## Notes', '', ...notes.map((n) => `- ${escapeMd(n)}`), '');
  return out.join('\n');
}
