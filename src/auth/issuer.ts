import type * as oidc from 'openid-client';
import { isLoopback } from '../config/auth-schema.js';
import { FatalError, InputError } from '../errors.js';

/** openid-client, loaded on first use so commands without OAuth2 do not pay for it at start-up. */
export const openid = () => import('openid-client');

// OpenID discovery through openid-client. http is allowed only for a loopback issuer (the test
// authorization server); anything else is https with the certificate verified (Node's default).

export interface IssuerClient {
  config: oidc.Configuration;
  issuer: string;
}

export async function discoverIssuer(
  where: string,
  issuer: string,
  clientId: string,
  clientAuth?: oidc.ClientAuth,
): Promise<IssuerClient> {
  const lib = await openid();
  const url = new URL(issuer);
  const insecure = url.protocol === 'http:';
  if (insecure && !isLoopback(url.hostname)) throw new InputError(`${where}.issuer: must be https (http is accepted only on a loopback address)`);
  try {
    const config = await lib.discovery(url, clientId, undefined, clientAuth ?? lib.None(), {
      ...(insecure ? { execute: [lib.allowInsecureRequests] } : {}),
      timeout: 15,
    });
    return { config, issuer };
  } catch (err) {
    throw describeDiscoveryError(where, issuer, err);
  }
}

function describeDiscoveryError(where: string, issuer: string, err: unknown): Error {
  const e = err as { code?: string; cause?: { code?: string; status?: number }; message?: string; status?: number };
  const netCode = e.cause?.code ?? e.code ?? '';
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR|ABORT|TIMEOUT/i.test(netCode) || e.message === 'fetch failed') {
    return new FatalError(`${where}.issuer ${issuer}: cannot reach the issuer (${netCode || 'network error'})`);
  }
  // A 404, a non-JSON answer or a document for another issuer: this is not an OpenID issuer.
  return new InputError(`${where}.issuer ${issuer}: no OpenID discovery document there (${oneLine(e.message ?? String(err))})`);
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** OAuth error code of a failed token request (invalid_grant, expired_token, ...), if any. */
export function oauthErrorCode(err: unknown): string | undefined {
  const e = err as { error?: string; code?: string; cause?: { error?: string } };
  return e.error ?? e.cause?.error ?? undefined;
}

/** A secret-free one-line description of a failed token request. */
export function describeTokenError(err: unknown): string {
  const e = err as { error?: string; error_description?: string; message?: string; code?: string; status?: number; cause?: { status?: number } };
  if (e.error) return `${e.error}${e.error_description ? `: ${oneLine(e.error_description)}` : ''}`;
  const status = e.status ?? e.cause?.status;
  return `${oneLine(e.message ?? String(err))}${status ? ` (HTTP ${status})` : ''}`;
}
