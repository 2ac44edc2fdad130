import { CommanderError } from 'commander';
import { coerceError, EXIT, MailshiftError } from '../errors.js';
import { fileSystemProblem } from '../store/open-errors.js';

/**
 * The one place where a thrown error becomes an exit code and a message. Expected failures
 * (the MailshiftError family, src/errors.ts) print one line; commander has printed its own usage
 * line already; anything else is a bug and prints its stack.
 */
export function exitCodeFor(err: unknown, write: (line: string) => void): number {
  if (err instanceof MailshiftError) {
    write(renderError(err));
    return err.exitCode;
  }
  // commander's own usage errors (unknown option, missing argument) are invalid input; --help
  // and --version end through here too, with commander's exit code 0.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
  // A full disk, a read-only folder or a path under a file can reach here from any write (the
  // store, the log, a report): the store's transactions keep it consistent, so say what to fix.
  const fs = fileSystemProblem(err);
  if (fs) {
    const where = (err as { path?: string }).path;
    write(`mailshift: ${where ? `cannot write ${where}: ` : ''}${fs}`);
    return EXIT.fatal;
  }
  const e = coerceError(err);
  write(`mailshift: internal error: ${e.message}\n${e.stack ?? ''}\nPlease report this with the job's log file.`);
  return EXIT.fatal;
}

/** The line a family error prints: its message, which already ends with its hint. No stack. */
export function renderError(err: MailshiftError): string {
  return `mailshift: ${err.message}`;
}

/**
 * Exits at once, from a signal handler that cannot wait for the command to unwind (a second
 * Ctrl-C): the same line and code the ordinary path would give.
 */
export function exitNow(err: MailshiftError, write: (line: string) => void = (line) => process.stderr.write(line + '\n')): never {
  process.exit(exitCodeFor(err, write));
}
