import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { InputError } from '../../errors.js';
import type { Secret } from '../../secret.js';

// `store: postgres://user@host[:port]/database[?sslmode=…&sslrootcert=…]` in the config. The
// password never sits in the URL (the URL is printed in messages and logs): it comes from
// `storePassword: env:NAME | cmd:COMMAND`, else PGPASSWORD, else ~/.pgpass (or PGPASSFILE).
// TLS: verified (certificate chain and host name) unless the URL says sslmode=disable, require
// (encrypted, not verified, as libpq) or verify-ca (chain only); a loopback host without an
// sslmode has no TLS, as a local server usually has no certificate.

export interface PgTarget {
  /** The URL as it may be shown: no password. */
  where: string;
  config: pg.PoolConfig;
}

const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/** The one line a command that still reads SQLite directly answers on a postgres:// store. */
export function notYetOnPostgres(where: string, command?: string): InputError {
  return new InputError(`${where}: ${command ? `\`mailshift ${command}\`` : 'this command'} does not run on a PostgreSQL store yet (keep a SQLite store for it)`);
}

export function isPostgresUrl(s: string | undefined): s is string {
  return s !== undefined && /^postgres(ql)?:\/\//i.test(s);
}

/** Parses and checks the URL; bad input is one line naming the setting (exit 2). */
export function parsePgTarget(url: string, opts: { password?: () => Secret | undefined; where?: string; env?: NodeJS.ProcessEnv } = {}): PgTarget {
  const setting = opts.where ?? 'store';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`${setting}: "${redact(url)}" is not a valid postgres:// URL (postgres://user@host:5432/database)`);
  }
  if (u.password) throw new InputError(`${setting}: put the PostgreSQL password in storePassword (env:NAME or cmd:COMMAND), PGPASSWORD or ~/.pgpass, not in the URL`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw new InputError(`${setting}: the URL names no database (postgres://user@host/database)`);
  if (!u.hostname) throw new InputError(`${setting}: the URL names no host (postgres://user@host/database)`);
  const env = opts.env ?? process.env;
  const user = decodeURIComponent(u.username) || env.PGUSER || undefined;
  if (!user) throw new InputError(`${setting}: the URL names no user (postgres://user@host/database)`);
  const known = new Set(['sslmode', 'sslrootcert', 'application_name']);
  for (const k of u.searchParams.keys()) if (!known.has(k)) throw new InputError(`${setting}: unknown URL parameter "${k}" (known: ${[...known].join(', ')})`);
  const mode = u.searchParams.get('sslmode') ?? undefined;
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) throw new InputError(`${setting}: sslmode must be one of ${SSL_MODES.join(', ')}, not "${mode}"`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : 5432;
  const rootCert = u.searchParams.get('sslrootcert');
  let ca: string | undefined;
  if (rootCert) {
    try {
      ca = readFileSync(rootCert, 'utf8');
    } catch (err) {
      throw new InputError(`${setting}: cannot read sslrootcert ${rootCert} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  const effective = mode ?? (loopback ? 'disable' : 'verify-full');
  let ssl: false | ConnectionOptions;
  if (effective === 'disable') ssl = false;
  // Only when the URL itself says sslmode=require (libpq's meaning: encrypted, not verified).
  else if (effective === 'require') ssl = { rejectUnauthorized: false };
  else if (effective === 'verify-ca') ssl = { rejectUnauthorized: true, ca, checkServerIdentity: () => undefined };
  else ssl = { rejectUnauthorized: true, ca, servername: loopback ? undefined : host };
  const password = opts.password;
  const config: pg.PoolConfig = {
    host,
    port,
    database,
    user,
    ssl,
    application_name: u.searchParams.get('application_name') ?? 'mailshift',
    password: async () => password?.()?.reveal() || env.PGPASSWORD || (await fromPgpass({ host, port, database, user }, env)) || '',
  };
  const q = mode ? `?sslmode=${mode}` : '';
  return { where: `postgres://${encodeURIComponent(user)}@${u.host}/${encodeURIComponent(database)}${q}`, config };
}

/** The ~/.pgpass line for this server, as libpq reads it (PGPASSFILE overrides the path). */
async function fromPgpass(conn: { host: string; port: number; database: string; user: string }, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const pgpass = createRequire(import.meta.url)('pgpass') as (c: object, cb: (pass?: string) => void) => void;
  const saved = process.env.PGPASSFILE;
  if (env.PGPASSFILE) process.env.PGPASSFILE = env.PGPASSFILE;
  try {
    return await new Promise((resolve) => pgpass(conn, resolve));
  } finally {
    if (saved === undefined) delete process.env.PGPASSFILE;
    else process.env.PGPASSFILE = saved;
  }
}

function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
