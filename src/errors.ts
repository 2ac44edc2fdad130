// The small set of error classes mailshift throws on purpose. Each carries the exit code of the
// command-line contract; src/cli/exit.ts is the one place that turns them into a process exit.

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

export abstract class MailshiftError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
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

/** Turns anything thrown into an Error (so `.message` is always safe to read). */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err), { cause: err });
}
