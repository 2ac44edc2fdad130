import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { Secret } from '../secret.js';

// Google Workspace service accounts with domain-wide delegation: one signed JWT assertion per
// mailbox (sub = the user), exchanged at the token endpoint (RFC 7523 JWT bearer grant).

export interface ServiceAccountKey {
  clientEmail: string;
  clientId: string;
  privateKey: Secret;
  tokenUri?: string;
  keyId?: string;
}

export function readServiceAccountKey(where: string, path: string): ServiceAccountKey {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${where}.serviceAccountKey ${path}: ${code === 'ENOENT' ? 'file not found' : code ? `cannot read (${code})` : 'not valid JSON'}`);
  }
  const str = (k: string) => (typeof raw[k] === 'string' && raw[k] ? (raw[k] as string) : undefined);
  const clientEmail = str('client_email');
  const privateKey = str('private_key');
  if (!clientEmail || !privateKey) throw new InputError(`${where}.serviceAccountKey ${path}: not a service-account key (client_email and private_key are required)`);
  return { clientEmail, clientId: str('client_id') ?? clientEmail, privateKey: new Secret(privateKey), tokenUri: str('token_uri'), keyId: str('private_key_id') };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The RS256 assertion that asks for `scope` on behalf of `subject`, valid for 10 minutes. */
export function signAssertion(key: ServiceAccountKey, subject: string, scope: string, audience: string, now = Date.now()): Secret {
  const iat = Math.floor(now / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.keyId ? { kid: key.keyId } : {}) };
  const claims = { iss: key.clientEmail, sub: subject, scope, aud: audience, iat, exp: iat + 600 };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = createSign('RSA-SHA256').update(input).sign(key.privateKey.reveal());
  return new Secret(`${input}.${b64url(sig)}`);
}
