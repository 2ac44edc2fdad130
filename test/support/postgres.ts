/**
 * Test harness: a real PostgreSQL cluster (Debian's `postgresql` package), unprivileged, in a
 * temp dir, on an ephemeral loopback port. One cluster per test file, one database per test:
 *
 *   const pg = usePostgres();                       // at file/describe level
 *   it('…', async () => { const url = await pg.createDatabase(); … });
 *
 * initdb refuses to run as root: as root (CI), the cluster runs as the `postgres` system user
 * (created by the package) through runuser; otherwise as the current user. Trust authentication
 * on loopback only, except the role `secret_user` whose password the tests pass explicitly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface PgCluster {
  port: number;
  /** postgres://mailshift@127.0.0.1:PORT/<db> */
  url(db: string): string;
  /** A fresh, empty database; returns its URL (sslmode=disable: a loopback test server has no certificate). */
  createDatabase(): Promise<string>;
  /** Runs SQL as the cluster's superuser in one database. */
  admin(db: string, sql: string): Promise<void>;
  stop(): void;
}

/** The newest installed server binaries, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const v = readdirSync(root).filter((d) => existsSync(join(root, d, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))[0];
  return v ? join(root, v, 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PgCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const full = asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args;
    const r = spawnSync(asRoot ? 'runuser' : join(bin, cmd), full, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'unused\n', { mode: 0o644 });
  if (asRoot) chownSync(pwfile, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  run('initdb', ['-D', data, '-U', 'mailshift', '--auth-local=trust', '--auth-host=trust', '-E', 'UTF8', '--no-locale', '--no-sync', `--pwfile=${pwfile}`]);
  // The password-checked role first, then trust for everything else on loopback.
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all secret_user 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n');
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`]);
      break;
    } catch (err) {
      if (attempt >= 2) throw err;
    }
  }
  // A worker that exits without its afterAll (a crash, a timeout) still stops its cluster.
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', () => {
    try {
      stopNow();
    } catch {
      // Already gone.
    }
  });
  const url = (db: string) => `postgres://mailshift@127.0.0.1:${port}/${db}?sslmode=disable`;
  let n = 0;
  const admin = async (db: string, sql: string) => {
    const c = new pg.Client({ connectionString: url(db) });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    port,
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++n}`;
      await admin('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    admin,
    stop: stopNow,
  };
}

/** File/describe-level helper: one cluster, started in beforeAll and stopped in afterAll. */
export function usePostgres(): PgCluster {
  let cluster: PgCluster | undefined;
  const need = () => {
    if (!cluster) throw new Error('usePostgres(): the cluster is not started yet (use it inside tests or later hooks)');
    return cluster;
  };
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(() => cluster?.stop());
  return {
    get port() {
      return need().port;
    },
    url: (db) => need().url(db),
    createDatabase: () => need().createDatabase(),
    admin: (db, sql) => need().admin(db, sql),
    stop: () => need().stop(),
  };
}
