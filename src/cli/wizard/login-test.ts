import { loadAccounts } from '../../config/accounts.js';
import type { Account, JobConfig, Side } from '../../config/types.js';
import { JobCredentials } from '../../auth/provider.js';
import { loginFailure } from '../../assess/session.js';
import type { Failure } from '../../assess/types.js';
import { closeImap, connectImap } from '../../imap/connect.js';
import type { Lang } from '../../i18n/index.js';

// The wizard's login test: every account (or a sample) on both sides, with assess's own
// diagnosis of a failure (src/assess/session.ts), headed in the operator's language.

export interface LoginResult {
  side: Side;
  user: string;
  ok: boolean;
  /** A side that signs in with OAuth2 is tested after `mailshift auth login`, not here. */
  skipped?: string;
  failure?: Failure;
}

export async function testLogins(config: JobConfig, opts: { sample?: number } = {}): Promise<LoginResult[]> {
  const passwordOptional = (s: Side) => !!config[s].auth && config[s].auth!.method !== 'password';
  const lineErrors: string[] = [];
  // env:/cmd: cells are resolved here: an unset variable or a failing command is a failure of that line.
  const all = loadAccounts(config.accountsPath, { lineErrors, passwordOptional: { source: passwordOptional('source'), destination: passwordOptional('destination') } });
  const results: LoginResult[] = lineErrors.map((e) => ({ side: 'source' as Side, user: '', ok: false, failure: { kind: 'password', reason: e, fix: 'set the variable, or fix the command, then test again' } }));
  const accounts = opts.sample && all.length > opts.sample ? spread(all, opts.sample) : all;
  const credentials = new JobCredentials(config);
  for (const a of accounts) {
    for (const side of ['source', 'destination'] as const) {
      const server = config[side];
      const user = side === 'source' ? a.sourceUser : a.destinationUser;
      if (server.auth?.method === 'oauth2') {
        results.push({ side, user, ok: true, skipped: 'oauth2' });
        continue;
      }
      try {
        await closeImap(await connectImap(server, { account: a, credentials }, { side, connectionTimeoutMs: 15_000 }));
        results.push({ side, user, ok: true });
      } catch (err) {
        results.push({ side, user, ok: false, failure: loginFailure(err, server, side, user) });
      }
    }
  }
  return results;
}

/** `n` accounts spread over the list (first, last and between), so a sample sees both ends. */
function spread(all: Account[], n: number): Account[] {
  if (n <= 1) return all.slice(0, 1);
  return [...new Set(Array.from({ length: n }, (_, i) => Math.round((i * (all.length - 1)) / (n - 1))))].map((i) => all[i]!);
}

type Kind = 'auth' | 'tls' | 'unreachable' | 'connection' | 'throttled' | 'password' | 'other';

const TEXT: Record<Lang, { ok: string; skipped: string; head: Record<Kind, string>; fix: string; summary: (failed: number, total: number) => string }> = {
  en: {
    ok: 'ok',
    skipped: 'signs in with OAuth2: tested by "mailshift auth login"',
    head: {
      auth: 'login refused',
      tls: 'secure connection failed',
      unreachable: 'server not reachable',
      connection: 'connection failed',
      throttled: 'server is throttling',
      password: 'password not available',
      other: 'login failed',
    },
    fix: 'fix',
    summary: (f, t) => `${f} of ${t} logins failed`,
  },
  'zh-Hant': {
    ok: '成功',
    skipped: '以 OAuth2 登入：由 "mailshift auth login" 測試',
    head: {
      auth: '登入被拒絕',
      tls: '安全連線失敗',
      unreachable: '無法連接伺服器',
      connection: '連線失敗',
      throttled: '伺服器正在限流',
      password: '取不到密碼',
      other: '登入失敗',
    },
    fix: '修正方法',
    summary: (f, t) => `${t} 個登入中有 ${f} 個失敗`,
  },
  'zh-Hans': {
    ok: '成功',
    skipped: '以 OAuth2 登录：由 "mailshift auth login" 测试',
    head: {
      auth: '登录被拒绝',
      tls: '安全连接失败',
      unreachable: '无法连接服务器',
      connection: '连接失败',
      throttled: '服务器正在限流',
      password: '取不到密码',
      other: '登录失败',
    },
    fix: '修正方法',
    summary: (f, t) => `${t} 个登录中有 ${f} 个失败`,
  },
};

const kindOf = (k: string): Kind => (['auth', 'tls', 'unreachable', 'connection', 'throttled', 'password'].includes(k) ? (k as Kind) : 'other');

/** The lines the wizard prints: one per login, and under a failure assess's reason and fix. */
export function loginLines(results: LoginResult[], lang: Lang): string[] {
  const T = TEXT[lang];
  const out: string[] = [];
  for (const r of results) {
    const who = r.user ? `${r.side} ${r.user}` : r.side;
    if (r.skipped) out.push(`  -    ${who}: ${T.skipped}`);
    else if (r.ok) out.push(`  ${T.ok.padEnd(4)} ${who}`);
    else {
      out.push(`  FAIL ${who}: ${T.head[kindOf(r.failure!.kind)]}`);
      out.push(`       ${r.failure!.reason}`);
      out.push(`       ${T.fix}: ${r.failure!.fix}`);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  if (failed) out.push(`  ${T.summary(failed, results.filter((r) => !r.skipped).length)}`);
  return out;
}
