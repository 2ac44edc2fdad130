import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { IncompleteError, InputError } from '../../errors.js';
import { resolvePasswordCell } from '../../config/accounts.js';
import { Store } from '../../store/store.js';
import { isPostgresUrl, parsePgTarget } from '../../store/postgres/target.js';
import { say, type GlobalOptions } from '../job.js';

// `mailshift store check|backup|migrate`: look after the job store itself. check and backup open
// it without the job lock, so they can run beside a sync; none contacts a mail server.
export function registerStore(program: Command): void {
  const store = program.command('store').description('check, back up or migrate the job store (SQLite; PostgreSQL for check and migrate)');

  store
    .command('check')
    .description("run SQLite's integrity check and the schema check on the job store (a postgres:// store: its schema record)")
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const config = loadConfig(opts.config);
      if (config.postgresStore) {
        const { PgStore } = await import('../../store/postgres/store.js');
        const pg = await PgStore.open(config.postgresStore.config, config.postgresStore.where);
        let problems: string[];
        try {
          problems = await pg.check();
        } finally {
          await pg.close();
        }
        report(opts, pg.path, problems, 'schema');
        return;
      }
      const s = openExisting(opts);
      try {
        report(opts, s.path, s.check(), 'integrity and schema');
      } finally {
        s.close();
      }
    });

  store
    .command('backup')
    .description('write a consistent copy of the job store (online: safe while a sync runs)')
    .argument('<file>', 'the backup file to write (must not exist)')
    .action(async (file: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const to = resolve(file);
      if (existsSync(to)) throw new InputError(`${to} already exists; name a new file for the backup`);
      const s = openExisting(opts);
      try {
        await s.backup(to);
      } finally {
        s.close();
      }
      if (opts.json) process.stdout.write(JSON.stringify({ store: s.path, backup: to }) + '\n');
      else say(opts, `backup written: ${to}`);
    });

  store
    .command('migrate')
    .description("copy a job's whole SQLite store into an empty PostgreSQL database, checked by per-table counts and a digest")
    .requiredOption('--from <file>', 'the SQLite job store (e.g. acme.mailshift.db); its job must not be running')
    .requiredOption('--to <url>', 'postgres://user@host[:port]/database (an empty database; TLS verified unless ?sslmode= says otherwise)')
    .option('--password <value>', 'the PostgreSQL password as env:NAME or cmd:COMMAND (else PGPASSWORD or ~/.pgpass)')
    .action(async (o: { from: string; to: string; password?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const from = resolve(o.from);
      if (!isPostgresUrl(o.to)) throw new InputError(`--to: expected a postgres:// URL, not "${o.to}"`);
      if (o.password !== undefined && !/^(env|cmd):/.test(o.password)) throw new InputError('--password: give env:NAME or cmd:COMMAND (a password on the command line would be visible to every user of this machine)');
      const target = parsePgTarget(o.to, { where: '--to', password: () => (o.password ? resolvePasswordCell(o.password, '--password') : undefined) });
      if (!existsSync(from)) throw new InputError(`--from: no job store at ${from}`);
      const sqlite = Store.open(from);
      const { PgStore } = await import('../../store/postgres/store.js');
      const { copySqliteToPg } = await import('../../store/postgres/from-sqlite.js');
      try {
        // Both job locks: no sync writes to the SQLite store meanwhile, nobody uses the new one yet.
        sqlite.acquireLock('mailshift store migrate');
        const pg = await PgStore.open(target.config, target.where);
        try {
          await pg.acquireLock('mailshift store migrate');
          const r = await copySqliteToPg(sqlite, pg);
          if (opts.json) process.stdout.write(JSON.stringify({ from, to: pg.path, rows: r.rows, digest: r.digest, tables: r.tables }, null, 2) + '\n');
          else {
            say(opts, `copied ${r.rows} rows in ${r.tables.length} tables from ${from} to ${pg.path}; counts and digests match (sha256 ${r.digest})`);
            say(opts, `the SQLite store is unchanged; the phases do not run on a PostgreSQL store yet, so keep using ${from} for now`);
          }
        } finally {
          await pg.close();
        }
      } finally {
        sqlite.close();
      }
    });
}

function report(opts: GlobalOptions, where: string, problems: string[], what: string): void {
  if (opts.json) process.stdout.write(JSON.stringify({ store: where, ok: problems.length === 0, problems }, null, 2) + '\n');
  else say(opts, problems.length ? `${where}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}` : `${where}: ok (${what})`);
  if (problems.length) throw new IncompleteError(`the store has problems: restore it from a backup, or move it away to start a new job`);
}

function openExisting(opts: GlobalOptions): Store {
  const config = loadConfig(opts.config);
  if (!existsSync(config.storePath)) throw new InputError(`no job store at ${config.storePath} yet: nothing to check (run \`mailshift assess\` or \`sync\` first)`);
  // A normal open: an older store is migrated first, so the check compares like with like.
  return Store.open(config.storePath);
}
