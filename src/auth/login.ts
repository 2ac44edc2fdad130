import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import type { Account, Side } from '../config/types.js';
import { FatalError, InputError } from '../errors.js';
import { describeTokenError, oauthErrorCode } from './issuer.js';
import type { JobCredentials } from './provider.js';
import { sideUser } from './types.js';

// `mailshift auth login`: device authorization (RFC 8628) for every account at once, the
// installed-app flow with a loopback redirect and PKCE (RFC 8252/7636) one account at a time,
// and a test of the app-only flows (which store nothing: their token is re-obtained at will).

export interface LoginTarget {
  side: Side;
  account: Account;
}

export interface LoginPrompt {
  account: string;
  side: Side;
  verification_uri: string;
  verification_uri_complete?: string;
  user_code?: string;
  expires_in: number;
}

export interface LoginOutcome {
  account: string;
  side: Side;
  ok: boolean;
  message: string;
}

export interface LoginIo {
  /** Show the operator what to open (one line, or one JSON object per line). */
  prompt(p: LoginPrompt): void;
  signal?: AbortSignal;
}

export async function loginAll(creds: JobCredentials, targets: LoginTarget[], io: LoginIo): Promise<LoginOutcome[]> {
  const device = targets.filter((t) => flowOf(creds, t.side) === 'device');
  const loopback = targets.filter((t) => flowOf(creds, t.side) === 'loopback');
  const app = targets.filter((t) => ['client-credentials', 'service-account'].includes(flowOf(creds, t.side) ?? ''));
  const out: LoginOutcome[] = [];
  // Device codes are all shown first, so the staff can approve them in any order.
  const started = await Promise.all(device.map((t) => startDevice(creds, t).catch((err: Error) => err)));
  started.forEach((s) => {
    if (!(s instanceof Error)) io.prompt(s.prompt);
  });
  const polled = await Promise.all(
    started.map(async (s, i) => {
      const t = device[i]!;
      if (s instanceof Error) return fail(t, s.message);
      return finishDevice(creds, t, s, io.signal);
    }),
  );
  out.push(...polled);
  for (const t of loopback) out.push(await loginLoopback(creds, t, io));
  for (const t of app) {
    try {
      const cred = await creds.for(t.side, t.account);
      const secs = cred.kind === 'oauth2' && cred.expiresAt ? Math.round((cred.expiresAt - Date.now()) / 1000) : 0;
      out.push({ account: sideUser(t.side, t.account), side: t.side, ok: true, message: `app-only sign-in works (token valid for ${secs} s; nothing is stored)` });
    } catch (err) {
      out.push(fail(t, (err as Error).message));
    }
  }
  return out;
}

function flowOf(creds: JobCredentials, side: Side): string | undefined {
  const a = creds.auth(side);
  return a.method === 'oauth2' ? a.flow : undefined;
}

function fail(t: LoginTarget, message: string): LoginOutcome {
  return { account: sideUser(t.side, t.account), side: t.side, ok: false, message };
}

function oauthSide(creds: JobCredentials, side: Side) {
  const a = creds.auth(side);
  if (a.method !== 'oauth2') throw new InputError(`${side}.auth.method is ${a.method}: there is nothing to sign in to`);
  return a;
}

async function startDevice(creds: JobCredentials, t: LoginTarget) {
  const a = oauthSide(creds, t.side);
  const { config } = await creds.issuer(t.side);
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new InputError(`${t.side}.auth.issuer ${a.issuer} offers no device authorization endpoint: use flow loopback`);
  }
  let res: oidc.DeviceAuthorizationResponse;
  try {
    res = await oidc.initiateDeviceAuthorization(config, { scope: a.scope });
  } catch (err) {
    throw new FatalError(`${t.side} ${sideUser(t.side, t.account)}: the issuer refused the device sign-in: ${describeTokenError(err)}`, { side: t.side, account: sideUser(t.side, t.account), cause: err });
  }
  const prompt: LoginPrompt = {
    account: sideUser(t.side, t.account),
    side: t.side,
    verification_uri: res.verification_uri,
    ...(res.verification_uri_complete ? { verification_uri_complete: res.verification_uri_complete } : {}),
    user_code: res.user_code,
    expires_in: res.expires_in,
  };
  return { res, prompt };
}

async function finishDevice(creds: JobCredentials, t: LoginTarget, s: { res: oidc.DeviceAuthorizationResponse }, signal?: AbortSignal): Promise<LoginOutcome> {
  const a = oauthSide(creds, t.side);
  const user = sideUser(t.side, t.account);
  const { config } = await creds.issuer(t.side);
  try {
    // openid-client waits `interval` seconds between polls and adds 5 s on slow_down (RFC 8628 3.5).
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, s.res, undefined, signal ? { signal } : undefined);
    save(creds, t.side, user, a.issuer, a.clientId, tokens);
    return { account: user, side: t.side, ok: true, message: tokens.refresh_token ? 'signed in' : 'signed in (no refresh token: sign in again when it expires)' };
  } catch (err) {
    const code = oauthErrorCode(err);
    if (code === 'expired_token') return fail(t, `${t.side} ${user}: the code expired before it was approved; run auth login again for this account`);
    if (code === 'access_denied') return fail(t, `${t.side} ${user}: the sign-in was declined`);
    return fail(t, `${t.side} ${user}: sign-in failed: ${describeTokenError(err)}`);
  }
}

function save(creds: JobCredentials, side: Side, user: string, issuer: string, clientId: string, tokens: oidc.TokenEndpointResponse): void {
  const now = Date.now();
  creds.tokens.update(side, user, () => ({
    side,
    user,
    issuer,
    clientId,
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    expiresAt: now + (tokens.expires_in ?? 3600) * 1000,
    ...(tokens.scope ? { scope: tokens.scope } : {}),
    obtainedAt: now,
  }));
}

/** The installed-app flow: a one-shot HTTP listener on 127.0.0.1, PKCE S256 and a state check. */
async function loginLoopback(creds: JobCredentials, t: LoginTarget, io: LoginIo): Promise<LoginOutcome> {
  const a = oauthSide(creds, t.side);
  const user = sideUser(t.side, t.account);
  const { config } = await creds.issuer(t.side);
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  let deliver: (u: URL) => void = () => undefined;
  const callback = new Promise<URL>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!u.searchParams.has('code') && !u.searchParams.has('error')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('mailshift: signed in; you can close this window.\n');
    deliver(u);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const redirect = `http://127.0.0.1:${port}/`;
  try {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope: a.scope,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      login_hint: user,
      access_type: 'offline',
      prompt: 'consent',
    });
    io.prompt({ account: user, side: t.side, verification_uri: url.href, expires_in: 600 });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new FatalError('no answer from the browser within 10 minutes', { side: t.side, account: user })), 600_000).unref());
    const got = await Promise.race([callback, timeout]);
    const current = new URL(got.pathname + got.search, redirect);
    const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: verifier, expectedState: state });
    save(creds, t.side, user, a.issuer, a.clientId, tokens);
    return { account: user, side: t.side, ok: true, message: 'signed in' };
  } catch (err) {
    return fail(t, `${t.side} ${user}: sign-in failed: ${describeTokenError(err)}`);
  } finally {
    server.close();
  }
}
