import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadAccounts } from '../../config/accounts.js';
import { loadConfig } from '../../config/load.js';
import { PRESETS } from '../../config/presets.js';
import { InputError } from '../../errors.js';
import { closeImap, connectImap } from '../../imap/connect.js';
import type { GlobalOptions } from '../job.js';
import { askConfirm, askSelect, askText, isInteractive } from '../prompts.js';

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
const presetChoices = Object.values(PRESETS).map((p) => ({ value: p.id, name: `${p.name} (${p.id})` }));

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
      const answers = isInteractive() ? await ask(o) : fromFlags(o);
      const doc = {
        job: answers.job,
        domain: answers.domain,
        source: server(answers.sourcePreset, answers.sourceHost),
        destination: server(answers.destinationPreset, answers.destinationHost),
        accounts: o.accountsCsv ?? 'accounts.csv',
      };
      writeFileSync(configPath, stringify(doc));
      const csvPath = resolve(dirname(configPath), doc.accounts);
      const lines = [`wrote ${relative(process.cwd(), configPath) || configPath}`];
      if (!existsSync(csvPath)) {
        writeFileSync(csvPath, HEADER + '# one line per mailbox; a password cell may be env:NAME or cmd:COMMAND\n');
        lines.push(`wrote ${relative(process.cwd(), csvPath)} (add one line per mailbox)`);
      }
      // Loading what we wrote proves it is valid before the user builds on it.
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

function server(preset: string, host?: string) {
  return host ? { preset, host } : { preset };
}

function fromFlags(o: InitOptions) {
  const missing = (['job', 'domain', 'sourcePreset', 'destinationPreset'] as const).filter((k) => !o[k]);
  if (missing.length) {
    const flags = missing.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
    throw new InputError(`init needs a terminal to ask, or these flags: ${flags.join(' ')}`);
  }
  for (const [flag, id] of [['--source-preset', o.sourcePreset], ['--destination-preset', o.destinationPreset]] as const) {
    if (!PRESETS[id!]) throw new InputError(`${flag} "${id}" is unknown (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  return { job: o.job!, domain: o.domain!, sourcePreset: o.sourcePreset!, sourceHost: o.sourceHost, destinationPreset: o.destinationPreset!, destinationHost: o.destinationHost };
}

async function ask(o: InitOptions) {
  const domain = o.domain ?? (await askText('Mail domain being moved (e.g. acme.com.hk)', undefined, (v) => /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(v) || 'a domain name like acme.com.hk'));
  const job = o.job ?? (await askText('Job name', `${domain.split('.')[0]}-${new Date().getFullYear()}`));
  const sourcePreset = o.sourcePreset ?? (await askSelect('Where is the mail now?', presetChoices, 'tencent-exmail'));
  const sourceHost = o.sourceHost ?? (PRESETS[sourcePreset]?.imap ? undefined : await askText('Source IMAP host'));
  const destinationPreset = o.destinationPreset ?? (await askSelect('Where is it going?', presetChoices, 'm365'));
  const destinationHost = o.destinationHost ?? (PRESETS[destinationPreset]?.imap ? undefined : await askText('Destination IMAP host'));
  return { job, domain, sourcePreset, sourceHost, destinationPreset, destinationHost };
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
