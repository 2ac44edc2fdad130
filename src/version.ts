import { readFileSync } from 'node:fs';

/** mailshift's version, from package.json (one place: the CLI, the IMAP ID and reports say the same). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
