import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { InputError } from '../errors.js';

/**
 * Trust settings shared by every TLS client mailshift opens (IMAP, SMTP alerts and canaries,
 * DAV): the company's own CA from a caFile on top of the system CAs, TLS 1.2 at least, and a
 * once-per-run warning wherever allowInsecure turns verification (or TLS itself) off.
 */

const warned = new Set<string>();

/** Says once per process (one run) per server that allowInsecure is in use there. */
export function warnInsecureOnce(what: string, host: string, port: number, tls: string, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): void {
  // Clear text that never leaves this machine (a local server, the sandbox) exposes nothing.
  if (tls === 'none' && isLoopback(host)) return;
  const key = `${what} ${host}:${port}`;
  if (warned.has(key)) return;
  warned.add(key);
  write(
    `mailshift: warning: ${what} ${host}:${port} has allowInsecure: true: ${tls === 'none' ? 'no TLS, passwords travel in clear text' : 'its certificate and host name are not verified'} (use it only for a server you trust on a network you trust)`,
  );
}

/** Reads a caFile named in the config (relative to it): PEM text, or exit 2 naming the setting. */
export function readCa(configDir: string, caFile: string, setting: string): string {
  const path = resolve(configDir, caFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${setting} ${caFile}: file not found or not readable`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new InputError(`${setting} ${caFile}: not a PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  return text;
}

/** Node TLS options: verified unless allowInsecure, the extra CA added to the system's. */
export function tlsTrust(opts: { allowInsecure: boolean; ca?: string }): { rejectUnauthorized: boolean; minVersion: 'TLSv1.2'; ca?: string[] } {
  return { rejectUnauthorized: !opts.allowInsecure, minVersion: 'TLSv1.2', ...(opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}) };
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}
