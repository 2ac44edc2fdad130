import type * as oidc from 'openid-client';
import type { SideAuth } from '../config/auth-schema.js';
import { resolvePasswordCell } from '../config/accounts.js';
import type { Account, JobConfig, Side } from '../config/types.js';
import { FatalError, InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Secret } from '../secret.js';
import { describeTokenError, discoverIssuer, oauthErrorCode, openid, type IssuerClient } from './issuer.js';
import { readServiceAccountKey, signAssertion, type ServiceAccountKey } from './service-account.js';
import { TokenFile, tokenPathFor, type TokenEntry } from './token-file.js';
import { loginHint, SignInRequiredError, sideUser, type Credential, type Credentials } from './types.js';

type OAuthSide = Extract<SideAuth, { method: 'oauth2' }>;

/** Refresh when less than this share of the token's life (capped at 60 s) is left. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(2_000, lifetimeMs / 3));
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface AppToken {
  token: Secret;
  expiresAt: number;
  lifetime: number;
}

/**
 * The job's credential provider: passwords from the accounts CSV, one admin credential per side
 * (master), or OAuth2 tokens (per user from the token file, or one app token per side), refreshed
 * before they expire. Token requests for the same key are shared, so parallel sessions of one
 * account cause one refresh, and a rotated refresh token is saved before anyone uses the new access token.
 */
export class JobCredentials implements Credentials {
  readonly tokens: TokenFile;
  readonly #issuers = new Map<Side, Promise<IssuerClient>>();
  readonly #app = new Map<string, AppToken>();
  readonly #secrets = new Map<string, Secret>();
  #saKey: Partial<Record<Side, ServiceAccountKey>> = {};
  /** Token requests made by this process, by kind (status and tests read it; no values). */
  readonly counts = { refresh: 0, clientCredentials: 0, jwtBearer: 0 };

  constructor(
    readonly config: JobConfig,
    readonly log?: Logger,
    tokenPath = tokenPathFor(config),
  ) {
    this.tokens = new TokenFile(tokenPath);
  }

  auth(side: Side): SideAuth {
    return this.config[side].auth ?? { method: 'password' };
  }

  where(side: Side): string {
    return `${side}.auth`;
  }

  async prepare(): Promise<void> {
    for (const side of ['source', 'destination'] as const) {
      const a = this.auth(side);
      if (a.method === 'master') this.secret(side, 'password', a.password);
      if (a.method !== 'oauth2') continue;
      if (a.flow === 'client-credentials') this.secret(side, 'clientSecret', a.clientSecret!);
      if (a.flow === 'service-account') this.saKey(side, a);
      await this.issuer(side);
    }
  }

  /** Discovery once per side; a failure is not cached, so a later call tries again. */
  issuer(side: Side): Promise<IssuerClient> {
    let p = this.#issuers.get(side);
    if (!p) {
      const a = this.auth(side) as OAuthSide;
      p = (async () => {
        const lib = await openid();
        let clientAuth: oidc.ClientAuth = lib.None();
        let clientId = a.clientId;
        if (a.flow === 'client-credentials') clientAuth = lib.ClientSecretPost(this.secret(side, 'clientSecret', a.clientSecret!).reveal());
        if (a.flow === 'service-account') clientId = this.saKey(side, a).clientId;
        return discoverIssuer(this.where(side), a.issuer, clientId, clientAuth);
      })();
      p.catch(() => this.#issuers.delete(side));
      this.#issuers.set(side, p);
    }
    return p;
  }

  secret(side: Side, field: string, cell: string): Secret {
    const k = `${side}.${field}`;
    let s = this.#secrets.get(k);
    if (!s) {
      s = resolvePasswordCell(cell, `${this.where(side)}.${field}`);
      this.#secrets.set(k, s);
    }
    return s;
  }

  saKey(side: Side, a: OAuthSide): ServiceAccountKey {
    return (this.#saKey[side] ??= readServiceAccountKey(this.where(side), a.serviceAccountKey!));
  }

  async for(side: Side, account: Account): Promise<Credential> {
    const a = this.auth(side);
    const user = sideUser(side, account);
    if (a.method === 'password') {
      const secret = side === 'source' ? account.sourcePassword : account.destinationPassword;
      if (secret.isEmpty) throw new InputError(`accounts line ${account.line}: ${side}_password is empty and ${side}.auth.method is password`);
      return { kind: 'password', user, secret };
    }
    if (a.method === 'master') {
      const secret = this.secret(side, 'password', a.password);
      if (a.style === 'separator') return { kind: 'master', user: `${user}${a.separator}${a.user}`, secret, mailbox: user };
      return { kind: 'master', user: a.user, secret, authzid: user, mailbox: user };
    }
    if (a.flow === 'client-credentials' || a.flow === 'service-account') {
      const t = await this.appToken(side, a, user);
      return { kind: 'oauth2', user, token: t.token, expiresAt: t.expiresAt, how: 'app' };
    }
    // Shared per mailbox: parallel sessions of one account cause one refresh.
    return this.singleFlight(`${side}:${user.toLowerCase()}`, () => this.userCredential(side, a, user));
  }

  readonly #flights = new Map<string, Promise<unknown>>();
  private singleFlight<T>(key: string, f: () => Promise<T>): Promise<T> {
    const running = this.#flights.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = f().finally(() => this.#flights.delete(key));
    this.#flights.set(key, p);
    return p;
  }

  /** One app token per side (client credentials) or per mailbox (service account), renewed before it expires. */
  private appToken(side: Side, a: OAuthSide, user: string): Promise<AppToken> {
    const k = a.flow === 'client-credentials' ? `${side}:app` : `${side}:${user.toLowerCase()}`;
    const t = this.#app.get(k);
    if (t && t.expiresAt - Date.now() >= refreshMargin(t.lifetime)) return Promise.resolve(t);
    return this.singleFlight(`app:${k}`, async () => {
      const fresh = a.flow === 'client-credentials' ? await this.clientCredentials(side, a) : await this.jwtBearer(side, a, user);
      this.#app.set(k, fresh);
      return fresh;
    });
  }

  /** Best-effort revocation at the issuer (RFC 7009); false when it has no endpoint or refused. */
  async revoke(side: Side, token: string): Promise<boolean> {
    try {
      const { config } = await this.issuer(side);
      if (!config.serverMetadata().revocation_endpoint) return false;
      await (await openid()).tokenRevocation(config, token, { token_type_hint: 'refresh_token' });
      return true;
    } catch {
      return false;
    }
  }

  async refused(side: Side, account: Account, cred: Credential): Promise<boolean> {
    if (cred.kind !== 'oauth2') return false;
    const a = this.auth(side) as OAuthSide;
    const user = sideUser(side, account);
    this.log?.info({ side, user, flow: a.flow }, 'access token refused at login; getting a fresh one');
    if (a.flow === 'client-credentials' || a.flow === 'service-account') {
      this.#app.delete(a.flow === 'client-credentials' ? `${side}:app` : `${side}:${user.toLowerCase()}`);
      return true;
    }
    const entry = this.tokens.get(side, user);
    if (!entry?.refreshToken || entry.revokedAt) return false;
    // Forget the access token (it may have been revoked); the next for() refreshes.
    this.tokens.update(side, user, (e) => (e ? { ...e, accessToken: undefined, expiresAt: 0 } : e));
    return true;
  }

  private async userCredential(side: Side, a: OAuthSide, user: string): Promise<Credential> {
    const entry = this.tokens.get(side, user);
    const hint = loginHint(this.config.configPath, user);
    if (!entry) throw new SignInRequiredError(`${side} ${user}: not signed in yet`, { side, account: user, hint });
    if (entry.revokedAt) throw new SignInRequiredError(`${side} ${user}: the sign-in was revoked or has expired`, { side, account: user, hint });
    const lifetime = entry.expiresAt && entry.refreshedAt ? entry.expiresAt - entry.refreshedAt : entry.expiresAt ? entry.expiresAt - entry.obtainedAt : 3_600_000;
    if (entry.accessToken && entry.expiresAt && entry.expiresAt - Date.now() > refreshMargin(lifetime)) {
      return { kind: 'oauth2', user, token: new Secret(entry.accessToken), expiresAt: entry.expiresAt, how: 'user' };
    }
    if (!entry.refreshToken) throw new SignInRequiredError(`${side} ${user}: the access token expired and there is no refresh token`, { side, account: user, hint });
    const fresh = await this.refresh(side, user, entry, hint);
    return { kind: 'oauth2', user, token: new Secret(fresh.accessToken!), expiresAt: fresh.expiresAt, how: 'user' };
  }

  private async refresh(side: Side, user: string, entry: TokenEntry, hint: string): Promise<TokenEntry> {
    const { config } = await this.issuer(side);
    let res: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      this.counts.refresh++;
      res = await (await openid()).refreshTokenGrant(config, entry.refreshToken!);
    } catch (err) {
      const code = oauthErrorCode(err);
      if (code === 'invalid_grant' || code === 'unauthorized_client' || code === 'invalid_client') {
        this.tokens.update(side, user, (e) => (e ? { ...e, accessToken: undefined, refreshToken: undefined, revokedAt: Date.now() } : e));
        this.log?.warn({ side, user, error: code }, 'refresh token refused: sign-in needed again');
        throw new SignInRequiredError(`${side} ${user}: the sign-in was revoked or has expired (${code})`, { side, account: user, hint });
      }
      throw new FatalError(`${side} ${user}: token refresh failed: ${describeTokenError(err)}`, { side, account: user, cause: err });
    }
    const now = Date.now();
    const next: TokenEntry = {
      ...entry,
      accessToken: res.access_token,
      // Rotation: the issuer may send a new refresh token; the old one is then dead.
      refreshToken: res.refresh_token ?? entry.refreshToken,
      expiresAt: now + (res.expires_in ?? 3600) * 1000,
      scope: res.scope ?? entry.scope,
      refreshedAt: now,
      refreshes: (entry.refreshes ?? 0) + 1,
    };
    this.tokens.update(side, user, () => next);
    this.log?.info({ side, user, expiresIn: res.expires_in, rotated: !!res.refresh_token }, 'access token refreshed');
    return next;
  }

  private async clientCredentials(side: Side, a: OAuthSide): Promise<AppToken> {
    const { config } = await this.issuer(side);
    try {
      this.counts.clientCredentials++;
      const res = await (await openid()).clientCredentialsGrant(config, { scope: a.scope });
      this.log?.info({ side, expiresIn: res.expires_in }, 'app token obtained (client credentials)');
      return appToken(res);
    } catch (err) {
      throw new SignInRequiredError(`${side}: the issuer refused the app sign-in (client credentials): ${describeTokenError(err)}`);
    }
  }

  private async jwtBearer(side: Side, a: OAuthSide, user: string): Promise<AppToken> {
    const { config } = await this.issuer(side);
    const key = this.saKey(side, a);
    const audience = key.tokenUri ?? config.serverMetadata().token_endpoint!;
    const assertion = signAssertion(key, user, a.scope, audience);
    try {
      this.counts.jwtBearer++;
      const res = await (await openid()).genericGrantRequest(config, JWT_BEARER, { assertion: assertion.reveal(), scope: a.scope });
      this.log?.info({ side, user, expiresIn: res.expires_in }, 'token obtained (service account)');
      return appToken(res);
    } catch (err) {
      throw new SignInRequiredError(`${side} ${user}: the issuer refused the service-account sign-in: ${describeTokenError(err)}`);
    }
  }
}

function appToken(res: oidc.TokenEndpointResponse): AppToken {
  const lifetime = (res.expires_in ?? 3600) * 1000;
  return { token: new Secret(res.access_token), expiresAt: Date.now() + lifetime, lifetime };
}

/** Passwords only (the accounts CSV), for code that has no job config at hand. */
export const passwordCredentials: Credentials = {
  async for(side, account) {
    return { kind: 'password', user: sideUser(side, account), secret: side === 'source' ? account.sourcePassword : account.destinationPassword };
  },
  async refused() {
    return false;
  },
  async prepare() {},
};

/** True when any side signs in with OAuth2 or a master credential. */
export function usesSignIn(config: JobConfig): boolean {
  return [config.source.auth, config.destination.auth].some((a) => a && a.method !== 'password');
}
