import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { ensureDir } from '../files/ensure-dir.js';
import { fileSystemProblem } from '../store/open-errors.js';

/**
 * commander parser for `--out <dir>`: the folder is resolved and created before any work, so a
 * path that can never be written (under /proc, under a file, read-only) is invalid input, exit 2.
 */
export function outDir(value: string): string {
  const dir = resolve(value);
  try {
    ensureDir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = fileSystemProblem(err) ?? (code === 'ENOENT' ? 'that location does not accept new folders' : code ?? (err as Error).message);
    throw new InvalidArgumentError(`cannot create ${dir}: ${why}`);
  }
  return dir;
}
