import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { Document, type Scalar, type YAMLMap } from 'yaml';
import { JobCredentials } from '../../auth/provider.js';
import { accountsFor, loadAccounts } from '../../config/accounts.js';
import { loadConfig } from '../../config/load.js';
import { PRESETS } from '../../config/presets.js';
import { InputError, InterruptedError } from '../../errors.js';
import { exitNow } from '../exit.js';
import type { JobConfig, Side } from '../../config/types.js';
import { pickLang } from '../../i18n/index.js';
import type { GlobalOptions } from '../job.js';
import { askConfirm, askSelect, askText, isInteractive } from '../prompts.js';
import { askAccounts } from '../wizard/accounts-step.js';
import { askCutoverWindow } from '../wizard/cutover-step.js';
import { askServer, runWizard, type Tls, type WizardAnswers } from '../wizard/index.js';
import { loginLines, testLogins, type LoginResult } from '../wizard/login-test.js';
import { accountsCsv, askPasswordSource, type PasswordSource } from '../wizard/passwords-step.js';
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
  nonInteractive?: boolean;
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
    .option('--non-interactive', 'take every answer from the flags, ask nothing (also on a terminal)')
    .action(async (o: InitOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions & InitOptions>();
      const configPath = resolve(g.config);
      if (existsSync(configPath) && !o.force) throw new InputError(`${g.config} already exists; pass --force to overwrite it`);
      if (isInteractive() && !o.nonInteractive) return wizard(o, configPath);
      const answers = fromFlags(o, g.config);
      const signIn = flagSignIn(o);
      const doc = configDoc(answers, signIn, o.accountsCsv ?? 'accounts.csv', {});
      writeConfig(configPath, doc);
      const csvPath = resolve(dirname(configPath), doc.accounts);
      const lines = [`wrote ${relative(process.cwd(), configPath) || configPath}`];
      if (!existsSync(csvPath)) {
        writeFileSync(csvPath, HEADER + '# one line per mailbox; a password cell may be env:NAME or cmd:COMMAND\n', { mode: 0o600 });
        lines.push(`wrote ${relative(process.cwd(), csvPath)} (add one line per mailbox)`);
      }
      const config = loadConfig(configPath);
      const results = o.test ? await testLogins(config) : [];
      if (g.json) {
        process.stdout.write(JSON.stringify({ config: configPath, accounts: csvPath, logins: results.map(jsonLogin) }, null, 2) + '\n');
      } else {
        lines.push(...loginLines(results, pickLang(undefined)));
        lines.push(...nextLines(config, csvPath, signIn.signIn));
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (results.some((r) => !r.ok)) throw new InputError('some logins failed (see above); fix them before assess');
    });
}

const io = { say: (l: string) => process.stdout.write(l + '\n') };

/**
 * On a terminal: every question, then the login test, and only then the files. Until the end
 * the config and a typed accounts CSV exist only as temporary files beside their targets, so
 * Ctrl-C (in a prompt or during the test) or a refused login leaves nothing behind.
 */
async function wizard(o: InitOptions, configPath: string): Promise<void> {
  const baseDir = dirname(configPath);
  const answers = await runWizard(o, io);
  const signIn = await askSignIn(o, answers.destinationPreset);
  const needs = { source: true, destination: signIn.signIn === 'password' };
  const accounts = await askAccounts(baseDir, needs, io, answers.domain);
  const sources: Record<Side, PasswordSource> = { source: { kind: 'none' }, destination: { kind: 'none' } };
  for (const side of ['source', 'destination'] as const) {
    if (!needs[side]) continue;
    const first = side === 'source' || !needs.source;
    // The CSV's own column is kept for both sides or for neither (one file, one rule).
    if (!first && sources.source.kind === 'csv') sources[side] = { kind: 'csv' };
    else sources[side] = await askPasswordSource(side, side === 'source' ? 'old system' : 'new system', first ? accounts : { kind: 'typed', accounts: [] }, io);
  }
  const window = await askCutoverWindow(io);
  const keepCsv = accounts.kind === 'import' && (sources.source.kind === 'csv' || sources.destination.kind === 'csv' || (!needs.source && !needs.destination));
  const finalCsv = keepCsv && accounts.kind === 'import' ? accounts.path : resolve(baseDir, o.accountsCsv ?? 'accounts.csv');
  if (!keepCsv && existsSync(finalCsv) && !o.force && !(await askConfirm(`${relative(baseDir, finalCsv)} exists: replace it with the accounts above?`, false))) {
    throw new InputError(`${relative(process.cwd(), finalCsv)} exists; init stopped and nothing was written (move it away or pass --force)`);
  }
  const tmps: string[] = [];
  const cleanup = () => {
    for (const t of tmps) rmSync(t, { force: true });
  };
  const onInt = () => {
    cleanup();
    exitNow(new InterruptedError('init cancelled; nothing was written'));
  };
  process.on('SIGINT', onInt);
  try {
    let csvText: string | undefined;
    if (!keepCsv) {
      const list =
        accounts.kind === 'typed'
          ? accounts.accounts
          : loadAccounts(accounts.path, { resolveSecrets: false, passwordOptional: { source: true, destination: true } }).map((a) => ({ sourceUser: a.sourceUser, destinationUser: a.destinationUser }));
      csvText = accountsCsv(list, sources.source, sources.destination);
    }
    const tmpCsv = csvText !== undefined ? tmpBeside(finalCsv) : undefined;
    if (tmpCsv) {
      tmps.push(tmpCsv);
      writeFileSync(tmpCsv, csvText!, { mode: 0o600 });
    }
    const tmpConfig = tmpBeside(configPath);
    tmps.push(tmpConfig);
    const extra = { timezone: window.timezone, ...(window.at ? { cutover: { at: window.at } } : {}) };
    const accountsRef = (path: string) => relative(baseDir, path) || path;
    let config: JobConfig;
    const stage = () => {
      writeFileSync(tmpConfig, render(configDoc(answers, signIn, accountsRef(tmpCsv ?? finalCsv), extra)), { mode: 0o600 });
      config = loadConfig(tmpConfig);
    };
    stage();
    const count = accounts.kind === 'typed' ? accounts.accounts.length : accounts.count;
    const how = await askSelect<'all' | 'sample' | 'no'>(
      'Test the logins now (nothing is written until they pass)?',
      [
        { value: 'all', name: `every account (${count}) on both sides` },
        ...(count > SAMPLE ? [{ value: 'sample' as const, name: `a sample of ${SAMPLE} accounts` }] : []),
        { value: 'no', name: 'not now (run "mailshift assess" later)' },
      ],
      'all',
    );
    const lang = pickLang(undefined);
    while (how !== 'no') {
      const results = await testLogins(config!, { sample: how === 'sample' ? SAMPLE : undefined });
      for (const l of loginLines(results, lang)) io.say(l);
      if (results.every((r) => r.ok)) break;
      const failedSides = new Set(results.filter((r) => !r.ok).map((r) => r.side));
      const editable = (['source', 'destination'] as const).filter((s) => failedSides.has(s) && !PRESETS[s === 'source' ? answers.sourcePreset : answers.destinationPreset]?.imap);
      const next = await askSelect<'retry' | 'source' | 'destination' | 'stop'>(
        'Some logins failed. Fix them, then:',
        [
          { value: 'retry', name: 'test again (after fixing the password, the variable, the command or the account)' },
          ...editable.map((s) => ({ value: s, name: `change the ${s === 'source' ? 'old' : 'new'} system's host, port or encryption` })),
          { value: 'stop', name: 'stop here; nothing is written' },
        ],
        'retry',
      );
      if (next === 'stop') throw new InputError('init stopped at the login test; nothing was written');
      if (next !== 'retry') {
        const k = next === 'source' ? 'source' : 'destination';
        const cur = await askServer({ host: answers[`${k}Host`], port: answers[`${k}Port`], tls: answers[`${k}Tls`] });
        Object.assign(answers, { [`${k}Host`]: cur.host, [`${k}Port`]: cur.port, [`${k}Tls`]: cur.tls });
        stage();
      }
    }
    // Everything passed (or the test was declined): the files take their real names.
    if (tmpCsv) renameSync(tmpCsv, finalCsv);
    writeFileSync(tmpConfig, render(configDoc(answers, signIn, accountsRef(finalCsv), extra)), { mode: 0o600 });
    loadConfig(tmpConfig);
    renameSync(tmpConfig, configPath);
  } finally {
    process.off('SIGINT', onInt);
    cleanup();
  }
  const config = loadConfig(configPath);
  const lines = [`wrote ${relative(process.cwd(), configPath) || configPath}`];
  if (!keepCsv) lines.push(`wrote ${relative(process.cwd(), finalCsv)} (no passwords in it: only where each one comes from)`);
  lines.push(...nextLines(config, finalCsv, signIn.signIn, true));
  process.stdout.write(lines.join('\n') + '\n');
  // The wizard ends with the sign-in itself when the destination takes OAuth2.
  if (config.destination.auth?.method === 'oauth2' && (await askConfirm('Sign in the accounts now (mailshift auth login)?', true))) {
    const creds = new JobCredentials(config);
    await creds.prepare();
    const targets = accountsFor(config).map((account) => ({ side: 'destination' as const, account }));
    const { loginAll } = await import('../../auth/login.js');
    const out = await loginAll(creds, targets, {
      prompt: (p) => process.stdout.write(p.user_code ? `${p.account}: open ${p.verification_uri} and enter ${p.user_code}\n` : `${p.account}: open ${p.verification_uri}\n`),
    });
    for (const r of out) process.stdout.write(`${r.account}: ${r.ok ? r.message : `not signed in - ${r.message}`}\n`);
  }
}

const SAMPLE = 5;

const tmpBeside = (path: string) => resolve(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

/** What a person reading the config should know about each section, as YAML comments. */
const COMMENTS: Record<string, string> = {
  job: ' the job: its store, reports and kit are named after it',
  timezone: ' every date people read (reports, kit, checklist) is in this time zone',
  source: ' the old system: where the mail is now (read-only: nothing is changed there)',
  destination: ' the new system',
  accounts: ' one line per mailbox; each password cell is env:NAME or cmd:COMMAND (never the password)',
  cutover: ' the planned MX switch; "mailshift run" keeps both systems in step until then (change it with "mailshift cutover plan --at")',
};

function render(doc: Record<string, unknown>): string {
  const d = new Document(doc);
  d.commentBefore = ' Written by mailshift init. Passwords are never kept here: see the accounts CSV (env:/cmd: cells).';
  for (const item of (d.contents as YAMLMap<Scalar<string>, unknown>).items) {
    const note = COMMENTS[item.key.value];
    if (note) item.key.commentBefore = note;
  }
  return d.toString();
}

function configDoc(answers: WizardAnswers, signIn: { signIn: string; clientId?: string }, accounts: string, extra: Record<string, unknown>) {
  return {
    job: answers.job,
    domain: answers.domain,
    ...(answers.company ? { company: answers.company } : {}),
    ...(extra.timezone ? { timezone: extra.timezone } : {}),
    source: server(answers.sourcePreset, answers.sourceHost, answers.sourcePort, answers.sourceTls),
    destination: { ...server(answers.destinationPreset, answers.destinationHost, answers.destinationPort, answers.destinationTls), ...signInBlock(answers.destinationPreset, signIn.signIn, signIn.clientId) },
    accounts,
    ...(extra.cutover ? { cutover: extra.cutover } : {}),
    ...answers.extra,
  };
}

/** Written beside the target and loaded first: an invalid config is never left behind. */
function writeConfig(configPath: string, doc: Record<string, unknown>): void {
  const tmp = tmpBeside(configPath);
  writeFileSync(tmp, render(doc), { mode: 0o600 });
  try {
    loadConfig(tmp);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  renameSync(tmp, configPath);
}

function nextLines(config: JobConfig, csvPath: string, signIn: string, filled = false): string[] {
  const cfgRel = relative(process.cwd(), config.configPath);
  const fill = filled ? '' : `fill ${relative(process.cwd(), csvPath)}, then: `;
  const out: string[] = [];
  if (config.destination.auth?.method === 'oauth2') out.push(`sign-in: ${signInNote(signIn)}`);
  out.push(
    config.destination.auth?.method === 'oauth2'
      ? `next: ${fill}mailshift auth login --config ${cfgRel}, then: mailshift assess --config ${cfgRel}`
      : `next: ${fill}mailshift assess --config ${cfgRel}`,
  );
  return out;
}

function jsonLogin(r: LoginResult) {
  return { side: r.side, user: r.user, ok: r.ok, ...(r.skipped ? { skipped: r.skipped } : {}), ...(r.failure ? { error: r.failure.reason, fix: r.failure.fix } : {}) };
}

function server(preset: string, host?: string, port?: number, tls?: Tls) {
  return { preset, ...(host ? { host } : {}), ...(port ? { port } : {}), ...(tls ? { tls } : {}), ...(tls === 'none' ? { allowInsecure: true } : {}) };
}

function fromFlags(o: InitOptions, config: string) {
  const missing = (['job', 'domain', 'sourcePreset', 'destinationPreset'] as const).filter((k) => !o[k]);
  if (missing.length) {
    // One line: the command that gives every answer, with the ones still missing as <...>.
    const v = (k: 'job' | 'domain' | 'sourcePreset' | 'destinationPreset', ph: string) => o[k] ?? ph;
    const line = [
      'mailshift init --non-interactive',
      `--config ${config}`,
      `--job ${v('job', '<name>')}`,
      `--domain ${v('domain', '<domain>')}`,
      `--source-preset ${v('sourcePreset', '<id>')}`,
      ...(o.sourceHost ? [`--source-host ${o.sourceHost}`] : []),
      `--destination-preset ${v('destinationPreset', '<id>')}`,
      ...(o.destinationHost ? [`--destination-host ${o.destinationHost}`] : []),
      `--accounts-csv ${o.accountsCsv ?? 'accounts.csv'}`,
    ].join(' ');
    throw new InputError(
      o.nonInteractive ? `init --non-interactive asks nothing; give the missing answers as flags: ${line}` : `init needs a terminal to ask its questions; without one, give the answers as flags: ${line}`,
    );
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
