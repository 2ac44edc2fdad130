// Signs an Apple configuration profile as CMS/PKCS#7 signed data (the payload inside, DER), with
// the OpenSSL on this machine: `openssl cms -sign -nodetach`. The key is a PEM file the admin
// points to (kit.signing); it is passed as a path, never as content, and never logged.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';

export interface SigningFiles {
  certificate: string;
  key: string;
  /** Intermediate certificates to include (PEM), so devices can build the chain. */
  chain?: string;
}

export function checkSigningFiles(f: SigningFiles): void {
  for (const [name, path] of [['certificate', f.certificate], ['key', f.key], ['chain', f.chain]] as const) {
    if (path !== undefined && !existsSync(path)) throw new InputError(`kit.signing.${name}: ${path} does not exist`);
  }
}

export function signProfile(payload: string | Buffer, f: SigningFiles): Buffer {
  const args = ['cms', '-sign', '-nodetach', '-binary', '-outform', 'DER', '-signer', f.certificate, '-inkey', f.key, ...(f.chain ? ['-certfile', f.chain] : [])];
  const r = spawnSync('openssl', args, { input: payload, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw new InputError(`kit.signing: openssl could not be run (${r.error.message}); install openssl or remove kit.signing`);
  if (r.status !== 0) throw new InputError(`kit.signing: openssl refused to sign: ${r.stderr.toString().trim().split('\n')[0] ?? 'unknown error'}`);
  return r.stdout;
}
