import type { Account, Side } from '../config/types.js';
import { IncompleteError } from '../errors.js';
import type { Secret } from '../secret.js';

/**
 * What a session sends to sign in, independent of the transport (IMAP today; DAV and SMTP ask
 * the same provider). `user` is the login name on the wire.
 */
export type Credential =
  | { kind: 'password'; user: string; secret: Secret }
  /** One admin credential: SASL PLAIN with `authzid` = the mailbox, or a combined login name (`mailbox*admin`). */
  | { kind: 'master'; user: string; secret: Secret; authzid?: string; mailbox: string }
  | { kind: 'oauth2'; user: string; token: Secret; expiresAt?: number; how: 'user' | 'app' };

/** The one place every session asks what to send. */
export interface Credentials {
  /** The credential for this account on this side, refreshed when it is about to expire. */
  for(side: Side, account: Account): Promise<Credential>;
  /**
   * A login with `cred` was refused. Returns true when a fresh credential is worth one more try
   * (an access token that may have expired or been rotated); false for a wrong password.
   */
  refused(side: Side, account: Account, cred: Credential): Promise<boolean>;
  /** Checks what can be checked before any session (issuer discovery, key files): InputError on bad config. */
  prepare(): Promise<void>;
}

/**
 * This account cannot sign in until someone runs `mailshift auth login` again (no token yet, a
 * revoked or expired refresh token, a device code that expired). Stops that account only.
 */
export class SignInRequiredError extends IncompleteError {
  readonly authRequired = true;
}

/** The one line that tells the operator what to run for this account. */
export function loginHint(configPath: string, user: string): string {
  return `run "mailshift auth login --config ${configPath} --account ${user}"`;
}

/** The user an account logs in as on a side. */
export function sideUser(side: Side, a: Account): string {
  return side === 'source' ? a.sourceUser : a.destinationUser;
}
