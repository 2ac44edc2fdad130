// The one error family. Every error mailshift lets reach the command line is a MailshiftError:
// it carries its exit code and the structured where/what (side, account, folder, uid, hint), and
// src/cli/exit.ts is the one place that turns it into one line and a process exit.

import type { DnsServer } from './dns/client.js';

export const EXIT = {
  ok: 0,
  fatal: 1,
  invalidInput: 2,
  incomplete: 3,
  /** Waiting for the operator at a gate of `mailshift run` (the line printed says what to do). */
  waiting: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ErrorSide = 'source' | 'destination';

/** Where a failure happened and what to do about it; all optional, set where known. */
export interface ErrorContext {
  side?: ErrorSide;
  account?: string;
  folder?: string;
  uid?: number;
  /** What the operator can do; appended to the message after "; " (one line). */
  hint?: string;
}
export interface ErrorOptions extends ErrorContext {
  cause?: unknown;
}

export abstract class MailshiftError extends Error {
  abstract readonly exitCode: ExitCode;
  readonly side?: ErrorSide;
  readonly account?: string;
  readonly folder?: string;
  readonly uid?: number;
  readonly hint?: string;
  /** The message without the hint. */
  readonly reason: string;
  constructor(message: string, options: ErrorOptions = {}) {
    const { cause, hint, side, account, folder, uid } = options;
    // The hint is part of .message: the store, summaries and logs show the same line the CLI does.
    super(hint ? `${message}; ${hint}` : message, 'cause' in options ? { cause } : undefined);
    this.name = new.target.name;
    this.reason = message;
    if (hint !== undefined) this.hint = hint;
    if (side !== undefined) this.side = side;
    if (account !== undefined) this.account = account;
    if (folder !== undefined) this.folder = folder;
    if (uid !== undefined) this.uid = uid;
  }
  /** The structured fields that are set (for the job log). */
  context(): ErrorContext {
    const c: ErrorContext = {};
    if (this.side !== undefined) c.side = this.side;
    if (this.account !== undefined) c.account = this.account;
    if (this.folder !== undefined) c.folder = this.folder;
    if (this.uid !== undefined) c.uid = this.uid;
    if (this.hint !== undefined) c.hint = this.hint;
    return c;
  }
}

/** Bad config, CSV or flags: one clear line, exit 2. */
export class InputError extends MailshiftError {
  readonly exitCode = EXIT.invalidInput;
}

/** Another process owns the job (the store lock): exit 2 with who holds it. */
export class LockedError extends InputError {}

/** Something we cannot carry on from (server unreachable for the whole job, store broken): exit 1. */
export class FatalError extends MailshiftError {
  readonly exitCode = EXIT.fatal;
}

/** The work finished but not everything was done; the reasons are in the store: exit 3. */
export class IncompleteError extends MailshiftError {
  readonly exitCode = EXIT.incomplete;
}

/** `run` reached an operator gate (change MX, freeze the old system): exit 4 with the one thing to do. */
export class WaitingError extends MailshiftError {
  readonly exitCode = EXIT.waiting;
}

/** Ctrl-C / SIGTERM: the checkpoint is consistent, a re-run continues: exit 130. */
export class InterruptedError extends MailshiftError {
  readonly exitCode = EXIT.interrupted;
}

// ---- IMAP -------------------------------------------------------------------------------------
// The failure policy (src/errors/policy.ts) reads these through classifyImapError
// (src/imap/errors.ts), which also reads imapflow's own errors by their fields.

/** Any IMAP failure. Reaching the CLI, it is fatal (per-account failures are caught by the phases). */
export abstract class ImapError extends MailshiftError {
  readonly exitCode = EXIT.fatal;
}

/** A tagged NO/BAD (or a refusal read from one): the fields classifyImapError reads. */
export class ImapCommandError extends ImapError {
  readonly responseStatus?: 'NO' | 'BAD';
  readonly serverResponseCode?: string;
  readonly responseText?: string;
  constructor(message: string, options: ErrorOptions & { tagged?: { status: string; code?: string; text: string } } = {}) {
    super(message, options);
    const t = options.tagged;
    if (t) {
      if (t.status === 'NO' || t.status === 'BAD') this.responseStatus = t.status;
      this.responseText = t.text;
      if (t.code) this.serverResponseCode = t.code.split(' ')[0]!.toUpperCase();
    }
  }
}

/** The connection failed, was closed or cannot be used any more: a fresh session may heal it. */
export class ImapConnectionError extends ImapError {
  readonly code = 'EConnectionClosed';
}

/** The server's answer could not be read or makes no sense (not a dropped connection). */
export class ImapProtocolError extends ImapError {}

/** What to do about an IMAP failure (the failure policy reads this). */
export type ImapFailureKind =
  | 'auth' // wrong credentials or login not allowed: fail the account, do not retry
  | 'tls' // certificate not trusted / TLS handshake: fail, tell how to fix
  | 'unreachable' // DNS, refused, timeout at connect: retry later, then fail the account
  | 'connection' // dropped mid-session: reconnect and retry
  | 'throttled' // server asked us to slow down: wait throttleReset, then retry
  | 'unavailable' // RFC 5530 [UNAVAILABLE]: a subsystem of the server is down for everyone: pause the server, then retry
  | 'quota' // destination full: stop the account
  | 'daily-limit' // the provider's per-day transfer limit (Gmail [OVERQUOTA] "bandwidth limits"): stop the account until it resets
  | 'too-large' // message over the server's limit: skip the message with the reason
  | 'trycreate' // folder missing: create it and retry once
  | 'refused' // the server said NO to this command for this message: record per message
  | 'unknown';

/** An IMAP failure already classified (classifyImapError's answer), with a one-line reason. */
export class ImapFailure extends ImapError {
  readonly kind: ImapFailureKind;
  /** Suggested wait before a retry (ms), from the server's throttling answer. */
  readonly retryAfterMs?: number;
  constructor(message: string, kind: ImapFailureKind, retryAfterMs?: number, options: ErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
  get transient(): boolean {
    return this.kind === 'connection' || this.kind === 'throttled' || this.kind === 'unavailable' || this.kind === 'unreachable';
  }
}

/**
 * The copier stops the whole account (not just a folder). Not a process exit: the phase records
 * the account as failed/incomplete and goes on; the code below is only used if one ever escapes.
 */
export class AccountStop extends MailshiftError {
  readonly state: 'incomplete' | 'failed';
  constructor(message: string, state: 'incomplete' | 'failed', options: ErrorOptions = {}) {
    super(message, options);
    this.state = state;
  }
  get exitCode(): ExitCode {
    return this.state === 'failed' ? EXIT.fatal : EXIT.incomplete;
  }
}

// ---- DNS, DAV, SMTP ---------------------------------------------------------------------------

/** A DNS question got no usable answer (no answer, SERVFAIL, no MX, a CNAME loop): exit 1. */
export class DnsError extends MailshiftError {
  readonly exitCode = EXIT.fatal;
  readonly server?: DnsServer;
  constructor(message: string, server?: DnsServer, options: ErrorOptions = {}) {
    super(message, options);
    if (server) this.server = server;
  }
}

/** A CardDAV/CalDAV failure: exit 1 unless a subclass says otherwise. */
export class DavError extends MailshiftError {
  readonly exitCode: ExitCode = EXIT.fatal;
}
/** The server answered, but not as a DAV server (wrong URL): invalid input, exit 2. */
export class NotDavError extends DavError {
  override readonly exitCode: ExitCode = EXIT.invalidInput;
}
/** The server refused this account's sign-in (401/403 on the principal). */
export class DavAuthError extends DavError {}
/** The server could not be reached at all. */
export class DavUnreachableError extends DavError {}

/** An SMTP probe's conversation failed (greeting, EHLO, STARTTLS, MAIL FROM): exit 1. */
export class SmtpError extends MailshiftError {
  readonly exitCode = EXIT.fatal;
}

/** The test/demo servers (src/sandbox/) could not be set up or started: exit 1 with what to install. */
export class SandboxError extends FatalError {}

/** Turns anything thrown into an Error (so `.message` is always safe to read). */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  let text: string;
  try {
    text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  } catch {
    text = String(err);
  }
  return new Error(text, { cause: err });
}

