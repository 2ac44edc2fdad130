import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { JobCredentials } from '../../auth/provider.js';
import { accountsFor } from '../../config/accounts.js';
import { loadConfig } from '../../config/load.js';
import { PRESETS } from '../../config/presets.js';
import { InputError } from '../../errors.js';
import { closeImap, connectImap } from '../../imap/connect.js';
import type { GlobalOptions } from '../job.js';
import { askConfirm, askSelect, askText, isInteractive } from '../prompts.js';
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
  destinationSignIn?: string;
  clientId?: string;
}

const SIGN_INS = ['password', 'device', 'loopback', 'client-credentials', 'service-account'] as const;
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
    .option('--destination-sign-in <how>', `destination sign-in: ${SIGN_INS.join(', ')} (default: what the preset needs)`)
    .option('--client-id <id>', 'OAuth2 client (application) ID for the destination sign-in')
    .action(async (o: InitOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & InitOptions>();
      const configPath = resolve(g.config);
      if (existsSync(configPath) && !o.force) throw new InputError(`${g.config} already exists; pass --force to overwrite it`);
      const answers = isInteractive() ? await runWizard(o, { say: (l) => process.stdout.write(l + '\n') }) : fromFlags(o);
      const signIn = isInteractive() ? await askSignIn(o, answers.destinationPreset) : flagSignIn(o);
      const doc = {
        job: answers.job,
        domain: answers.domain,
        ...(answers.company ? { company: answers.company } : {}),
        source: server(answers.sourcePreset, answers.sourceHost, answers.sourcePort),
        destination: { ...server(answers.destinationPreset, answers.destinationHost, answers.destinationPort), ...signInBlock(answers.destinationPreset, signIn.signIn, signIn.clientId) },
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
        const cfgRel = relative(process.cwd(), config.configPath);
        if (config.destination.auth?.method === 'oauth2') lines.push(`sign-in: ${signInNote(signIn.signIn)}`);
        lines.push(
          config.destination.auth?.method === 'oauth2'
            ? `next: fill ${relative(process.cwd(), csvPath)}, then: mailshift auth login --config ${cfgRel}, then: mailshift assess --config ${cfgRel}`
            : `next: fill ${relative(process.cwd(), csvPath)}, then: mailshift assess --config ${cfgRel}`,
        );
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (results.some((r) => !r.ok)) throw new InputError('some logins failed (see above); fix them before assess');
      // The wizard ends with the sign-in itself when the accounts are already listed.
      if (isInteractive() && config.destination.auth?.method === 'oauth2' && hasAccounts(csvPath) && (await askConfirm('Sign in the accounts now (mailshift auth login)?', true))) {
        const creds = new JobCredentials(config);
        await creds.prepare();
        const targets = accountsFor(config).map((account) => ({ side: 'destination' as const, account }));
        const { loginAll } = await import('../../auth/login.js');
        const out = await loginAll(creds, targets, {
          prompt: (p) => process.stdout.write(p.user_code ? `${p.account}: open ${p.verification_uri} and enter ${p.user_code}\n` : `${p.account}: open ${p.verification_uri}\n`),
        });
        for (const r of out) process.stdout.write(`${r.account}: ${r.ok ? r.message : `not signed in - ${r.message}`}\n`);
      }
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

function hasAccounts(csvPath: string): boolean {
  return readFileSync(csvPath, 'utf8').split(/\r?\n/).slice(1).some((l) => l.trim() && !l.startsWith('#'));
}

function flagSignIn(o: InitOptions): { signIn: string; clientId?: string } {
  const signIn = o.destinationSignIn ?? defaultSignIn(o.destinationPreset!);
  if (!(SIGN_INS as readonly string[]).includes(signIn)) throw new InputError(`--destination-sign-in "${signIn}" is unknown (known: ${SIGN_INS.join(', ')})`);
  return { signIn, clientId: o.clientId };
}

/** The sign-in step of the wizard: OAuth2 where the destination's preset needs or offers it. */
async function askSignIn(o: InitOptions, destinationPreset: string): Promise<{ signIn: string; clientId?: string }> {
  const preset = PRESETS[destinationPreset];
  const signIn =
    o.destinationSignIn ??
    (preset?.oauth
      ? await askSelect(
          `How will mailshift sign in to ${preset.name}?`,
          SIGN_INS.filter((s) => !preset.oauth?.refuses?.[s as 'device']).map((s) => ({ value: s, name: s === 'password' ? 'password / app password per mailbox' : `OAuth2: ${s}` })),
          preset.oauth.flow,
        )
      : 'password');
  const clientId = signIn !== 'password' ? (o.clientId ?? (await askText('OAuth2 client (application) ID'))) : undefined;
  return { signIn, clientId };
}

/** OAuth2 for a preset that needs it (its own default flow), else passwords. */
function defaultSignIn(preset: string): string {
  return PRESETS[preset]?.oauth?.flow ?? 'password';
}

function signInBlock(preset: string, signIn: string, clientId?: string): Record<string, unknown> {
  if (signIn === 'password') return {};
  const auth: Record<string, unknown> = { method: 'oauth2', flow: signIn, clientId: clientId ?? 'REPLACE-WITH-YOUR-CLIENT-ID' };
  if (signIn === 'client-credentials') Object.assign(auth, { clientSecret: 'env:MAILSHIFT_APP_SECRET', issuer: preset === 'm365' ? 'https://login.microsoftonline.com/REPLACE-WITH-TENANT-ID/v2.0' : undefined });
  if (signIn === 'service-account') Object.assign(auth, { serviceAccountKey: 'service-account.json' });
  return { auth: Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== undefined)) };
}

/** What the staff will see, in one line. */
function signInNote(signIn: string): string {
  if (signIn === 'device') return 'each person opens a Microsoft/issuer page and types a short code that "mailshift auth login" prints; no password is shared';
  if (signIn === 'loopback') return 'each person signs in once in a browser on this machine when "mailshift auth login" prints the address';
  return 'app-only: staff see nothing; the admin grants the app access once (see the README)';
}

async function testLogins(configPath: string) {
  const config = loadConfig(configPath);
  const accounts = accountsFor(config);
  const credentials = new JobCredentials(config);
  const results: { side: string; user: string; ok: boolean; error?: string }[] = [];
  for (const a of accounts) {
    for (const [side, srv, user] of [
      ['source', config.source, a.sourceUser],
      ['destination', config.destination, a.destinationUser],
    ] as const) {
      try {
        await closeImap(await connectImap(srv, { account: a, credentials }, { side, connectionTimeoutMs: 15_000 }));
        results.push({ side, user, ok: true });
      } catch (err) {
        results.push({ side, user, ok: false, error: (err as Error).message });
      }
    }
  }
  return results;
}
