import { EXIT, MailshiftError } from '../errors.js';
import { fileSystemProblem } from '../store/open-errors.js';

/**
 * The one place where a thrown error becomes an exit code and a message. Expected failures
 * (MailshiftError) print one line; anything else is a bug and prints its stack.
 */
export function exitCodeFor(err: unknown, write: (line: string) => void): number {
  if (err instanceof MailshiftError) {
    write(`mailshift: ${err.message}`);
    return err.exitCode;
  }
  // commander's own usage errors (unknown option, missing argument) are invalid input.
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return EXIT.ok;
    return EXIT.invalidInput;
  }
  // A full disk, a read-only folder or a path under a file can reach here from any write (the
  // store, the log, a report): the store's transactions keep it consistent, so say what to fix.
  const fs = fileSystemProblem(err);
  if (fs) {
    const where = (err as { path?: string }).path;
    write(`mailshift: ${where ? `cannot write ${where}: ` : ''}${fs}`);
    return EXIT.fatal;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  write(`mailshift: internal error: ${e.message}\n${e.stack ?? ''}\nPlease report this with the job's log file.`);
  return EXIT.fatal;
}
