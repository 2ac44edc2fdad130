import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { Secret } from '../secret.js';
import type { Account, JobConfig } from './types.js';

const HEADER = ['source_user', 'source_password', 'destination_user', 'destination_password'] as const;

/**
 * Reads the accounts CSV: a header row `source_user,source_password,destination_user,destination_password`,
 * or imapsync's `user1;password1;user2;password2` lines. Password cells may be `env:NAME` or
 * `cmd:COMMAND`. With `resolveSecrets: false` the cells are checked but commands are not run.
 */
export interface LoadAccountsOptions {
  resolveSecrets?: boolean;
  /** Sides whose password cell may be empty (that side signs in with OAuth2 or a master credential). */
  passwordOptional?: { source?: boolean; destination?: boolean };
  /** When given, a bad line is pushed here (one line each) and skipped instead of thrown: the wizard shows them all. */
  lineErrors?: string[];
}

/** The job's accounts, with empty password cells allowed where the side does not use them. */
export function accountsFor(config: JobConfig, opts: { resolveSecrets?: boolean } = {}): Account[] {
  const optional = (s: 'source' | 'destination') => !!config[s].auth && config[s].auth!.method !== 'password';
  return loadAccounts(config.accountsPath, { ...opts, passwordOptional: { source: optional('source'), destination: optional('destination') } });
}

export function loadAccounts(path: string, opts: LoadAccountsOptions = {}): Account[] {
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${file}: accounts file not found (${path})` : code === 'EISDIR' ? `${file}: is a folder, not an accounts CSV file (${path})` : `${file}: cannot read (${code})`);
  }
  const rows = splitRows(text, file);
  if (rows.length === 0) throw new InputError(`${file}: no accounts (the file is empty)`);
  const first = rows[0]!;
  const hasHeader = first.cells.map((c) => c.trim().toLowerCase()).join(',') === HEADER.join(',');
  const dataRows = hasHeader ? rows.slice(1) : rows;
  if (!hasHeader && first.sep === ',') {
    throw new InputError(`${file} line ${first.line}: expected the header "${HEADER.join(',')}" (or imapsync's user1;password1;user2;password2 lines)`);
  }
  const accounts: Account[] = [];
  const seen = new Map<string, number>();
  for (const row of dataRows) {
    try {
      const at = `${file} line ${row.line}`;
      if (row.cells.length !== 4) throw new InputError(`${at}: expected 4 columns (${HEADER.join(', ')}), found ${row.cells.length}`);
      const [su, sp, du, dp] = row.cells.map((c) => c.trim()) as [string, string, string, string];
      for (const [name, value] of [['source_user', su], ['source_password', sp], ['destination_user', du], ['destination_password', dp]] as const) {
        if (value) continue;
        if (name === 'source_password' && opts.passwordOptional?.source) continue;
        if (name === 'destination_password' && opts.passwordOptional?.destination) continue;
        throw new InputError(`${at}: ${name} is empty`);
      }
      const dup = seen.get(su.toLowerCase());
      if (dup) throw new InputError(`${at}: source_user ${su} is already listed on line ${dup}`);
      seen.set(su.toLowerCase(), row.line);
      const resolve = opts.resolveSecrets !== false;
      accounts.push({
        line: row.line,
        sourceUser: su,
        sourcePassword: sp ? resolvePasswordCell(sp, `${at}: source_password`, resolve) : new Secret(''),
        destinationUser: du,
        destinationPassword: dp ? resolvePasswordCell(dp, `${at}: destination_password`, resolve) : new Secret(''),
      });
    } catch (err) {
      if (!opts.lineErrors || !(err instanceof InputError)) throw err;
      opts.lineErrors.push(err.message);
    }
  }
  if (accounts.length === 0 && opts.lineErrors?.length) return accounts;
  if (accounts.length === 0) throw new InputError(`${file}: no accounts (only a header row)`);
  return accounts;
}

/** `env:NAME` reads the environment, `cmd:COMMAND` the first line of a shell command's output. */
export function resolvePasswordCell(cell: string, where: string, run = true): Secret {
  if (cell.startsWith('env:')) {
    if (!run) return new Secret('');
    const name = cell.slice(4);
    const value = process.env[name];
    if (value === undefined || value === '') throw new InputError(`${where}: environment variable ${name} is not set`);
    return new Secret(value);
  }
  if (cell.startsWith('cmd:')) {
    if (!run) return new Secret('');
    let out: string;
    try {
      out = execFileSync('/bin/sh', ['-c', cell.slice(4)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    } catch (err) {
      const status = (err as { status?: number }).status;
      throw new InputError(`${where}: the password command failed${status !== undefined ? ` (exit ${status})` : ''}`);
    }
    const line = out.split(/\r?\n/)[0] ?? '';
    if (!line) throw new InputError(`${where}: the password command printed nothing`);
    return new Secret(line);
  }
  return new Secret(cell);
}

interface Row {
  line: number;
  sep: ',' | ';';
  cells: string[];
}

// A small CSV reader: quoted cells with "" escapes, CRLF or LF, blank lines and # comments skipped.
// The separator is chosen per file from the first row: ";" for imapsync lines, else ",".
function splitRows(text: string, file: string): Row[] {
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() && !l.startsWith('#')) ?? '';
  const sep: ',' | ';' = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(cell);
    const blank = cells.length === 1 && cells[0]!.trim() === '';
    if (!blank && !cells[0]!.startsWith('#')) rows.push({ line: rowLine, sep, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === sep) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n') {
      endRow();
      line++;
      rowLine = line;
    } else if (ch !== '\r') cell += ch;
  }
  if (quoted) throw new InputError(`${file} line ${rowLine}: a quoted cell is not closed`);
  if (cell !== '' || cells.length) endRow();
  return rows;
}

/**
 * Destination mailboxes that two or more source accounts copy into: their folders would be
 * merged, which is sometimes meant (folding a departed colleague's mail into a shared box) and
 * usually a typo. One line per such mailbox, for a warning.
 */
export function mergedDestinations(accounts: Account[]): string[] {
  const by = new Map<string, Account[]>();
  for (const a of accounts) by.set(a.destinationUser.toLowerCase(), [...(by.get(a.destinationUser.toLowerCase()) ?? []), a]);
  return [...by.values()]
    .filter((list) => list.length > 1)
    .map((list) => `lines ${list.map((a) => a.line).join(', ')} (${list.map((a) => a.sourceUser).join(', ')}) all copy into ${list[0]!.destinationUser}: their folders will be merged there`);
}
