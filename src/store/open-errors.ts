import { FatalError } from '../errors.js';

// What SQLite or the file system says when a store cannot be used, turned into one line that
// names the file, what is wrong and what to do. Nothing on either mail server has been touched
// when these are raised: the store is opened before any session.

const NEW_JOB_HINT = 'or move it away to start a new job (a new job recognises the mail already on the destination)';

export function describeStoreError(err: unknown, path: string): FatalError {
  if (err instanceof FatalError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const message = (err as Error).message ?? String(err);
  if (code === 'SQLITE_NOTADB' || /file is not a database/i.test(message)) {
    return new FatalError(`${path} is not a mailshift store (not an SQLite database): point "store:" in the config at the right file, ${NEW_JOB_HINT}`, { cause: err });
  }
  if (code.startsWith('SQLITE_CORRUPT') || /malformed/i.test(message)) {
    return new FatalError(`${path} is damaged (${message}): restore it from a backup (\`mailshift store backup\` makes one), ${NEW_JOB_HINT}`, { cause: err });
  }
  const fs = fileSystemProblem(err);
  if (fs) return new FatalError(`cannot use the store ${path}: ${fs}`, { cause: err });
  return new FatalError(`cannot open the store ${path}: ${message}`, { cause: err });
}

/** A one-line description of a file-system failure (read-only, full, no permission), or undefined. */
export function fileSystemProblem(err: unknown): string | undefined {
  const code = String((err as { code?: unknown }).code ?? '');
  const message = (err as Error)?.message ?? '';
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || /database or disk is full/i.test(message)) {
    return 'the disk is full; free some space and run the same command again: it continues where it stopped';
  }
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY') || /read-only file system|readonly database/i.test(message)) {
    return 'the folder is on a read-only file system or not writable; move the job to a writable folder (the "store:" setting)';
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM') return 'permission denied; run mailshift as the user that owns the job folder';
  if (code === 'ENOTDIR' || (code === 'EEXIST' && (err as { syscall?: string }).syscall === 'mkdir')) return 'a part of the path is a file, not a folder';
  if (code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR_')) return `the disk reported an I/O error (${code}); check the disk, then run the same command again`;
  return undefined;
}
