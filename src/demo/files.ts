import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface SandboxEndpoint {
  host: string;
  port: number;
}

export interface JobFilesInput {
  dir: string;
  job: string;
  domain: string;
  company?: string;
  source: SandboxEndpoint;
  destination: SandboxEndpoint;
  /** The same user name and password on both sandbox servers. */
  accounts: { user: string; password: string }[];
  /** Extra top-level config sections (e.g. kit, cutover). */
  extra?: Record<string, unknown>;
}

/**
 * Writes mailshift.yaml and accounts.csv for a job between two local sandbox servers (plain IMAP on
 * loopback, so allowInsecure is set on purpose). Returns the config path.
 */
export function writeJobFiles(input: JobFilesInput): { configPath: string; accountsPath: string } {
  mkdirSync(input.dir, { recursive: true });
  const server = (s: SandboxEndpoint) => ({ preset: 'dovecot', host: s.host, port: s.port, tls: 'none', allowInsecure: true, maxConnections: 4 });
  const doc = {
    job: input.job,
    domain: input.domain,
    ...(input.company ? { company: input.company } : {}),
    source: server(input.source),
    destination: server(input.destination),
    accounts: 'accounts.csv',
    ...input.extra,
  };
  const configPath = join(input.dir, 'mailshift.yaml');
  const accountsPath = join(input.dir, 'accounts.csv');
  writeFileSync(
    configPath,
    '# Written by mailshift demo: two local sandbox Dovecot servers (plain IMAP on 127.0.0.1 only).\n' + stringify(doc),
  );
  const csv = ['source_user,source_password,destination_user,destination_password', ...input.accounts.map((a) => [a.user, a.password, a.user, a.password].join(','))];
  // Sandbox passwords, generated for the demo; a real job would use env: or cmd: cells.
  writeFileSync(accountsPath, csv.join('\n') + '\n', { mode: 0o600 });
  return { configPath, accountsPath };
}
