import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit.js';
import * as family from '../../src/errors.js';
import { decide } from '../../src/errors/policy.js';
import { classifyImapError } from '../../src/imap/errors.js';

// The one error family (issue 10, item 4): every error class src exports is a MailshiftError,
// maps to its documented exit code, and prints one line (no stack) that ends with its hint.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HINT = 'do this to fix it';
const ctx = { side: 'destination' as const, account: 'ann@acme.test', folder: 'INBOX', uid: 7, hint: HINT };
const tagged = { status: 'NO' as const, code: 'OVERQUOTA', text: 'Quota exceeded' };
const dns = { host: '127.0.0.1', port: 53, label: '127.0.0.1:53' };

type Make = (m: typeof family & Record<string, unknown>, mod: Record<string, unknown>) => family.MailshiftError;
const ctor = (mod: Record<string, unknown>, name: string) => mod[name] as new (...a: unknown[]) => family.MailshiftError;

/** Every concrete error class src exports, how to make one with a hint, and its exit code. */
const TABLE: Record<string, { file: string; exit: number; make: Make }> = {
  InputError: { file: 'errors.ts', exit: 2, make: (_m, mod) => new (ctor(mod, 'InputError'))('bad value', ctx) },
  LockedError: { file: 'errors.ts', exit: 2, make: (_m, mod) => new (ctor(mod, 'LockedError'))('job is locked', ctx) },
  FatalError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'FatalError'))('cannot go on', ctx) },
  IncompleteError: { file: 'errors.ts', exit: 3, make: (_m, mod) => new (ctor(mod, 'IncompleteError'))('not all done', ctx) },
  WaitingError: { file: 'errors.ts', exit: 4, make: (_m, mod) => new (ctor(mod, 'WaitingError'))('change the MX', ctx) },
  InterruptedError: { file: 'errors.ts', exit: 130, make: (_m, mod) => new (ctor(mod, 'InterruptedError'))('interrupted', ctx) },
  ImapCommandError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'ImapCommandError'))('APPEND refused', { ...ctx, tagged }) },
  ImapConnectionError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'ImapConnectionError'))('connection closed by the server', ctx) },
  ImapProtocolError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'ImapProtocolError'))('unreadable answer', ctx) },
  ImapFailure: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'ImapFailure'))('login refused', 'auth', undefined, ctx) },
  AccountStop: { file: 'errors.ts', exit: 3, make: (_m, mod) => new (ctor(mod, 'AccountStop'))('destination mailbox is full', 'incomplete', ctx) },
  DnsError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'DnsError'))('no answer', dns, ctx) },
  DavError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'DavError'))('GET answered 500', ctx) },
  NotDavError: { file: 'errors.ts', exit: 2, make: (_m, mod) => new (ctor(mod, 'NotDavError'))('not a CardDAV/CalDAV server', ctx) },
  DavAuthError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'DavAuthError'))('refused the sign-in (401)', ctx) },
  DavUnreachableError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'DavUnreachableError'))('cannot connect', ctx) },
  SmtpError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'SmtpError'))('EHLO refused', ctx) },
  SandboxError: { file: 'errors.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'SandboxError'))('Dovecot is not installed', ctx) },
  SignInRequiredError: { file: 'auth/types.ts', exit: 3, make: (_m, mod) => new (ctor(mod, 'SignInRequiredError'))('not signed in yet', ctx) },
  FramingError: { file: 'imap/bulk/framer.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'FramingError'))('server sent a line over 4 MiB', ctx) },
  BulkConnectionError: { file: 'imap/bulk/connection.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'BulkConnectionError'))('connection closed by the server', ctx) },
  PoolClosedError: { file: 'copier/pool.ts', exit: 130, make: (_m, mod) => new (ctor(mod, 'PoolClosedError'))('the session pool is closed', ctx) },
  // Made without a hint by its constructor (command + tagged answer): the hint case is covered by its parent.
  BulkCommandError: { file: 'imap/bulk/connection.ts', exit: 1, make: (_m, mod) => new (ctor(mod, 'BulkCommandError'))('APPEND', tagged) },
};
/** Abstract bases: never thrown themselves. */
const ABSTRACT = new Set(['MailshiftError', 'ImapError']);

function srcFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? srcFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `export class X extends Y` across src, for every class that is an error (by its chain). */
function exportedClasses(): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const f of srcFiles()) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^export (?:abstract )?class (\w+) extends (\w+)/gm)) out.push({ name: m[1]!, file: relative(SRC, f) });
  }
  return out;
}

function render(err: unknown): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = exitCodeFor(err, (l) => lines.push(l));
  return { code, lines };
}

describe('one error family', () => {
  it('every error class exported from src is a MailshiftError and is in this table', async () => {
    const errors: string[] = [];
    for (const c of exportedClasses()) {
      const mod = (await import(pathToFileURL(join(SRC, c.file)).href)) as Record<string, unknown>;
      const k = mod[c.name] as { prototype: unknown };
      if (!(k.prototype instanceof Error)) continue;
      errors.push(c.name);
      if (c.name === 'MailshiftError') continue;
      expect(k.prototype instanceof family.MailshiftError, `${c.file}: ${c.name} must extend MailshiftError (src/errors.ts)`).toBe(true);
      if (!ABSTRACT.has(c.name)) expect(TABLE[c.name], `${c.name} (${c.file}) needs a row in this test's table`).toBeDefined();
    }
    for (const name of Object.keys(TABLE)) expect(errors, `${name} is no longer exported from src`).toContain(name);
  });

  it.each(Object.entries(TABLE))('%s maps to its exit code and prints one line with its hint, no stack', async (name, row) => {
    const mod = (await import(pathToFileURL(join(SRC, row.file)).href)) as Record<string, unknown>;
    const err = row.make(family as typeof family & Record<string, unknown>, mod);
    expect(err.name).toBe(name);
    const { code, lines } = render(err);
    expect(code).toBe(row.exit);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\n|internal error|^\s+at /m);
    expect(lines[0]).toBe(`mailshift: ${err.message}`);
    if (name !== 'BulkCommandError') {
      expect(lines[0]!.endsWith(`; ${HINT}`)).toBe(true);
      expect(err).toMatchObject({ side: 'destination', account: 'ann@acme.test', folder: 'INBOX', uid: 7, hint: HINT });
      expect(err.reason).toBe(err.message.slice(0, -`; ${HINT}`.length));
    }
  });

  it('a failed account stop is exit 1, an incomplete one exit 3; neither has a hint unless given', () => {
    expect(new family.AccountStop('all failed', 'failed').exitCode).toBe(1);
    expect(render(new family.AccountStop('quota', 'incomplete'))).toEqual({ code: 3, lines: ['mailshift: quota'] });
  });

  it('commander usage errors are mapped once, in exit.ts: help/version 0, the rest 2, nothing printed by us', () => {
    expect(render(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--nope'"))).toEqual({ code: 2, lines: [] });
    expect(render(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toEqual({ code: 0, lines: [] });
    expect(render(new CommanderError(0, 'commander.version', '0.1.0'))).toEqual({ code: 0, lines: [] });
    const main = readFileSync(join(SRC, 'cli/main.ts'), 'utf8');
    expect(main).not.toMatch(/CommanderError|invalidInput/);
  });

  it('anything outside the family is a bug: it alone prints "internal error" with its stack', () => {
    const { code, lines } = render(new TypeError('x is undefined'));
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^mailshift: internal error: x is undefined\nTypeError: x is undefined\n\s+at /);
    expect(render('a string').lines[0]).toMatch(/^mailshift: internal error: a string/);
    const printers = srcFiles().filter((f) => readFileSync(f, 'utf8').includes('internal error'));
    expect(printers.map((f) => relative(SRC, f))).toEqual(['cli/exit.ts']);
  });

  it('no process.exit outside src/cli/exit.ts', () => {
    const exits = srcFiles().filter((f) => /process\.exit\(/.test(readFileSync(f, 'utf8')));
    expect(exits.map((f) => relative(SRC, f))).toEqual(['cli/exit.ts']);
    expect(readFileSync(join(ROOT, 'bin/mailshift.js'), 'utf8')).not.toMatch(/process\.exit\(/);
  });

  it('the failure policy reads our classes: connection, protocol and command errors keep their kinds', async () => {
    const { BulkCommandError, BulkConnectionError } = await import('../../src/imap/bulk/connection.js');
    const { FramingError } = await import('../../src/imap/bulk/framer.js');
    expect(classifyImapError(new BulkConnectionError('connection closed by the server')).kind).toBe('connection');
    expect(classifyImapError(new FramingError('server sent a line over 4 MiB')).kind).toBe('connection');
    expect(classifyImapError(new family.ImapConnectionError('session closed while logging in')).kind).toBe('connection');
    // A BYE naming throttling is throttling, though it ended the connection.
    expect(classifyImapError(new BulkConnectionError('server closed the session: * BYE [THROTTLED] slow down')).kind).toBe('throttled');
    expect(classifyImapError(new BulkCommandError('APPEND', tagged)).kind).toBe('quota');
    expect(classifyImapError(new BulkCommandError('APPEND', { status: 'NO', code: 'TRYCREATE', text: 'no such folder' })).kind).toBe('trycreate');
    expect(classifyImapError(new BulkCommandError('UID FETCH', { status: 'BAD', text: 'syntax' })).kind).toBe('refused');
    expect(classifyImapError(new family.ImapProtocolError("the source server's FETCH answer for UID 5 could not be read")).kind).toBe('unknown');
    expect(classifyImapError(new family.ImapCommandError('the destination refused to expunge UID 3', { uid: 3 })).kind).toBe('unknown');
    expect(decide(new BulkConnectionError('connection closed by the server'), 1, 0, undefined, () => 0.5)).toMatchObject({ action: 'retry', waitMs: 1000 });
    expect(decide(new BulkCommandError('APPEND', tagged), 1, 0)).toMatchObject({ action: 'stop', scope: 'account', accountState: 'incomplete' });
  });

  it('a login failure keeps its hint as a field and in the line, word for word', async () => {
    const { describeImapError } = await import('../../src/imap/errors.js');
    const server = { preset: 'generic', host: 'mail.acme.test', port: 993, tls: 'implicit', allowInsecure: false, maxConnections: 4, throttle: {} } as const;
    const f = describeImapError({ authenticationFailed: true, responseText: 'Authentication failed.' }, { server, user: 'ann@acme.test', side: 'source' });
    expect(f).toMatchObject({ kind: 'auth', side: 'source', account: 'ann@acme.test', hint: 'check the user name and password with the mail server administrator' });
    expect(render(f)).toEqual({ code: 1, lines: ['mailshift: source mail.acme.test:993 (ann@acme.test): login refused: Authentication failed.; check the user name and password with the mail server administrator'] });
  });
});

/**
 * `throw new Error(` may stay only where it is a programming invariant that cannot reach the
 * user (or a module that must not import the family). Each entry: file, how many, and why.
 */
const ALLOWED: { file: string; count: number; why: string }[] = [
  { file: 'copier/conn.ts', count: 3, why: '"no folder selected" / one message per imapflow APPEND: the copier always selects first and hands the imapflow path single items' },
  { file: 'imap/bulk/commands.ts', count: 3, why: 'UID sets are built by toUidSet and MULTIAPPEND is checked by the caller before batching' },
  { file: 'sandbox/dovecot.ts', count: 4, why: 'imports only node: modules (a test transpiles it alone); the demo wraps its start-up failure in FatalError (demo/sandbox.ts)' },
  { file: 'sandbox/radicale.ts', count: 3, why: 'imports only node: modules; the demo wraps its start-up failure in FatalError (demo/groupware.ts)' },
  { file: 'kit/plist.ts', count: 1, why: 'the kit writes only integer plist values it chose itself' },
  { file: 'kit/text.ts', count: 1, why: 'a catalogue template naming an unknown value: the kit catalogue tests render every template' },
  { file: 'i18n/msg.ts', count: 1, why: 'a message key missing from a catalogue: the catalogue tests check every key in every language' },
  { file: 'store/sqlite-handle.ts', count: 1, why: 'only store code asks for the SQLite handle of a store it opened as SQLite' },
  { file: 'store/memory/copy.ts', count: 2, why: 'the in-memory twin (tests only) mirrors SQLite\'s own constraint errors' },
  { file: 'store/memory/groupware.ts', count: 1, why: 'the in-memory twin (tests only) mirrors SQLite\'s own constraint errors' },
  { file: 'store/memory/verify.ts', count: 1, why: 'the in-memory twin (tests only) mirrors SQLite\'s own constraint errors' },
];

describe('no bare Error reaches the user', () => {
  it('`throw new Error(` appears in src only at the listed invariants', () => {
    const found = new Map<string, number>();
    for (const f of srcFiles()) {
      const n = readFileSync(f, 'utf8').split('throw new Error(').length - 1;
      if (n) found.set(relative(SRC, f), n);
    }
    const allowed = new Map(ALLOWED.map((a) => [a.file, a.count]));
    for (const [file, n] of found) expect(n, `${file}: ${n} \`throw new Error(\`; use a MailshiftError subclass (src/errors.ts), or list the invariant here with its reason`).toBe(allowed.get(file) ?? 0);
    // A stale entry (the throw was fixed) must go too, so the list stays the truth.
    for (const a of ALLOWED) expect(found.get(a.file), `${a.file} is listed but has no such throw now`).toBe(a.count);
  });
});
