// One account, both sides: login, capabilities, folder list, inventory, quota, and the mapping
// preview from the very function sync uses. Nothing here writes to a server.
import { passwordCredentials } from '../auth/provider.js';
import { signInLabel } from '../auth/label.js';
import type { Credentials } from '../auth/types.js';
import type { ImapFlow } from 'imapflow';
import type { Account, JobConfig, ServerConfig, Side } from '../config/types.js';
import { closeImap } from '../imap/connect.js';
import { listFolders, type ListedFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import { planFolderMapping } from '../mapping/plan.js';
import { capabilityReport } from './capabilities.js';
import { inventoryFolder, SizeTally } from './inventory.js';
import type { SessionPool } from '../copier/pool.js';
import { loginFailure, openReadOnly, type ReadOnlySession } from './session.js';
import type { AccountReport, CapabilityReport, Failure, MappingRow, QuotaInfo, SideReport } from './types.js';

export interface AccountContext {
  config: JobConfig;
  log?: Logger;
  signal?: AbortSignal;
  /** Server-level failures from the probe: the side is not logged in to again. */
  serverFailure: { source?: Failure; destination?: Failure };
  /** What sessions send to log in (passwords from the CSV when absent). */
  credentials?: Credentials;
  /** Capabilities seen so far (first successful login per side sets them). */
  capabilities: { source?: CapabilityReport; destination?: CapabilityReport };
  /** The run's read-only session pools (shared by every account); without them each side opens its own session. */
  sessions?: { source: SessionPool<ReadOnlySession>; destination: SessionPool<ReadOnlySession> };
  /** Called after each folder, for progress. */
  onFolder?: (side: Side, done: number, total: number) => void;
}

export interface AccountResult {
  report: AccountReport;
  /** Source folders with mail, largest first (for the throughput probe). */
  probeFolders: { path: string; messages: number }[];
}

/** The limit the over-size check uses: the smaller of APPENDLIMIT and the configured/preset limit. */
export function destinationLimit(config: JobConfig, caps?: CapabilityReport): { bytes: number; from: string } | undefined {
  const c: { bytes: number; from: string }[] = [];
  if (caps?.appendLimit) c.push({ bytes: caps.appendLimit, from: 'the server announces APPENDLIMIT' });
  if (config.destination.maxMessageBytes) c.push({ bytes: config.destination.maxMessageBytes, from: `destination.maxMessageBytes / the ${config.destination.preset} preset` });
  return c.sort((a, b) => a.bytes - b.bytes)[0];
}

function emptySide(side: Side, user: string): SideReport {
  return { side, user, login: { ok: false }, folders: [], totals: { folders: 0, messages: 0, bytes: 0 }, histogram: [], largest: [] };
}

export async function assessAccount(account: Account, ctx: AccountContext): Promise<AccountResult> {
  const { config } = ctx;
  const report: AccountReport = {
    sourceUser: account.sourceUser,
    destinationUser: account.destinationUser,
    source: emptySide('source', account.sourceUser),
    destination: emptySide('destination', account.destinationUser),
    mapping: [],
    assessed: false,
  };
  // Destination first: its APPENDLIMIT decides which source messages are over-size.
  const dst = await assessSide('destination', config.destination, account, ctx, undefined);
  report.destination = dst.report;
  const limit = destinationLimit(config, dst.caps ?? ctx.capabilities.destination);
  const src = await assessSide('source', config.source, account, ctx, limit?.bytes);
  report.source = src.report;
  if (src.listed && dst.listed) {
    try {
      const plan = planFolderMapping(src.listed, dst.listed, config.folders, { destinationPreset: config.destination.preset });
      report.mapping = plan.map((m): MappingRow => {
        const inv = report.source.folders.find((f) => f.path === m.source.path);
        return {
          sourcePath: m.source.path,
          sourceLogicalPath: m.source.logicalPath,
          destinationPath: m.destinationPath,
          destinationLogicalPath: m.destinationLogicalPath,
          action: m.action,
          specialUse: m.specialUse,
          existsOnDestination: m.existsOnDestination,
          ...(m.collision ? { collision: m.collision } : {}),
          notes: m.notes,
          messages: inv?.messages ?? 0,
          bytes: inv?.bytes ?? 0,
        };
      });
    } catch (err) {
      report.mappingError = (err as Error).message;
    }
  }
  report.assessed = report.source.login.ok && report.destination.login.ok;
  // Excluded folders are not copied, so they do not count for the estimate's probe.
  const excluded = new Set(report.mapping.filter((m) => m.action === 'exclude').map((m) => m.sourcePath));
  const probeFolders = report.source.folders
    .filter((f) => f.messages > 0 && !f.error && !excluded.has(f.path))
    .sort((a, b) => b.messages - a.messages)
    .map((f) => ({ path: f.path, messages: f.messages }));
  return { report, probeFolders };
}

async function assessSide(
  side: Side,
  server: ServerConfig,
  account: Account,
  ctx: AccountContext,
  oversizeLimit: number | undefined,
): Promise<{ report: SideReport; listed?: ListedFolders; caps?: CapabilityReport }> {
  const user = side === 'source' ? account.sourceUser : account.destinationUser;
  const report = emptySide(side, user);
  const serverFailure = ctx.serverFailure[side];
  if (serverFailure) {
    report.login = { ok: false, failure: serverFailure };
    return { report };
  }
  let client: ImapFlow | undefined;
  const t0 = Date.now();
  const pool = ctx.sessions?.[side];
  const lease = pool ? await pool.acquire(account) : undefined;
  // Given back when this side is read; a session that dropped is closed, not kept idle.
  const done = async () => {
    if (lease) pool!.release(lease, { broken: !client?.usable });
    else await closeImap(client);
  };
  try {
    client = lease ? await lease.session.get() : await openReadOnly(server, { account, credentials: ctx.credentials ?? passwordCredentials }, side, ctx.log);
  } catch (err) {
    await done();
    report.login = { ok: false, failure: loginFailure(err, server, side, user) };
    return { report };
  }
  report.login = { ok: true, ms: Date.now() - t0, how: signInLabel(server) };
  try {
    const caps = capabilityReport(side, client);
    ctx.capabilities[side] ??= caps;
    const listed = await listFolders(client);
    const tally = new SizeTally(10, oversizeLimit);
    let done = 0;
    const total = listed.folders.length;
    for (const f of listed.folders) {
      if (ctx.signal?.aborted) break;
      try {
        report.folders.push(await inventoryFolder(client, f, { statusSize: caps.statusSize, tally }));
      } catch (err) {
        const e = err as { responseText?: string; message: string };
        report.folders.push({
          path: f.path,
          logicalPath: f.logicalPath,
          specialUse: f.specialUse,
          selectable: f.selectable,
          messages: f.status?.messages ?? 0,
          bytes: 0,
          sizeSource: 'none',
          largest: [],
          error: (e.responseText ?? e.message).slice(0, 200),
        });
        if (!client.usable) break;
      }
      ctx.onFolder?.(side, ++done, total);
    }
    const dates = report.folders.flatMap((f) => [f.oldest, f.newest]).filter((d): d is string => !!d).sort();
    report.totals = {
      folders: report.folders.length,
      messages: report.folders.reduce((s, f) => s + f.messages, 0),
      bytes: report.folders.reduce((s, f) => s + f.bytes, 0),
      oldest: dates[0],
      newest: dates.at(-1),
    };
    report.histogram = tally.histogram;
    report.largest = tally.largest;
    if (side === 'source' && oversizeLimit !== undefined) report.oversize = tally.oversize;
    if (side === 'destination' && caps.checked.QUOTA) report.quota = await readQuota(client);
    if (!client.usable && report.folders.some((f) => f.error)) report.error = 'the connection was lost while reading folders';
    return { report, listed, caps };
  } catch (err) {
    // Listing broke off after a good login: keep what was read, say what happened.
    const e = err as { responseText?: string; message: string };
    report.error = (e.responseText ?? e.message).slice(0, 200);
    return { report };
  } finally {
    await done();
  }
}

/** GETQUOTAROOT INBOX: the storage (bytes) and message limits of the mailbox's quota root. */
async function readQuota(client: ImapFlow): Promise<QuotaInfo | undefined> {
  try {
    const q = await client.getQuota('INBOX');
    if (!q) return undefined;
    return {
      root: q.quotaRoot,
      // imapflow reports STORAGE in bytes (it multiplies the wire's KiB by 1024).
      storageUsed: q.storage?.usage,
      storageLimit: q.storage?.limit,
      messagesUsed: q.message?.usage,
      messagesLimit: q.message?.limit,
    };
  } catch {
    return undefined;
  }
}
