import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadAccounts } from '../../config/accounts.js';
import { askSelect, askText } from '../prompts.js';
import type { WizardIO } from './index.js';

// The wizard's accounts step: import a CSV (mailshift's header or imapsync's `u1;p1;u2;p2`
// lines), showing every bad line at once and asking again, or type the mailboxes one by one.

export interface TypedAccount {
  sourceUser: string;
  destinationUser: string;
}

export type AccountsAnswer =
  | { kind: 'import'; path: string; count: number }
  | { kind: 'typed'; accounts: TypedAccount[] };

/** Which sides may leave their password cell empty (OAuth2 or an admin credential signs in). */
export interface PasswordNeeds {
  source: boolean;
  destination: boolean;
}

const mailbox = (v: string): true | string =>
  /^[^\s,;"]+$/.test(v.trim()) || 'a mailbox login like alice@acme.com.hk (no spaces, commas or semicolons)';

export async function askAccounts(baseDir: string, needs: PasswordNeeds, io: WizardIO, defaultDomain: string): Promise<AccountsAnswer> {
  const how = await askSelect<'import' | 'type'>(
    'The mailboxes to move',
    [
      { value: 'import', name: "import a CSV file (source_user,source_password,destination_user,destination_password, or imapsync's user1;password1;user2;password2)" },
      { value: 'type', name: 'type them here, one by one' },
    ],
    'import',
  );
  return how === 'import' ? importCsv(baseDir, needs, io) : typeAccounts(io, defaultDomain);
}

async function importCsv(baseDir: string, needs: PasswordNeeds, io: WizardIO): Promise<AccountsAnswer> {
  let def: string | undefined;
  for (;;) {
    const given = (await askText('  Accounts CSV file', def, fileThere(baseDir))).trim();
    const path = resolve(baseDir, given);
    const lineErrors: string[] = [];
    let count = 0;
    try {
      // Cells are checked, env:/cmd: cells are not resolved yet (that is the login test's job).
      count = loadAccounts(path, { resolveSecrets: false, lineErrors, passwordOptional: { source: !needs.source, destination: !needs.destination } }).length;
    } catch (err) {
      lineErrors.push((err as Error).message);
    }
    if (lineErrors.length === 0) {
      io.say(`  ${count} mailbox${count === 1 ? '' : 'es'} in ${given}`);
      return { kind: 'import', path, count };
    }
    io.say(`  ${given}: ${lineErrors.length} problem${lineErrors.length === 1 ? '' : 's'}; nothing is imported until every line is right:`);
    for (const e of lineErrors) io.say(`    ${e}`);
    io.say('  fix the file (or give another one) and press Enter to read it again');
    def = given;
  }
}

function fileThere(baseDir: string) {
  return (v: string): true | string => {
    const t = v.trim();
    if (!t) return 'the path of the CSV file (relative to the config folder, or absolute)';
    const p = resolve(baseDir, t);
    if (!existsSync(p)) return `no file ${p}`;
    if (statSync(p).isDirectory()) return `${p} is a folder; give the CSV file`;
    return true;
  };
}

async function typeAccounts(io: WizardIO, domain: string): Promise<AccountsAnswer> {
  const accounts: TypedAccount[] = [];
  io.say('  one mailbox per question; an empty answer ends the list');
  for (;;) {
    const n = accounts.length + 1;
    const su = (
      await askText(`  Mailbox ${n} on the old system (e.g. alice@${domain})`, undefined, (v) => {
        if (!v.trim()) return accounts.length > 0 || 'at least one mailbox';
        const ok = mailbox(v);
        if (ok !== true) return ok;
        return !accounts.some((a) => a.sourceUser.toLowerCase() === v.trim().toLowerCase()) || `${v.trim()} is already in the list`;
      })
    ).trim();
    if (!su) break;
    const du = (await askText(`  Its login on the new system`, su, mailbox)).trim();
    accounts.push({ sourceUser: su, destinationUser: du });
  }
  io.say(`  ${accounts.length} mailbox${accounts.length === 1 ? '' : 'es'}`);
  return { kind: 'typed', accounts };
}
