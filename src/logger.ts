import { chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { ensureDir } from './files/ensure-dir.js';

export type { Logger };

// Paths pino censors wherever they appear in a log object. Secrets are also Secret instances,
// which serialize as "[redacted]" on their own; this list catches plain strings.
export const REDACT_PATHS = [
  'password',
  'pass',
  'secret',
  'token',
  'accessToken',
  'authorization',
  '*.password',
  '*.pass',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.authorization',
  '*.sourcePassword',
  '*.destinationPassword',
  'auth.*',
  '*.auth.*',
  'headers.authorization',
  '*.headers.authorization',
];

/** The job's JSON log file, next to the store. Writes are synchronous so that a crash loses no line. */
export function createJobLogger(logPath: string, level = 'info'): Logger {
  ensureDir(dirname(logPath));
  const logger = pino(
    { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } },
    // The log names every mailbox and folder: readable by its owner only, whatever the umask.
    pino.destination({ dest: logPath, sync: true, mkdir: true, mode: 0o600 }),
  );
  try {
    chmodSync(logPath, 0o600);
  } catch {
    // A log we cannot chmod (another owner) still works.
  }
  return logger;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
