import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates a folder and its missing parents, one level at a time. Node's own recursive mkdir
 * loops for ever where mkdir answers ENOENT under an existing parent (/proc, some FUSE mounts);
 * this one fails with that error at once. New folders are private to their owner by default.
 */
export function ensureDir(dir: string, mode = 0o700): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st) {
    if (st.isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: dir });
  }
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(parent, mode);
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    // Another process made it in the meantime: fine.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw err;
  }
}
