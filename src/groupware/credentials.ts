import type { Account } from '../config/types.js';
import type { Secret } from '../secret.js';

/**
 * The one place a DAV session gets its user and secret. For now the account's own password from
 * the accounts file; the credential provider (src/auth/) takes over here, for IMAP and DAV alike.
 */
export function davCredential(account: Account, side: 'source' | 'destination'): { user: string; secret: Secret } {
  return side === 'source' ? { user: account.sourceUser, secret: account.sourcePassword } : { user: account.destinationUser, secret: account.destinationPassword };
}
