import type { ServerConfig } from '../config/types.js';

/** How a side signs in, in words for reports and status (never a secret). */
export function signInLabel(server: ServerConfig): string {
  const a = server.auth;
  if (!a || a.method === 'password') return 'password';
  if (a.method === 'master') return a.style === 'separator' ? `master user ${a.user} (login name mailbox${a.separator}${a.user})` : `master user ${a.user} (SASL PLAIN authorization identity)`;
  const how = { device: 'device sign-in', loopback: 'browser sign-in (loopback)', 'client-credentials': 'app-only (client credentials)', 'service-account': 'service account (domain-wide delegation)' }[a.flow];
  return `OAuth2, ${how}`;
}
