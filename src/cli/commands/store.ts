import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { IncompleteError, InputError } from '../../errors.js';
import { Store } from '../../store/store.js';
import { say, type GlobalOptions } from '../job.js';

// `mailshift store check|backup`: look after the job store itself. Both open it without the job
// lock, so they can run beside a sync; neither contacts a mail server.
export function registerStore(program: Command): void {
  const store = program.command('store').description('check or back up the job store (SQLite)');

  store
    .command('check')
    .description("run SQLite's integrity check and the schema check on the job store")
    .action((_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const s = openExisting(opts);
      try {
        const problems = s.check();
        if (opts.json) process.stdout.write(JSON.stringify({ store: s.path, ok: problems.length === 0, problems }, null, 2) + '\n');
        else say(opts, problems.length ? `${s.path}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}` : `${s.path}: ok (integrity and schema)`);
        if (problems.length) throw new IncompleteError(`the store has problems: restore it from a backup, or move it away to start a new job`);
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
}

function openExisting(opts: GlobalOptions): Store {
  const config = loadConfig(opts.config);
  if (!existsSync(config.storePath)) throw new InputError(`no job store at ${config.storePath} yet: nothing to check (run \`mailshift assess\` or \`sync\` first)`);
  // A normal open: an older store is migrated first, so the check compares like with like.
  return Store.open(config.storePath);
}
