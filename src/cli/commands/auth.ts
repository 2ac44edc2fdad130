import type { Command } from 'commander';
import type { LoginTarget } from '../../auth/login.js';
import { JobCredentials } from '../../auth/provider.js';
import { tokenKey } from '../../auth/token-file.js';
import { sideUser } from '../../auth/types.js';
import { accountsFor } from '../../config/accounts.js';
import type { Side } from '../../config/types.js';
import { IncompleteError, InputError } from '../../errors.js';
import { signInLabel } from '../../auth/label.js';
import { configOnly, say, type GlobalOptions } from '../job.js';

// `mailshift auth login|status|logout`: OAuth2 sign-in per account, kept in <job>.tokens beside
// the store. No token value is ever printed.

interface AuthOptions extends GlobalOptions {
  side?: string;
  account?: string;
  all?: boolean;
}

function load(opts: AuthOptions) {
  const config = configOnly(opts);
  if (opts.side && opts.side !== 'source' && opts.side !== 'destination') throw new InputError(`--side: "${opts.side}" must be source or destination`);
  if (opts.account && opts.all) throw new InputError('--account and --all: give one or the other');
  const sides: Side[] = opts.side ? [opts.side as Side] : ['source', 'destination'];
  const accounts = accountsFor(config);
  const wanted = opts.account?.toLowerCase();
  const selected = wanted ? accounts.filter((a) => a.sourceUser.toLowerCase() === wanted || a.destinationUser.toLowerCase() === wanted) : accounts;
  if (wanted && selected.length === 0) throw new InputError(`--account: ${opts.account} is not in the accounts file`);
  return { config, sides, selected, creds: new JobCredentials(config) };
}

export function registerAuth(program: Command): void {
  const auth = program.command('auth').description('OAuth2 sign-in for the accounts (Microsoft 365, Google, any OpenID issuer): login, status, logout');
  const common = (c: Command) =>
    c
      .option('--side <side>', 'source or destination (default: both, where they use OAuth2)')
      .option('--account <address>', 'only this account (its source or destination address)')
      .option('--all', 'every account in the accounts file (the default)');

  common(auth.command('login').description('sign in every account (device code or browser); stores the refresh tokens')).action(async (_o, cmd: Command) => {
    const opts = cmd.optsWithGlobals<AuthOptions>();
    const { sides, selected, creds } = load(opts);
    const oauthSides = sides.filter((s) => creds.auth(s).method === 'oauth2');
    if (oauthSides.length === 0) throw new InputError(`${sides.join(' and ')}: auth.method is not oauth2, so there is nothing to sign in to`);
    await creds.prepare();
    const targets: LoginTarget[] = oauthSides.flatMap((side) => selected.map((account) => ({ side, account })));
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    try {
      const { loginAll } = await import('../../auth/login.js');
      const results = await loginAll(creds, targets, {
        signal: controller.signal,
        prompt: (p) => {
          if (opts.json) process.stdout.write(JSON.stringify(p) + '\n');
          else if (p.user_code) process.stdout.write(`${p.account} (${p.side}): open ${p.verification_uri} and enter the code ${p.user_code} (expires in ${p.expires_in} s)\n`);
          else process.stdout.write(`${p.account} (${p.side}): open this address in a browser on this machine and sign in: ${p.verification_uri}\n`);
        },
      });
      for (const r of results) say(opts, `${r.account} (${r.side}): ${r.ok ? r.message : `not signed in - ${r.message}`}`);
      if (opts.json) for (const r of results) process.stdout.write(JSON.stringify({ account: r.account, side: r.side, ok: r.ok, message: r.message }) + '\n');
      const failed = results.filter((r) => !r.ok);
      if (failed.length) throw new IncompleteError(`auth login: ${failed.length} of ${results.length} sign-in(s) did not complete (${failed.map((f) => f.account).join(', ')}); run auth login again for them`);
    } finally {
      process.off('SIGINT', stop);
    }
  });

  common(auth.command('status').description('each account\'s sign-in: valid until, scopes, or none / expired / revoked (never a token)')).action(async (_o, cmd: Command) => {
    const opts = cmd.optsWithGlobals<AuthOptions>();
    const { config, sides, selected, creds } = load(opts);
    const entries = creds.tokens.read();
    const rows: Record<string, unknown>[] = [];
    for (const side of sides) {
      const a = creds.auth(side);
      for (const account of selected) {
        const user = sideUser(side, account);
        if (a.method !== 'oauth2' || a.flow === 'client-credentials' || a.flow === 'service-account') {
          rows.push({ account: user, side, state: 'not-stored', how: signInLabel(config[side]) });
          continue;
        }
        const e = entries[tokenKey(side, user)];
        const now = Date.now();
        const state = !e ? 'none' : e.revokedAt ? 'revoked' : !e.refreshToken && (e.expiresAt ?? 0) <= now ? 'expired' : (e.expiresAt ?? 0) > now ? 'valid' : 'refreshable';
        rows.push({
          account: user,
          side,
          state,
          how: signInLabel(config[side]),
          ...(e?.expiresAt ? { accessTokenValidUntil: new Date(e.expiresAt).toISOString() } : {}),
          ...(e?.scope ? { scopes: e.scope } : {}),
          ...(e ? { hasRefreshToken: !!e.refreshToken, refreshes: e.refreshes ?? 0 } : {}),
        });
      }
    }
    if (opts.json) process.stdout.write(JSON.stringify({ tokenFile: creds.tokens.path, accounts: rows }, null, 2) + '\n');
    for (const r of rows) {
      const extra = r.accessTokenValidUntil ? `, access token until ${String(r.accessTokenValidUntil)}${r.hasRefreshToken ? ', refresh token kept' : ''}${r.scopes ? `, scopes: ${String(r.scopes)}` : ''}` : '';
      say(opts, `${String(r.account)} (${String(r.side)}): ${String(r.state)} - ${String(r.how)}${extra}`);
    }
  });

  common(auth.command('logout').description('delete the stored tokens (and revoke them at the issuer where it allows)')).action(async (_o, cmd: Command) => {
    const opts = cmd.optsWithGlobals<AuthOptions>();
    const { sides, selected, creds } = load(opts);
    const keys = new Set(sides.flatMap((side) => selected.map((a) => tokenKey(side, sideUser(side, a)))));
    const entries = creds.tokens.read();
    let revoked = 0;
    for (const [k, e] of Object.entries(entries)) {
      if (!keys.has(k) || !e.refreshToken) continue;
      revoked += (await creds.revoke(e.side, e.refreshToken)) ? 1 : 0;
    }
    const n = creds.tokens.deleteWhere((e) => keys.has(tokenKey(e.side, e.user)));
    say(opts, `auth logout: ${n} sign-in(s) deleted${revoked ? `, ${revoked} revoked at the issuer` : ''}`);
    if (opts.json) process.stdout.write(JSON.stringify({ deleted: n, revoked }) + '\n');
  });
}
