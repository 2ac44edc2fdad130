// Answers the wizard checks as they are typed: one line saying what is wrong, or true.

/** The config's own rule for `job` (src/config/schema.ts). */
export function jobName(v: string): true | string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v.trim()) || 'letters, digits, ".", "_" and "-" only, starting with a letter or digit (e.g. acme-2026)';
}

export function domainName(v: string): true | string {
  return /^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/i.test(v.trim()) || 'a domain name like acme.com.hk';
}

/** A bare host name or address: no scheme, port or path (those have their own questions). */
export function hostName(v: string): true | string {
  const t = v.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) return `a host name only, without "${t.split('//')[0]}//" (e.g. imap.example.com)`;
  if (/[/?#]/.test(t)) return 'a host name only, without a path (e.g. imap.example.com)';
  if (/:\d+$/.test(t) && !t.startsWith('[')) return 'a host name only; the port is asked next (e.g. imap.example.com)';
  return /^(\[[0-9a-f:]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/i.test(t) || 'a host name like imap.example.com or an IP address';
}

export function port(v: string): true | string {
  return (/^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535) || 'a port number from 1 to 65535 (IMAP: 993 with TLS, 143 with STARTTLS)';
}
