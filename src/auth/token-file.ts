import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FatalError } from '../errors.js';
import { isPostgresUrl } from '../store/postgres/target.js';

// `<job>.tokens` beside the store: the refresh tokens of the job (and the last access token, so a
// new process need not refresh at once). It is the only place a token is written. 0600, in a
// folder that is 0700; every change is written to a temp file and renamed over the old one, so a
// crash mid-write never loses a rotated refresh token.

export interface TokenEntry {
  side: 'source' | 'destination';
  user: string;
  issuer: string;
  clientId: string;
  refreshToken?: string;
  accessToken?: string;
  /** ms since the epoch */
  expiresAt?: number;
  scope?: string;
  obtainedAt: number;
  refreshedAt?: number;
  refreshes?: number;
  /** Set when the issuer refused the refresh token (invalid_grant). */
  revokedAt?: number;
}

interface FileShape {
  version: 1;
  entries: Record<string, TokenEntry>;
}

export const tokenKey = (side: string, user: string) => `${side}:${user.toLowerCase()}`;

/**
 * `<job>.tokens` next to the SQLite store; next to the config when the store is a postgres://
 * URL (the file holds refresh tokens, which never go into the store itself).
 */
export function tokenPathFor(config: { storePath: string; configDir: string; job: string }): string {
  return join(isPostgresUrl(config.storePath) ? config.configDir : dirname(config.storePath), `${config.job}.tokens`);
}

export class TokenFile {
  constructor(readonly path: string) {}

  read(): Record<string, TokenEntry> {
    if (!existsSync(this.path)) return {};
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      throw new FatalError(`token file ${this.path}: cannot read (${(err as NodeJS.ErrnoException).code})`);
    }
    try {
      const data = JSON.parse(text) as FileShape;
      return data.entries ?? {};
    } catch {
      // Never quote the content: it holds tokens.
      throw new FatalError(`token file ${this.path} is damaged; delete it and run "mailshift auth login" again`);
    }
  }

  get(side: string, user: string): TokenEntry | undefined {
    return this.read()[tokenKey(side, user)];
  }

  /** Read-modify-write of one entry (undefined deletes it). */
  update(side: string, user: string, fn: (e: TokenEntry | undefined) => TokenEntry | undefined): void {
    const entries = this.read();
    const key = tokenKey(side, user);
    const next = fn(entries[key]);
    if (next) entries[key] = next;
    else delete entries[key];
    this.write(entries);
  }

  deleteWhere(pred: (e: TokenEntry) => boolean): number {
    const entries = this.read();
    let n = 0;
    for (const [k, e] of Object.entries(entries)) if (pred(e)) (delete entries[k], n++);
    if (n) this.write(entries);
    return n;
  }

  private write(entries: Record<string, TokenEntry>): void {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The folder must not let anyone else list or replace the file.
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, entries } satisfies FileShape, null, 1));
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    try {
      const dfd = openSync(dir, 'r');
      fsyncSync(dfd);
      closeSync(dfd);
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    }
  }
}
