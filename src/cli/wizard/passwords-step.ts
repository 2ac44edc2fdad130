import type { Side } from '../../config/types.js';
import { askSelect, askText } from '../prompts.js';
import type { AccountsAnswer, TypedAccount } from './accounts-step.js';
import type { WizardIO } from './index.js';

// Where each side's passwords come from. The wizard never asks for a password itself: a cell is
// `env:NAME` (an environment variable per mailbox) or `cmd:COMMAND` (a password manager prints
// it), or the imported CSV's own column. Neither the config nor the store ever holds one.

export type PasswordSource = { kind: 'csv' } | { kind: 'env'; pattern: string } | { kind: 'cmd'; pattern: string } | { kind: 'none' };

const envName = (v: string): true | string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim().replace(/\{n\}/g, '1')) || 'letters, digits and "_" only, with {n} for the mailbox number (e.g. OLD_PASSWORD_{n})';

export async function askPasswordSource(side: Side, label: string, accounts: AccountsAnswer, io: WizardIO): Promise<PasswordSource> {
  const choices: { value: PasswordSource['kind']; name: string }[] = [];
  if (accounts.kind === 'import') choices.push({ value: 'csv', name: "the CSV's password column, as it is (env:/cmd: cells or the passwords)" });
  choices.push(
    { value: 'env', name: 'env:NAME - an environment variable per mailbox, set before each run' },
    { value: 'cmd', name: 'cmd:COMMAND - a command that prints the password (a password manager)' },
  );
  const kind = await askSelect(`Where do the ${label} passwords come from?`, choices, choices[0]!.value);
  if (kind === 'csv' || kind === 'none') return { kind };
  if (kind === 'env') {
    const pattern = (await askText(`  Variable name ({n} = mailbox number)`, side === 'source' ? 'OLD_PASSWORD_{n}' : 'NEW_PASSWORD_{n}', envName)).trim();
    io.say(`  e.g. export ${pattern.replace(/\{n\}/g, '1')}=... before "mailshift run"`);
    return { kind, pattern };
  }
  const pattern = (
    await askText(`  Command ({user} = the mailbox login)`, `pass show mail/{user}`, (v) => (v.trim() ? true : 'a command, e.g. pass show mail/{user}'))
  ).trim();
  return { kind, pattern };
}

/** The CSV cell for one mailbox: never a password, only where to find it. */
export function passwordCell(source: PasswordSource, n: number, user: string): string {
  if (source.kind === 'env') return `env:${source.pattern.replace(/\{n\}/g, String(n))}`;
  if (source.kind === 'cmd') return `cmd:${source.pattern.replace(/\{user\}/g, user)}`;
  return '';
}

const csvCell = (v: string) => (/[",;\n\r#]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v);

/** An accounts CSV with env:/cmd: cells (the wizard writes one only for typed or re-sourced accounts). */
export function accountsCsv(accounts: TypedAccount[], src: PasswordSource, dst: PasswordSource): string {
  const lines = ['source_user,source_password,destination_user,destination_password', '# written by mailshift init: the password cells say where each password comes from (env:NAME or cmd:COMMAND)'];
  accounts.forEach((a, i) =>
    lines.push([a.sourceUser, passwordCell(src, i + 1, a.sourceUser), a.destinationUser, passwordCell(dst, i + 1, a.destinationUser)].map(csvCell).join(',')),
  );
  return lines.join('\n') + '\n';
}
