import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { AuthFile, SideAuth } from './auth-schema.js';
import type { ProviderPreset } from './presets.js';
import type { Side } from './types.js';

/** Applies the preset's sign-in defaults to a side's `auth:` block; every gap is one InputError line. */
export function resolveAuth(file: string, side: Side, a: AuthFile, preset: ProviderPreset, dir: string): SideAuth {
  const at = `${file}: ${side}.auth`;
  if (a.method === 'master') {
    const style = a.style ?? 'authzid';
    return { method: 'master', user: a.user!, password: a.password!, style, separator: a.separator ?? '*' };
  }
  if (a.method !== 'oauth2') return { method: 'password' };
  const flow = a.flow ?? preset.oauth?.flow;
  if (!flow) throw new InputError(`${at}.flow is required (device, loopback, client-credentials or service-account)`);
  const refused = preset.oauth?.refuses?.[flow];
  if (refused) throw new InputError(`${at}.flow ${flow}: ${refused}`);
  const appOnly = flow === 'client-credentials' || flow === 'service-account';
  const issuer = a.issuer ?? preset.oauth?.issuer;
  if (!issuer) throw new InputError(`${at}.issuer is required (the ${preset.name} preset has no OAuth2 issuer)`);
  if (flow === 'client-credentials' && /\/(organizations|common|consumers)\//.test(issuer)) {
    throw new InputError(`${at}.issuer: client-credentials needs your tenant's issuer, https://login.microsoftonline.com/<tenant-id>/v2.0`);
  }
  if (!a.clientId && flow !== 'service-account') throw new InputError(`${at}.clientId is required for flow ${flow}`);
  const scope = a.scope ?? (appOnly ? preset.oauth?.appScope : preset.oauth?.scope);
  if (!scope) throw new InputError(`${at}.scope is required (the ${preset.name} preset has no default scope)`);
  return {
    method: 'oauth2',
    flow,
    issuer,
    clientId: a.clientId ?? '',
    ...(a.clientSecret ? { clientSecret: a.clientSecret } : {}),
    ...(a.serviceAccountKey ? { serviceAccountKey: resolve(dir, a.serviceAccountKey) } : {}),
    scope,
  };
}
