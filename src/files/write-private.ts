import { renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from './ensure-dir.js';

/**
 * Writes a file mailshift produces (report, assessment, checklist, kit): through a temp file and
 * a rename, so a reader never sees half of it, and readable by its owner only (0600, in folders
 * made 0700), whatever the umask: they name people, mailboxes and the company's DNS.
 */
export function writePrivate(path: string, data: string | Uint8Array): void {
  ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}
