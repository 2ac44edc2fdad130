import type { Credentials } from '../auth/types.js';
import { readCa, tlsTrust } from '../net/tls-trust.js';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { CanaryConfig } from '../config/dualrun-schema.js';
import type { Account, JobConfig, ServerConfig } from '../config/types.js';
import { Session } from '../copier/session.js';
import { normHost, parseServer } from '../dns/client.js';
import { lookup, PUBLIC_RESOLVERS } from '../dns/resolver.js';
import type { Logger } from '../logger.js';
import type { AsyncJobStore } from '../store/contract/async.js';
import { removeOne } from './dest-ops.js';
import { DnsError } from '../errors.js';

// Canary rounds: a uniquely tagged message sent by SMTP through the domain's current inbound
// route (the MX DNS returns, or dualRun.canary.via), waited for in the mailbox of whichever
// system that MX belongs to, timed until the delta loop has it on the destination, then removed
// from both sides. The only writes mailshift makes to the source, and only when asked for.

export interface CanaryRound {
  id: number;
  token: string;
  messageId: string;
  recipient: string;
  account: Account;
  side: 'source' | 'destination';
  mxHost: string;
  sentMs: number;
  deliveredMs?: number;
  error?: string;
}

export interface CanaryOutcome {
  token: string;
  recipient: string;
  side: 'source' | 'destination';
  mx: string;
  state: 'copied' | 'delivered' | 'lost' | 'failed';
  deliverySeconds?: number;
  lagSeconds?: number;
  cleaned: boolean;
  error?: string;
}

interface Route {
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'none' | 'opportunistic';
  allowInsecure: boolean;
  /** PEM of dualRun.canary.via.caFile. */
  ca?: string;
  /** The MX name (or via host), as reported. */
  name: string;
  side: 'source' | 'destination';
}

const hostPort = (s: string, port: number) => {
  const m = /^(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(s);
  return { host: (m?.[1] ?? s).replace(/^\[|\]$/g, ''), port: m?.[2] ? Number(m[2]) : port };
};

/** The current inbound route: `via`, else the domain's lowest-preference MX from DNS. */
async function route(job: JobConfig, c: CanaryConfig, signal: AbortSignal): Promise<Route> {
  const newMx = new Set((job.cutover.mx ?? []).map((m) => normHost(m.host)));
  if (c.via) return { host: c.via.host, port: c.via.port, tls: c.via.tls, allowInsecure: c.via.allowInsecure, ...(c.via.caFile ? { ca: readCa(job.configDir, c.via.caFile, 'dualRun.canary.via.caFile') } : {}), name: c.via.host, side: newMx.has(normHost(c.via.host)) ? 'destination' : 'source' };
  const servers = (job.cutover.dns?.resolvers ?? PUBLIC_RESOLVERS).map(parseServer);
  const r = await lookup(servers, job.domain, 'MX', { timeoutMs: job.cutover.dns?.timeoutMs ?? 3000, signal });
  const mx = r.records.flatMap((x) => (x.type === 'MX' ? [x] : [])).sort((a, b) => a.priority - b.priority)[0];
  if (!mx) throw new DnsError(`${job.domain} has no MX record (asked ${r.server.host}:${r.server.port})`, r.server);
  const name = normHost(mx.exchange);
  const mapped = job.cutover.smtp?.hostMap?.[name] ?? job.cutover.smtp?.hostMap?.[mx.exchange];
  const hp = mapped ? hostPort(mapped, job.cutover.smtp?.port ?? 25) : { host: name, port: job.cutover.smtp?.port ?? 25 };
  return { ...hp, tls: 'opportunistic', allowInsecure: true, name, side: newMx.has(name) ? 'destination' : 'source' };
}

/** True once the MX that DNS returns for the domain is one of cutover.mx (the new system). */
export async function mxSwitched(job: JobConfig, signal: AbortSignal): Promise<boolean> {
  if (!job.cutover.mx?.length) return false;
  const r = await route(job, { to: [], every: '15m', timeoutSeconds: 600 }, signal);
  return r.side === 'destination';
}

function accountFor(accounts: Account[], rcpt: string): Account | undefined {
  const r = rcpt.toLowerCase();
  return accounts.find((a) => a.sourceUser.toLowerCase() === r || a.destinationUser.toLowerCase() === r);
}

/** The recipients of the round: dualRun.canary.to, else the first account's address. */
export function canaryRecipients(job: JobConfig, accounts: Account[]): string[] {
  const to = job.dualRun.canary?.to ?? [];
  if (to.length) return to;
  const first = accounts.find((a) => a.sourceUser.includes('@'));
  return first ? [first.sourceUser] : [];
}

/** Sends one canary per recipient; each is recorded before it is sent. */
export async function sendCanaries(env: { config: JobConfig; accounts: Account[]; store: AsyncJobStore; log: Logger; signal: AbortSignal }): Promise<CanaryRound[]> {
  const c: CanaryConfig = env.config.dualRun.canary ?? { to: [], every: '15m', timeoutSeconds: 600 };
  const hs = env.store.dualRunHealth;
  const rounds: CanaryRound[] = [];
  const r = await route(env.config, c, env.signal);
  for (const rcpt of canaryRecipients(env.config, env.accounts)) {
    const account = accountFor(env.accounts, rcpt);
    const token = randomBytes(9).toString('hex');
    const messageId = `mailshift-canary-${token}@${env.config.domain}`.toLowerCase();
    const id = await hs.addCanary({ token, recipient: rcpt, mxHost: r.name, side: r.side });
    const round: CanaryRound = { id, token, messageId, recipient: rcpt, account: account!, side: r.side, mxHost: r.name, sentMs: Date.now() };
    if (!account) {
      round.error = `canary recipient ${rcpt} is not one of the job's accounts`;
      await hs.updateCanary(id, { state: 'failed', error: round.error });
      rounds.push(round);
      continue;
    }
    const t = nodemailer.createTransport({
      host: r.host,
      port: r.port,
      secure: r.tls === 'implicit',
      requireTLS: r.tls === 'starttls',
      ignoreTLS: r.tls === 'none',
      tls: tlsTrust(r),
      name: `mailshift.${env.config.domain}`,
      connectionTimeout: 15_000,
      socketTimeout: 30_000,
    });
    try {
      await t.sendMail({
        from: c.from ?? `mailshift-canary@${env.config.domain}`,
        to: rcpt,
        subject: `mailshift canary ${token} (safe to ignore; removed automatically)`,
        messageId: `<${messageId}>`,
        headers: { 'X-Mailshift-Canary': token },
        text: `This message tests that mail for ${env.config.domain} flows during the migration.\nIt is removed automatically in a few minutes.\n`,
      });
      round.sentMs = Date.now();
      env.log.info({ token, rcpt, mx: r.name, side: r.side }, 'canary sent');
    } catch (err) {
      round.error = `canary to ${rcpt} via ${r.name}: ${(err as Error).message.split('\n')[0]}`;
      await hs.updateCanary(id, { state: 'failed', error: round.error });
    } finally {
      t.close();
    }
    rounds.push(round);
  }
  return rounds;
}

const serverOf = (job: JobConfig, side: 'source' | 'destination'): ServerConfig => (side === 'source' ? job.source : job.destination);
const session = (job: JobConfig, a: Account, side: 'source' | 'destination', log: Logger, credentials: Credentials) =>
  new Session(side === 'source' ? job.source : job.destination, { account: a, credentials }, side, log);

/** Waits until every sent canary is in its recipient's INBOX on the side DNS points at (or the timeout). */
export async function awaitDelivery(env: { config: JobConfig; store: AsyncJobStore; log: Logger; signal: AbortSignal; credentials: Credentials }, rounds: CanaryRound[]): Promise<void> {
  const hs = env.store.dualRunHealth;
  const timeoutMs = (env.config.dualRun.canary?.timeoutSeconds ?? 600) * 1000;
  for (const r of rounds.filter((x) => !x.error)) {
    const s = session(env.config, r.account, r.side, env.log, env.credentials);
    try {
      while (!env.signal.aborted) {
        const c = await s.get();
        const mb = await c.mailboxOpen('INBOX', { readOnly: true });
        const found = mb.exists ? await c.search({ header: { 'x-mailshift-canary': r.token } }, { uid: true }) : [];
        if (found && found.length) {
          // The receiving server's INTERNALDATE is the delivery time (second precision).
          let at = Date.now();
          for await (const m of c.fetch(String(found[0]), { uid: true, internalDate: true }, { uid: true })) if (m.internalDate) at = Math.min(at, new Date(m.internalDate).getTime());
          r.deliveredMs = Math.max(r.sentMs, at);
          await hs.updateCanary(r.id, { state: 'delivered', deliveredAt: new Date(r.deliveredMs).toISOString(), deliveryS: (r.deliveredMs - r.sentMs) / 1000 });
          break;
        }
        if (Date.now() - r.sentMs > timeoutMs) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
    } catch (err) {
      r.error = `canary ${r.token}: ${(err as Error).message}`;
    } finally {
      await s.close();
    }
  }
}

/**
 * After the pass: how long until the destination had it (end-to-end lag), then removal from
 * both sides (UID EXPUNGE of exactly that UID where UIDPLUS is offered, else \Deleted).
 */
export async function finishCanaries(env: { config: JobConfig; store: AsyncJobStore; log: Logger; credentials: Credentials }, rounds: CanaryRound[]): Promise<CanaryOutcome[]> {
  const hs = env.store.dualRunHealth;
  const out: CanaryOutcome[] = [];
  for (const r of rounds) {
    const base = { token: r.token, recipient: r.recipient, side: r.side, mx: r.mxHost };
    if (r.error && r.deliveredMs === undefined) {
      out.push({ ...base, state: 'failed', cleaned: false, error: r.error });
      continue;
    }
    if (r.deliveredMs === undefined) {
      const error = `canary to ${r.recipient} via ${r.mxHost} not delivered within ${env.config.dualRun.canary?.timeoutSeconds ?? 600} s`;
      await hs.updateCanary(r.id, { state: 'lost', error });
      out.push({ ...base, state: 'lost', cleaned: false, error });
      continue;
    }
    const deliverySeconds = (r.deliveredMs - r.sentMs) / 1000;
    // Delivered to the destination itself (after the switch): it is there at once.
    const copiedIso = r.side === 'destination' ? new Date(r.deliveredMs).toISOString() : await hs.copiedAt(r.messageId);
    const lagSeconds = copiedIso ? Math.max(deliverySeconds, (Date.parse(copiedIso) - r.sentMs) / 1000) : undefined;
    let cleaned = true;
    const copies = await hs.forgetCanaryRows(r.messageId);
    for (const side of ['source', 'destination'] as const) {
      const s = session(env.config, r.account, side, env.log, env.credentials);
      try {
        const c = await s.get();
        const places = side === 'destination' ? [...new Set(['INBOX', ...copies.map((x) => x.destinationPath)])] : ['INBOX'];
        for (const path of places) {
          await c.mailboxOpen(path);
          const uids = (await c.search({ header: { 'x-mailshift-canary': r.token } }, { uid: true })) || [];
          for (const uid of uids) if ((await removeOne(c, uid)) === 'mark') cleaned = false;
        }
      } catch (err) {
        cleaned = false;
        env.log.warn({ side, token: r.token, err: (err as Error).message, server: serverOf(env.config, side).host }, 'canary not removed');
      } finally {
        await s.close();
      }
    }
    const state = lagSeconds === undefined ? 'delivered' : 'copied';
    await hs.updateCanary(r.id, { state, ...(copiedIso && lagSeconds !== undefined ? { copiedAt: copiedIso, lagS: lagSeconds } : {}), cleaned });
    out.push({ ...base, state, deliverySeconds, ...(lagSeconds !== undefined ? { lagSeconds } : {}), cleaned });
  }
  return out;
}
