import { EXIT, MailshiftError } from '../errors.js';

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
  const e = err instanceof Error ? err : new Error(String(err));
  write(`mailshift: internal error: ${e.message}\n${e.stack ?? ''}\nPlease report this with the log file; the checkpoint store is consistent and a re-run continues.`);
  return EXIT.fatal;
}
