import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadAccounts } from '../../config/accounts.js';
import { loadConfig } from '../../config/load.js';
import { PRESETS } from '../../config/presets.js';
import { InputError } from '../../errors.js';
import { closeImap, connectImap } from '../../imap/connect.js';
import type { GlobalOptions } from '../job.js';
import { askConfirm, isInteractive } from '../prompts.js';
import { runWizard, type WizardAnswers } from '../wizard/index.js';
import { hostName, jobName } from '../wizard/validate.js';

interface InitOptions {
  job?: string;
  domain?: string;
  sourcePreset?: string;
  sourceHost?: string;
  destinationPreset?: string;
  destinationHost?: string;
  accountsCsv?: string;
  force?: boolean;
  test?: boolean;
}

const HEADER = 'source_user,source_password,destination_user,destination_password\n';

// `mailshift init`: writes a config (and an accounts CSV template) from provider presets, asking
// on a terminal and taking flags otherwise; then optionally tests every account's login.
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create mailshift.yaml and an accounts CSV: provider presets, hosts, connection test')
    .option('--job <name>', 'job name (letters, digits, . _ -)')
    .option('--domain <domain>', 'the mail domain being moved, e.g. acme.com.hk')
    .option('--source-preset <id>', `source provider (${Object.keys(PRESETS).join(', ')})`)
    .option('--source-host <host>', 'source IMAP host (when the preset has none)')
    .option('--destination-preset <id>', 'destination provider')
    .option('--destination-host <host>', 'destination IMAP host (when the preset has none)')
    .option('--accounts-csv <file>', 'accounts CSV, relative to the config', 'accounts.csv')
    .option('--force', 'overwrite an existing config')
    .option('--test', 'log in to every account on both sides after writing the config')
    .action(async (o: InitOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & InitOptions>();
      const configPath = resolve(g.config);
      if (existsSync(configPath) && !o.force) throw new InputError(`${g.config} already exists; pass --force to overwrite it`);
      const answers = isInteractive() ? await runWizard(o, { say: (l) => process.stdout.write(l + '\n') }) : fromFlags(o);
      const doc = {
        job: answers.job,
        domain: answers.domain,
        ...(answers.company ? { company: answers.company } : {}),
        source: server(answers.sourcePreset, answers.sourceHost, answers.sourcePort),
        destination: server(answers.destinationPreset, answers.destinationHost, answers.destinationPort),
        accounts: o.accountsCsv ?? 'accounts.csv',
        ...answers.extra,
      };
      // Written beside the target and loaded first: an invalid config is never left behind.
      const tmp = `${configPath}.${process.pid}.tmp`;
      writeFileSync(tmp, '# Written by mailshift init. Passwords are never kept here: see the accounts CSV (env:/cmd: cells).\n' + stringify(doc));
      try {
        loadConfig(tmp);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      renameSync(tmp, configPath);
      const csvPath = resolve(dirname(configPath), doc.accounts);
      const lines = [`wrote ${relative(process.cwd(), configPath) || configPath}`];
      if (!existsSync(csvPath)) {
        writeFileSync(csvPath, HEADER + '# one line per mailbox; a password cell may be env:NAME or cmd:COMMAND\n');
        lines.push(`wrote ${relative(process.cwd(), csvPath)} (add one line per mailbox)`);
      }
      const config = loadConfig(configPath);
      const wantTest = o.test ?? (isInteractive() && existsSync(csvPath) && (await askConfirm('Test the logins now?', true)));
      const results = wantTest ? await testLogins(configPath) : [];
      if (g.json) {
        process.stdout.write(JSON.stringify({ config: configPath, accounts: csvPath, logins: results }, null, 2) + '\n');
      } else {
        lines.push(...results.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.side} ${r.user}${r.error ? `: ${r.error}` : ''}`));
        lines.push(`next: fill ${relative(process.cwd(), csvPath)}, then: mailshift assess --config ${relative(process.cwd(), config.configPath)}`);
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (results.some((r) => !r.ok)) throw new InputError('some logins failed (see above); fix them before assess');
    });
}

function server(preset: string, host?: string, port?: number) {
  return { preset, ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function fromFlags(o: InitOptions) {
  const missing = (['job', 'domain', 'sourcePreset', 'destinationPreset'] as const).filter((k) => !o[k]);
  if (missing.length) {
    const flags = missing.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
    throw new InputError(`init needs a terminal to ask, or these flags: ${flags.join(' ')}`);
  }
  const job = jobName(o.job!);
  if (job !== true) throw new InputError(`--job "${o.job}": ${job}`);
  for (const [flag, h] of [['--source-host', o.sourceHost], ['--destination-host', o.destinationHost]] as const) {
    const ok = h === undefined ? true : hostName(h);
    if (ok !== true) throw new InputError(`${flag} "${h}": ${ok}`);
  }
  for (const [flag, id] of [['--source-preset', o.sourcePreset], ['--destination-preset', o.destinationPreset]] as const) {
    if (!PRESETS[id!]) throw new InputError(`${flag} "${id}" is unknown (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  return { job: o.job!, domain: o.domain!, sourcePreset: o.sourcePreset!, sourceHost: o.sourceHost, destinationPreset: o.destinationPreset!, destinationHost: o.destinationHost, extra: {} } as WizardAnswers;
}

async function testLogins(configPath: string) {
  const config = loadConfig(configPath);
  const accounts = loadAccounts(config.accountsPath);
  const results: { side: string; user: string; ok: boolean; error?: string }[] = [];
  for (const a of accounts) {
    for (const [side, srv, user, pw] of [
      ['source', config.source, a.sourceUser, a.sourcePassword],
      ['destination', config.destination, a.destinationUser, a.destinationPassword],
    ] as const) {
      try {
        await closeImap(await connectImap(srv, user, pw, { side, connectionTimeoutMs: 15_000 }));
        results.push({ side, user, ok: true });
      } catch (err) {
        results.push({ side, user, ok: false, error: (err as Error).message });
      }
    }
  }
  return results;
}
