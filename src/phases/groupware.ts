import PQueue from 'p-queue';
import type { GroupwareConfig, GroupwareSide } from '../config/groupware-schema.js';
import type { Account } from '../config/types.js';
import { FatalError, InputError } from '../errors.js';
import { copyAccount, countsOverTries, emptyCounts, type CopyCounts } from '../groupware/copy.js';
import { davCredential } from '../groupware/credentials.js';
import { DavAuthError, DavSession, DavUnreachableError, NotDavError } from '../groupware/dav.js';
import { FilesSource } from '../groupware/files-source.js';
import { writeFilesAccount } from '../groupware/files-writer.js';
import { DavSource, homesFor, wantedKinds, type GroupwareSource } from '../groupware/source.js';
import { verifyAccount, type CollectionVerify } from '../groupware/verify.js';
import { inventoryAccount, inventoryLines, type AccountInventory } from '../groupware/inventory.js';
import { boundedBackoff } from '../errors/policy.js';
import type { PhaseContext } from './context.js';

// Contacts and calendars: `mailshift groupware sync|verify`, and one delta per dual-run pass.

export interface GroupwareAccountResult {
  user: string;
  state: 'complete' | 'incomplete' | 'failed' | 'interrupted';
  error?: string;
  counts: CopyCounts;
}

export interface GroupwareResult {
  accounts: GroupwareAccountResult[];
  totals: CopyCounts;
  complete: boolean;
  seconds: number;
  /** HTTP requests and PUTs made on each side by this run. */
  requests: { source: number; destination: number; puts: number };
}

function settings(ctx: PhaseContext): GroupwareConfig {
  const g = ctx.config.groupware;
  if (!g) throw new InputError(`${ctx.config.configPath}: no "groupware:" section (set groupware.source and groupware.destination)`);
  return g;
}

function session(side: GroupwareSide & { kind: 'dav' }, account: Account, which: 'source' | 'destination'): DavSession {
  const { user, secret } = davCredential(account, which);
  return new DavSession(side.url, user, secret, { ca: side.ca });
}

/** One OPTIONS per DAV side before any account: a URL that is not a DAV server is one line, exit 2. */
async function probeSides(g: GroupwareConfig, account: Account): Promise<void> {
  for (const which of ['source', 'destination'] as const) {
    const side = g[which];
    if (side.kind !== 'dav') continue;
    try {
      await session(side, account, which).probe();
    } catch (err) {
      if (err instanceof NotDavError) throw new InputError(`groupware.${which}.url: ${err.message}`);
      // Before any account: a server that cannot be reached or trusted means nothing can be done.
      if (err instanceof DavUnreachableError) throw new FatalError(`groupware.${which}.url: ${err.message}`);
      throw err;
    }
  }
}

const oneLine = (err: unknown) => (err as Error).message.split('\n')[0]!;

/** A connection cut, refused or reset (not a certificate, not an answer): worth another try. */
function isConnectionLoss(err: unknown): boolean {
  if (err instanceof DavUnreachableError) return !/certificate is not trusted/.test(err.message);
  // A body cut mid-read: undici's "terminated" / "other side closed".
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  return e?.name === 'TypeError' && (/terminated|fetch failed|other side closed/i.test(e.message ?? '') || /^UND_ERR_SOCKET|ECONNRESET|ECONNREFUSED|EPIPE/.test(e.cause?.code ?? ''));
}

/** Objects of this account the store records as on the destination. */
async function copiedObjects(ctx: PhaseContext, accountId: number): Promise<number> {
  let n = 0;
  for (const c of await ctx.store.groupware.collections(accountId)) n += (await ctx.store.groupware.objects(c.id)).filter((o) => o.state === 'put' || o.state === 'kept').length;
  return n;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Copies contacts and calendars of every account; the mapping and checkpoints live in the store. */
export async function runGroupwareSync(ctx: PhaseContext, opts: { label?: string } = {}): Promise<GroupwareResult> {
  const g = settings(ctx);
  const started = Date.now();
  const gs = ctx.store.groupware;
  const log = ctx.log.child({ phase: 'groupware' });
  const requests = { source: 0, destination: 0, puts: 0 };
  if (ctx.accounts[0]) await probeSides(g, ctx.accounts[0]);
  // Export files are read and checked before anything is written: a bad file is exit 2 naming it.
  const filesSources = new Map<string, FilesSource>();
  if (g.source.kind === 'files') {
    for (const a of ctx.accounts) {
      const fs = new FilesSource(g.source.dir, a.sourceUser, g.include);
      fs.load();
      filesSources.set(a.sourceUser, fs);
    }
  }
  let fatal: unknown;
  const bar = ctx.progress.task(opts.label ?? 'contacts and calendars', ctx.accounts.length, 'accounts');
  const results: GroupwareAccountResult[] = [];
  const q = new PQueue({ concurrency: Math.min(4, Math.max(1, ctx.accounts.length)) });
  for (const account of ctx.accounts) {
    void q.add(async () => {
      if (ctx.signal.aborted) return;
      const accountId = await ctx.store.upsertAccount(account.sourceUser, account.destinationUser);
      await gs.setAccountState(accountId, 'syncing');
      const sessions: DavSession[] = [];
      let res: GroupwareAccountResult | undefined;
      // A lost connection (a cut, a server restarting) is transient: the account is tried again
      // after a back-off, within the config's retry bound; the store makes a retry continue
      // where the last try stopped (objects are addressed by name, so none is copied twice).
      let attempt = 0;
      let since = Date.now();
      let progress = -1;
      const tries: CopyCounts[] = [];
      for (;;) {
        attempt++;
        let lost: unknown;
        const onObjectError = (err: unknown) => (lost ??= isConnectionLoss(err) ? err : undefined);
        try {
          let source: GroupwareSource;
          if (g.source.kind === 'dav') {
            const s = session(g.source, account, 'source');
            sessions.push(s);
            source = new DavSource(s, await homesForSide(s, ctx, accountId, 'source', g), g.include);
          } else {
            source = filesSources.get(account.sourceUser)!;
          }
          let counts: CopyCounts;
          if (g.destination.kind === 'dav') {
            const d = session(g.destination, account, 'destination');
            const dstHomes = await homesForSide(d, ctx, accountId, 'destination', g);
            sessions.push(d);
            tries.push(emptyCounts());
            await copyAccount({ gs, accountId, source, dst: d, dstHomes, log, signal: ctx.signal, onObjectError, counts: tries.at(-1)! });
            counts = countsOverTries(tries);
            requests.puts += d.stats.puts;
          } else {
            counts = await writeFilesAccount({ gs, accountId, source, dir: g.destination.dir, person: account.destinationUser, log, signal: ctx.signal });
          }
          if (lost && !ctx.signal.aborted) throw lost;
          const state = ctx.signal.aborted ? 'interrupted' : counts.failed ? 'incomplete' : 'complete';
          res = { user: account.sourceUser, state, counts, ...(counts.failed ? { error: `${counts.failed} object(s) or collection(s) not copied; see "mailshift groupware verify"` } : {}) };
          if (state !== 'interrupted') await gs.setAccountState(accountId, state, res.error ?? null);
        } catch (err) {
          if (err instanceof InputError) {
            fatal ??= err;
            return;
          }
          if (isConnectionLoss(err) && !ctx.signal.aborted) {
            // Progress (objects now in the store as copied) restarts the count, as for mail.
            const done = await copiedObjects(ctx, accountId);
            if (done > progress) {
              progress = done;
              attempt = 1;
              since = Date.now();
            }
            // `attempt` tries have failed: maxAttempts tries in all, the failure policy's bound.
            const d = boundedBackoff(attempt, Date.now() - since, { ...ctx.config.retry, maxAttempts: ctx.config.retry.maxAttempts - 1 });
            if (d !== undefined) {
              log.info({ user: account.sourceUser, attempt, waitMs: d, err: oneLine(err) }, 'groupware: connection lost, trying the account again');
              await sleep(d, ctx.signal);
              if (!ctx.signal.aborted) continue;
            }
          }
          const msg = oneLine(err);
          res = { user: account.sourceUser, state: 'failed', error: msg, counts: emptyCounts() };
          await gs.setAccountState(accountId, 'failed', msg);
          await ctx.store.addEvent({ phase: 'groupware', accountId, level: 'error', kind: 'groupware.account-failed', message: `${account.sourceUser}: ${msg}` });
          log.warn({ user: account.sourceUser, err: msg }, 'groupware: account failed');
        }
        break;
      }
      if (!res) return;
      if (g.source.kind === 'dav') requests.source += sessions[0]?.stats.requests ?? 0;
      if (g.destination.kind === 'dav') requests.destination += sessions.at(-1)?.stats.requests ?? 0;
      results.push(res);
      bar.increment(1);
    });
  }
  try {
    await q.onIdle();
  } finally {
    bar.stop();
  }
  if (fatal) throw fatal;
  results.sort((a, b) => ctx.accounts.findIndex((x) => x.sourceUser === a.user) - ctx.accounts.findIndex((x) => x.sourceUser === b.user));
  const totals = emptyCounts();
  for (const r of results) for (const k of Object.keys(totals) as (keyof CopyCounts)[]) totals[k] += r.counts[k];
  const complete = !ctx.signal.aborted && results.length === ctx.accounts.length && results.every((r) => r.state === 'complete');
  return { accounts: results, totals, complete, seconds: (Date.now() - started) / 1000, requests };
}

async function homesForSide(s: DavSession, ctx: PhaseContext, accountId: number, which: 'source' | 'destination', g: GroupwareConfig) {
  try {
    return await homesFor(s, ctx.store.groupware, accountId, which, wantedKinds(g.include));
  } catch (err) {
    if (err instanceof DavAuthError) throw new DavAuthError(`${which} ${err.message}`, { side: which, cause: err });
    if (err instanceof NotDavError) throw new InputError(`groupware.${which}.url: ${err.message}`);
    if (err instanceof DavUnreachableError) throw err;
    throw err;
  }
}

export interface GroupwareDeltaResult {
  /** Objects new on the source since the last pass, now on the destination. */
  created: number;
  /** Objects changed on the source, carried over. */
  updated: number;
  /** Destination copies changed by their users: kept (the destination wins). */
  kept: number;
  failed: number;
  complete: boolean;
  errors: string[];
}

/**
 * The dual-run hook: one delta pass for contacts and calendars. New and changed source objects
 * are carried; a destination copy its user edited since our last write wins (If-Match on our
 * ETag). Does nothing without a `groupware:` section.
 */
export async function groupwareDelta(ctx: PhaseContext): Promise<GroupwareDeltaResult | undefined> {
  if (!ctx.config.groupware) return undefined;
  const r = await runGroupwareSync(ctx, { label: 'contacts and calendars delta' });
  return {
    created: r.totals.created,
    updated: r.totals.updated,
    kept: r.totals.kept,
    failed: r.totals.failed,
    complete: r.complete,
    errors: r.accounts.filter((a) => a.error).map((a) => `${a.user}: groupware ${a.state}: ${a.error}`),
  };
}

export interface GroupwareVerifyResult {
  collections: (CollectionVerify & { user: string })[];
  clean: boolean;
  errors: string[];
}

/** Compares every mapped collection on both sides by UID and content (read-only). */
export async function runGroupwareVerify(ctx: PhaseContext): Promise<GroupwareVerifyResult> {
  const g = settings(ctx);
  const gs = ctx.store.groupware;
  const out: GroupwareVerifyResult = { collections: [], clean: true, errors: [] };
  for (const account of ctx.accounts) {
    if (ctx.signal.aborted) break;
    const accountId = await ctx.store.upsertAccount(account.sourceUser, account.destinationUser);
    try {
      let source: GroupwareSource;
      if (g.source.kind === 'dav') {
        const s = session(g.source, account, 'source');
        source = new DavSource(s, await homesForSide(s, ctx, accountId, 'source', g), g.include);
      } else source = new FilesSource(g.source.dir, account.sourceUser, g.include);
      const dst = g.destination.kind === 'dav' ? { kind: 'dav' as const, dav: session(g.destination, account, 'destination') } : { kind: 'files' as const, dir: g.destination.dir, person: account.destinationUser };
      for (const v of await verifyAccount({ gs, accountId, source, dst })) {
        out.collections.push({ ...v, user: account.sourceUser });
        if (v.missing || v.duplicated || v.altered || v.error) out.clean = false;
      }
    } catch (err) {
      if (err instanceof InputError) throw err;
      out.clean = false;
      out.errors.push(`${account.sourceUser}: ${oneLine(err)}`);
    }
  }
  if (ctx.signal.aborted) out.clean = false;
  return out;
}

const EVERYTHING: GroupwareConfig['include'] = ['contacts', 'calendars', 'tasks'];

/** The read-only inventory (`groupware sync --dry-run`): per account what there is and what will not arrive. */
export async function runGroupwareInventory(ctx: PhaseContext): Promise<{ accounts: AccountInventory[]; lines: string[]; errors: string[] }> {
  const g = settings(ctx);
  const out: { accounts: AccountInventory[]; lines: string[]; errors: string[] } = { accounts: [], lines: [], errors: [] };
  if (ctx.accounts[0]) await probeSides(g, ctx.accounts[0]);
  for (const account of ctx.accounts) {
    if (ctx.signal.aborted) break;
    const accountId = await ctx.store.upsertAccount(account.sourceUser, account.destinationUser);
    try {
      let source: GroupwareSource;
      if (g.source.kind === 'dav') {
        const s = session(g.source, account, 'source');
        source = new DavSource(s, await homesForSide(s, ctx, accountId, 'source', { ...g, include: EVERYTHING }), EVERYTHING);
      } else {
        const fs = new FilesSource(g.source.dir, account.sourceUser, EVERYTHING);
        fs.load();
        source = fs;
      }
      let dst: { addressbook: boolean; calendar: boolean } | 'files' = 'files';
      if (g.destination.kind === 'dav') {
        const d = session(g.destination, account, 'destination');
        const has = async (k: 'addressbook' | 'calendar') => d.discoverHome(k).then(() => true, (e: unknown) => (e instanceof DavAuthError ? Promise.reject(new DavAuthError(`destination ${e.message}`, { side: 'destination', cause: e })) : false));
        dst = { addressbook: await has('addressbook'), calendar: await has('calendar') };
      }
      const inv = await inventoryAccount(account.sourceUser, source, g, dst);
      out.accounts.push(inv);
      out.lines.push(...inventoryLines(inv));
    } catch (err) {
      if (err instanceof InputError) throw err;
      out.errors.push(`${account.sourceUser}: ${oneLine(err)}`);
    }
  }
  return out;
}
