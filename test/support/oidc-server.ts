/**
 * A real OAuth2 / OpenID Connect authorization server on 127.0.0.1 for the sign-in tests:
 * oidc-provider (a certified implementation) with discovery, device authorization (RFC 8628),
 * refresh tokens with rotation, client credentials, introspection (RFC 7662, what Dovecot's
 * oauth2 passdb asks), revocation (RFC 7009) and a JWT bearer grant (RFC 7523) for Google-style
 * service accounts. Access tokens live `accessTokenTtl` seconds (15 by default), so one sync
 * crosses several refreshes. Staff approval is driven by the test: approve(userCode, account)
 * walks the real user-code pages over HTTP and finishes the login through the interaction API.
 */
import { generateKeyPairSync, randomBytes, verify as verifySignature } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Provider } from 'oidc-provider';

export interface OidcServerOptions {
  accessTokenTtl?: number;
}

export interface OidcServer {
  issuer: string;
  /** Public client for device / loopback sign-in. */
  userClientId: string;
  /** Confidential client for client credentials (the "app registration"). */
  appClientId: string;
  appClientSecret: string;
  /** Introspection credentials for Dovecot. */
  introspectionUrlWithCredentials: string;
  /** Dovecot's own client secret (so the secrets test can look for it too). */
  dovecotClientSecret: string;
  /** Path of a Google-style service-account key JSON written for the tests. */
  serviceAccount: { clientEmail: string; clientId: string; key: Record<string, string> };
  /** Counts of successful grants by grant type (from the provider's events). */
  grants: Record<string, number>;
  /** Approves a device user code as `account` (the staff member signing in). */
  approve(userCode: string, account: string): Promise<void>;
  /** Ends a pending device code now, as its lifetime running out would (the next poll gets expired_token). */
  expire(userCode: string): Promise<void>;
  /** Revokes every grant of this account (as an admin would in the provider's console). */
  revokeAccount(account: string): Promise<number>;
  /** Follows an authorization URL as `account` would in a browser, returning the final redirect. */
  authorizeInBrowser(url: string, account: string): Promise<string>;
  /** Every token the provider issued so far (for the secrets test). */
  issuedTokens(): string[];
  stop(): Promise<void>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export async function startOidcServer(opts: OidcServerOptions = {}): Promise<OidcServer> {
  const http: Server = createServer();
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const appClientSecret = `app-secret-${randomBytes(12).toString('hex')}`;
  const dovecotClientSecret = `dovecot-secret-${randomBytes(12).toString('hex')}`;
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saEmail = 'mailshift-migration@acme-project.iam.test';
  const saPem = sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const grants: Record<string, number> = {};
  const issued: string[] = [];
  /** The account the current approve()/authorizeInBrowser() call signs in as. */
  let signingInAs: string | undefined;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'mailshift-cli',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/'],
        scope: 'openid offline_access imap',
      },
      {
        client_id: 'mailshift-app',
        client_secret: appClientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: 'imap',
      },
      {
        client_id: 'dovecot',
        client_secret: dovecotClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'service-account-client',
        token_endpoint_auth_method: 'none',
        grant_types: [JWT_BEARER],
        response_types: [],
        redirect_uris: [],
        scope: 'imap',
      },
    ],
    scopes: ['openid', 'offline_access', 'imap'],
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
    },
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 15,
      ClientCredentials: opts.accessTokenTtl ?? 15,
      DeviceCode: 600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Interaction: 600,
      Session: 600,
      AuthorizationCode: 60,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
  });
  provider.on('grant.success', (ctx) => {
    const gt = String((ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type ?? 'unknown');
    grants[gt] = (grants[gt] ?? 0) + 1;
    const body = ctx.body as { access_token?: string; refresh_token?: string } | undefined;
    if (body?.access_token) issued.push(body.access_token);
    if (body?.refresh_token) issued.push(body.refresh_token);
  });
  // Silence oidc-provider's own error events (expected in the negative tests).
  provider.on('server_error', (_ctx, err) => process.env.OIDC_DEBUG && console.error('oidc-provider server_error', err));

  // RFC 7523 JWT bearer: the assertion is signed with the service account's key; sub = mailbox.
  provider.registerGrantType(
    JWT_BEARER,
    async (ctx) => {
      const { assertion, scope } = ctx.oidc.params as { assertion?: string; scope?: string };
      const fail = (d: string) => {
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: d };
      };
      const parts = String(assertion ?? '').split('.');
      if (parts.length !== 3) return fail('malformed assertion');
      const ok = verifySignature('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), sa.publicKey, Buffer.from(parts[2]!, 'base64url'));
      if (!ok) return fail('bad signature');
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as { iss?: string; sub?: string; aud?: string; exp?: number };
      if (claims.iss !== saEmail) return fail('unknown issuer');
      if (claims.aud !== `${issuer}/token`) return fail('wrong audience');
      if (!claims.exp || claims.exp * 1000 < Date.now()) return fail('assertion expired');
      if (!claims.sub) return fail('no subject');
      const accountId = claims.sub.toLowerCase();
      const grant = new provider.Grant({ accountId, clientId: ctx.oidc.client!.clientId });
      grant.addOIDCScope(scope ?? 'imap');
      const grantId = await grant.save();
      const token = new provider.AccessToken({ accountId, client: ctx.oidc.client!, grantId, scope: scope ?? 'imap', gty: 'jwt_bearer' });
      const value = await token.save();
      // Counted and recorded by the grant.success listener, like every other grant.
      ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration, scope: token.scope };
    },
    ['assertion', 'scope'],
  );

  const callback = provider.callback();
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      void finishInteraction(req, res).catch((err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      });
      return;
    }
    void callback(req, res);
  });

  // The staff member's side of the login: whoever approve() signs in as consents to what was asked.
  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const accountId = signingInAs;
    if (!accountId) throw new Error('no one is signing in');
    const params = details.params as { client_id: string; scope?: string };
    const grant = new provider.Grant({ accountId, clientId: params.client_id });
    grant.addOIDCScope(String(params.scope ?? 'openid'));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  /** A tiny browser: cookies, manual redirects, and form posts. */
  function browser() {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    async function go(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ url: string; status: number; html: string; location?: string }> {
      let current = new URL(url, issuer).href;
      let method = init.method ?? 'GET';
      let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
      for (let hop = 0; hop < 20; hop++) {
        if (!current.startsWith(issuer)) return { url: current, status: 302, html: '', location: current };
        const r = await fetch(current, {
          method,
          redirect: 'manual',
          headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(body ? { body } : {}),
        });
        for (const c of r.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const i = pair!.indexOf('=');
          jar.set(pair!.slice(0, i), pair!.slice(i + 1));
        }
        const loc = r.headers.get('location');
        if (r.status >= 300 && r.status < 400 && loc) {
          current = new URL(loc, current).href;
          method = 'GET';
          body = undefined;
          continue;
        }
        return { url: current, status: r.status, html: await r.text() };
      }
      throw new Error('too many redirects');
    }
    return { go };
  }

  function hiddenInputs(html: string, formId: string): Record<string, string> {
    const start = html.indexOf(`id="${formId}"`);
    if (start < 0) throw new Error(`no form ${formId} in page: ${html.slice(0, 300)}`);
    const form = html.slice(start, html.indexOf('</form>', start));
    const out: Record<string, string> = {};
    for (const m of form.matchAll(/<input[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(m[0])?.[1];
      const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
      if (name) out[name] = value;
    }
    const action = /action="([^"]+)"/.exec(html.slice(html.lastIndexOf('<form', start), start + 200))?.[1];
    if (action) out['__action'] = action;
    return out;
  }

  // One sign-in at a time: the interaction handler signs in as `signingInAs`.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  const approve = (userCode: string, account: string) => serial(() => approveNow(userCode, account));
  const authorizeInBrowser = (url: string, account: string) => serial(() => authorizeNow(url, account));

  async function approveNow(userCode: string, account: string): Promise<void> {
    const b = browser();
    signingInAs = account.toLowerCase();
    try {
      const page = await b.go('/device');
      const input = hiddenInputs(page.html, 'op.deviceInputForm');
      const action = input['__action'] ?? '/device';
      delete input['__action'];
      const confirm = await b.go(action, { method: 'POST', form: { ...input, user_code: userCode } });
      const c = hiddenInputs(confirm.html, 'op.deviceConfirmForm');
      const cAction = c['__action'] ?? '/device';
      delete c['__action'];
      const done = await b.go(cAction, { method: 'POST', form: { ...c, confirm: 'yes' } });
      if (done.status !== 200 || !/Sign-in Success|success/i.test(done.html)) throw new Error(`device approval did not succeed (${done.status}): ${done.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    } finally {
      signingInAs = undefined;
    }
  }

  async function authorizeNow(url: string, account: string): Promise<string> {
    const b = browser();
    signingInAs = account.toLowerCase();
    try {
      const r = await b.go(url);
      if (!r.location) throw new Error(`authorization did not redirect back (${r.status})`);
      return r.location;
    } finally {
      signingInAs = undefined;
    }
  }

  async function revokeAccount(account: string): Promise<number> {
    // Grants are kept by the default in-memory adapter; find them through the tokens we saw.
    let n = 0;
    for (const value of issued) {
      for (const find of [(v: string) => provider.RefreshToken.find(v), (v: string) => provider.AccessToken.find(v)]) {
        const t = await find(value);
        if (t && t.accountId === account.toLowerCase() && t.grantId) {
          const g = await provider.Grant.find(t.grantId);
          if (g) {
            await g.destroy();
            n++;
          }
        }
      }
    }
    return n;
  }

  async function expire(userCode: string): Promise<void> {
    // Stored as the user would type it without the mask: upper case, letters and digits only.
    const code = await provider.DeviceCode.findByUserCode(userCode.toUpperCase().replace(/[^A-Z0-9]/g, ''));
    if (!code) throw new Error(`no pending device code ${userCode}`);
    // Stored with its expiry in the past: the grant finds it and answers expired_token (RFC 8628 3.5).
    code.exp = Math.floor(Date.now() / 1000) - 1;
    // getValueAndPayload is the model's own serialiser (not in the typings).
    const { payload } = await (code as unknown as { getValueAndPayload(): Promise<{ payload: Record<string, unknown> }> }).getValueAndPayload();
    await provider.DeviceCode.adapter.upsert(code.jti, payload, 60);
  }

  return {
    issuer,
    userClientId: 'mailshift-cli',
    appClientId: 'mailshift-app',
    appClientSecret,
    dovecotClientSecret,
    introspectionUrlWithCredentials: `http://dovecot:${dovecotClientSecret}@127.0.0.1:${port}/token/introspection`,
    serviceAccount: {
      clientEmail: saEmail,
      clientId: 'service-account-client',
      key: { type: 'service_account', client_email: saEmail, client_id: 'service-account-client', private_key: saPem, private_key_id: 'k1', token_uri: `${issuer}/token` },
    },
    grants,
    approve,
    expire,
    revokeAccount,
    authorizeInBrowser,
    issuedTokens: () => [...issued],
    stop: () => new Promise<void>((r) => http.close(() => r())),
  };
}
