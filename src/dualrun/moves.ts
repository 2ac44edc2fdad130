import type { ExpungeEvent, ImapFlow, MailboxObject } from 'imapflow';
import type { Account, JobConfig } from '../config/types.js';
import type { DeletesMode } from '../config/dualrun-schema.js';
import { withRetry } from '../copier/retry.js';
import type { Session } from '../copier/session.js';
import { withPair } from '../copier/session-pools.js';
import { identityOf, matchMultiset, type Candidate } from '../copier/identity.js';
import { classifyImapError } from '../imap/errors.js';
import { listFolders, type ListedFolders } from '../imap/folders.js';
import type { Logger } from '../logger.js';
import { planFolderMapping } from '../mapping/plan.js';
import type { ActionRow, LiveRow } from '../store/dualrun-actions-store.js';
import type { FlagWatermark } from '../store/dualrun-store.js';
import type { CopyCheckpoints, DualRunActions } from '../store/contract/index.js';
import type { AsyncOf, AsyncJobStore } from '../store/contract/async.js';
import type { FolderPairRow } from '../store/sync-store.js';
import { findByIdentity, flagsOf, moveMethod, moveOne, openOrCreate, removeOne } from './dest-ops.js';
import { toUidSet } from '../imap/uidset.js';
import { faultPoint } from './fault.js';
import { normFlags, sameFlags } from './flags.js';
import type { PassSessions } from './pass-sessions.js';

export interface MoveStepResult {
  user: string;
  /** Messages moved on the destination because they moved between folders on the source. */
  moved: number;
  /** Copied messages newly seen expunged on the source. */
  expunged: number;
  /** Source expunges carried to the destination (to Trash or expunged), by dualRun.deletes. */
  deletesApplied: number;
  /** Source expunges not carried because the user changed the copy on the destination. */
  deletesDeclined: number;
  errors: string[];
  /** False when the step did not finish: the sync skips this account for this pass. */
  ok: boolean;
  /** Folders whose expunges were read as QRESYNC VANISHED (no UID list fetched). */
  qresyncFolders: number;
  /** Folders whose expunges needed a UID diff (UID SEARCH ALL against the store). */
  uidDiffFolders: number;
}

export interface MoveDeps {
  config: JobConfig;
  store: AsyncJobStore;
  log: Logger;
  signal: AbortSignal;
  deletes: DeletesMode;
  /** The pass's pooled sessions (the probe's, when it ran for this account) and its retry rule. */
  sessions: PassSessions;
}

interface Arrival {
  path: string;
  pair?: FolderPairRow;
  uidValidity: string;
  uid: number;
  messageId: string | null;
  headerHash: string;
  internalDate: Date | undefined;
  size: number;
}

const lastWritten = (r: LiveRow) => {
  const drop = new Set(r.droppedFlags.map((f) => f.toLowerCase()));
  return normFlags(r.flags).filter((f) => !drop.has(f.toLowerCase()));
};

/**
 * The move-and-delete step of one account, run before the pass's sync so that a message moved
 * between source folders is moved on the destination instead of being copied a second time.
 * Cheap when nothing changed: one LIST-STATUS, and per folder whose counts changed one EXAMINE
 * and one UID SEARCH (the UID diff); headers are fetched only for new UIDs, and only when some
 * copied message vanished somewhere in the account.
 */
export async function movePassAccount(deps: MoveDeps, a: Account): Promise<MoveStepResult> {
  const out: MoveStepResult = { user: a.sourceUser, moved: 0, expunged: 0, deletesApplied: 0, deletesDeclined: 0, errors: [], ok: true, qresyncFolders: 0, uidDiffFolders: 0 };
  const accountId = (await deps.store.accounts()).find((x) => x.sourceUser === a.sourceUser)?.id;
  if (accountId === undefined) return out;
  const log = deps.log.child({ account: a.sourceUser, step: 'moves' });
  const sync = deps.store.sync;
  const acts = deps.store.dualRunActions;
  const dual = deps.store.dualRun;
  const event = (level: 'info' | 'warn' | 'error', kind: string, message: string, data?: unknown) =>
    deps.store.addEvent({ phase: 'dual-run', accountId, level, kind, message: `${a.sourceUser}: ${message}`, data });
  // One try on a pair of the pass's sessions: a transient failure gives them back broken and the
  // failure policy retries on fresh ones; each try starts by settling what the last one left open.
  const attempt = async (src: Session, dstSession: Session): Promise<void> => {
    const dst = () => dstSession.get();
    out.errors.length = 0;
    out.qresyncFolders = out.uidDiffFolders = 0;
    // Read per try: an earlier try may have paired a folder the sync had not seen.
    const allPairs = await sync.folderPairs(accountId, 'forward');
    const pairs = allPairs.filter((p) => p.state === 'active' && p.srcUidvalidity !== null);
    // 1. Actions left in flight by an earlier pass that was killed: settled before anything else.
    for (const act of await acts.open(allPairs.map((p) => p.id))) await reconcile(await dst(), acts, act, log);

    // 2. What vanished, and what is new, per folder (UID diff; only folders whose counts moved).
    const listed = await listFolders(await src.get());
    const status = new Map(listed.folders.map((f) => [f.path, f]));
    const vanished: LiveRow[] = [];
    const newUids = new Map<string, { pair?: FolderPairRow; uidValidity: string; uids: number[] }>();
    const c = await src.get();
    for (const fp of pairs) {
      if (deps.signal.aborted) return void (out.ok = false);
      const uv = fp.srcUidvalidity!;
      const f = status.get(fp.sourcePath);
      if (!f?.status) {
        // The folder is gone from the source (deleted or renamed): all its messages vanished.
        vanished.push(...await acts.liveRows(fp.id, uv));
        continue;
      }
      if (String(f.status.uidValidity) !== uv) continue; // the sync re-identifies that folder
      if (f.status.messages === await dual.expectedOnSource(fp.id, uv) && f.status.uidNext === fp.srcUidnext) continue;
      const pendingUids = new Set((await acts.pendingRows(fp.id)).filter((r) => r.srcUidvalidity === uv).map((r) => r.srcUid));
      const q = await openWithVanished(c, fp.sourcePath, uv, await dual.watermark(fp.id));
      const mb = q.mailbox;
      let fresh: number[];
      if (q.vanished) {
        // QRESYNC: what was expunged since the last flag pass came with the EXAMINE; only UIDs
        // above what the sync listed (and those it still has pending) are asked for.
        out.qresyncFolders++;
        const gone = q.vanished;
        vanished.push(...(await acts.liveRows(fp.id, uv)).filter((r) => r.srcUid < mb.uidNext && gone.has(r.srcUid)));
        const above = mb.exists > 0 && mb.uidNext > fp.srcListedUid + 1 ? ((await c.search({ uid: `${fp.srcListedUid + 1}:*` }, { uid: true })) || []) : [];
        const pend = mb.exists > 0 && pendingUids.size ? ((await c.search({ uid: toUidSet([...pendingUids]) }, { uid: true })) || []) : [];
        fresh = [...new Set([...above.filter((u) => u > fp.srcListedUid), ...pend])];
      } else {
        out.uidDiffFolders++;
        const present = new Set(mb.exists > 0 ? ((await c.search({ all: true }, { uid: true })) || []) : []);
        vanished.push(...(await acts.liveRows(fp.id, uv)).filter((r) => r.srcUid < mb.uidNext && !present.has(r.srcUid)));
        fresh = [...present].filter((u) => u > fp.srcListedUid || pendingUids.has(u));
      }
      if (fresh.length) newUids.set(fp.sourcePath, { pair: fp, uidValidity: uv, uids: fresh });
    }

    if (vanished.length) {
      // Folders the sync has not listed yet (created during dual-run, or paired by an earlier
      // move step that was killed before its sync ran) can only hold arrivals.
      const listedBySync = new Set(pairs.map((p) => p.sourcePath));
      for (const f of listed.folders) {
        if (listedBySync.has(f.path) || !f.selectable || !f.status?.messages) continue;
        const pending = allPairs.find((p) => p.sourcePath === f.path && p.srcUidvalidity === null);
        if (!pending && allPairs.some((p) => p.sourcePath === f.path)) continue;
        const mb = await c.mailboxOpen(f.path, { readOnly: true });
        const uids = mb.exists > 0 ? ((await c.search({ all: true }, { uid: true })) || []) : [];
        if (uids.length) newUids.set(f.path, { ...(pending?.state === 'active' ? { pair: pending } : {}), uidValidity: String(mb.uidValidity), uids });
      }
      // 3. Identities of the arrivals (headers only) matched with what vanished.
      const arrivals: Arrival[] = [];
      for (const [path, n] of newUids) {
        await c.mailboxOpen(path, { readOnly: true });
        for await (const m of c.fetch(n.uids.join(','), { uid: true, internalDate: true, size: true, headers: true }, { uid: true })) {
          const id = identityOf(m.headers ?? Buffer.alloc(0));
          const d = m.internalDate === undefined ? undefined : new Date(m.internalDate);
          arrivals.push({ path, ...(n.pair ? { pair: n.pair } : {}), uidValidity: n.uidValidity, uid: m.uid, messageId: id.messageId ?? null, headerHash: id.headerHash, internalDate: d, size: m.size ?? 0 });
        }
      }
      const wanted: Candidate<LiveRow>[] = vanished.map((r) => ({ messageId: r.messageId, internalDate: r.internalDate, headerHash: r.headerHash, size: r.size, item: r }));
      const found: Candidate<Arrival>[] = arrivals.map((x) => ({ messageId: x.messageId, internalDate: x.internalDate, headerHash: x.headerHash, size: x.size, item: x }));
      const { pairs: moves, unmatched } = matchMultiset(wanted, found);

      let dstListed: ListedFolders | undefined;
      const expunged: LiveRow[] = [...unmatched];
      let movedNow = 0;
      for (const [row, arr] of moves) {
        if (deps.signal.aborted) return void (out.ok = false);
        let to = arr.pair;
        if (!to) {
          dstListed ??= await listFolders(await dst());
          to = await pairFor(sync, accountId, deps.config, listed, dstListed, arr.path);
        }
        if (!to) {
          // Moved into a folder that is not copied (excluded): gone, as far as the destination goes.
          expunged.push(row);
          continue;
        }
        const from = allPairs.find((p) => p.id === row.folderPairId)!;
        const r = await applyMove(await dst(), acts, row, from, to, arr, log);
        if (r === 'moved') {
          out.moved++;
          movedNow++;
        }
        else if (r === 'missing') {
          // The copy is gone from the destination: the sync copies the message in its new place.
          await dual.markSourceDeleted(row.folderPairId, [row.id]);
          await event('warn', 'dualrun-move-missing', `${from.destinationPath}: the copy of a message moved to ${arr.path} is no longer on the destination; copying it again there`);
        } else out.errors.push(`${a.sourceUser}: ${r}`);
      }
      if (movedNow) await event('info', 'dualrun-moved', `${movedNow} message(s) moved between folders on the source; moved the same way on the destination`);
      const byPair = new Map<number, number[]>();
      for (const r of expunged) byPair.set(r.folderPairId, [...(byPair.get(r.folderPairId) ?? []), r.id]);
      for (const [fpId, ids] of byPair) await dual.markSourceDeleted(fpId, ids);
      out.expunged += expunged.length;
      if (expunged.length) {
        await event('info', 'dualrun-source-expunged', `${expunged.length} message(s) expunged on the source (${deps.deletes === 'keep' ? 'their copies stay on the destination' : `dualRun.deletes: ${deps.deletes}`})`, {
          srcUids: expunged.slice(0, 100).map((r) => r.srcUid),
        });
      }
    }

    // 4. Source expunges carried to the destination, when asked for by name.
    if (deps.deletes !== 'keep' && !deps.signal.aborted) {
      const rows = await acts.deletedWithoutAction(pairs.map((p) => p.id));
      if (rows.length) {
        const d = await dst();
        const dl = await listFolders(d);
        const trash = dl.folders.find((f) => f.specialUse === '\\Trash')?.path;
        const r = await applyDeletes(d, acts, rows, allPairs, deps.deletes, trash, log);
        out.deletesApplied += r.applied;
        out.deletesDeclined += r.declined;
        out.errors.push(...r.errors.map((e) => `${a.sourceUser}: ${e}`));
        if (r.applied) await event('info', 'dualrun-deletes-applied', `${r.applied} source expunge(s) carried to the destination (${deps.deletes === 'trash' ? 'moved to Trash' : 'expunged'})`);
        if (r.declined) await event('info', 'dualrun-deletes-declined', `${r.declined} source expunge(s) not carried: the copy was changed on the destination or is not there`);
      }
    }
  };
  try {
    await withRetry({ ...deps.sessions.retry, log }, () => withPair(deps.sessions.pools, a, deps.signal, attempt));
  } catch (err) {
    const f = classifyImapError(err);
    out.ok = false;
    out.errors.push(`${a.sourceUser}: moves: ${f.message}`);
    log.warn({ err: f.message }, 'move step failed');
  }
  if (out.errors.length) out.ok = false;
  return out;
}

/** The folder pair of a source folder the sync has not paired yet, recorded as the sync would. */
async function pairFor(sync: AsyncOf<CopyCheckpoints>, accountId: number, config: JobConfig, src: ListedFolders, dst: ListedFolders, path: string): Promise<FolderPairRow | undefined> {
  const m = planFolderMapping(src, dst, config.folders, { destinationPreset: config.destination.preset }).find((x) => x.source.path === path);
  if (!m || m.action !== 'copy') return undefined;
  const id = await sync.upsertFolderPair({
    accountId,
    direction: 'forward',
    sourcePath: m.source.path,
    destinationPath: m.destinationPath,
    sourceLogical: m.source.logicalPath,
    destinationLogical: m.destinationLogicalPath,
    ...(m.specialUse ? { specialUse: m.specialUse } : {}),
    state: 'active',
    notes: m.notes,
  });
  return await sync.folderPair(id);
}

async function applyMove(d: ImapFlow, acts: AsyncOf<DualRunActions>, row: LiveRow, from: FolderPairRow, to: FolderPairRow, arr: Arrival, log: Logger): Promise<'moved' | 'missing' | string> {
  if (row.dstUid === null || row.dstUidvalidity === null) return 'missing';
  const target = await openOrCreate(d, to.destinationPath);
  const fmb = await d.mailboxOpen(from.destinationPath);
  if (String(fmb.uidValidity) !== row.dstUidvalidity) return `${from.destinationPath}: destination UIDVALIDITY changed; the move waits for the sync to re-find the copy`;
  if (!(await flagsOf(d, [row.dstUid])).has(row.dstUid)) return 'missing';
  const method = moveMethod(d);
  const action: Omit<ActionRow, 'id' | 'state' | 'toDstUid' | 'note'> = {
    kind: 'move',
    messageRowId: row.id,
    fromPairId: from.id,
    fromDstPath: from.destinationPath,
    fromDstUidvalidity: row.dstUidvalidity,
    fromDstUid: row.dstUid,
    toPairId: to.id,
    toSrcUidvalidity: arr.uidValidity,
    toSrcUid: arr.uid,
    toDstPath: to.destinationPath,
    toDstUidvalidity: target.uidValidity,
    toDstUidnext: target.uidNext,
    method,
  };
  const id = await acts.begin(action);
  await acts.durable();
  faultPoint('dualrun-before-move');
  const r = await moveOne(d, row.dstUid, to.destinationPath, method);
  faultPoint('dualrun-after-move');
  if (r === false) {
    await acts.close(id, 'abandoned', 'the destination refused the move');
    return `${from.destinationPath}: the destination refused to move UID ${row.dstUid} to ${to.destinationPath}`;
  }
  let newUid = r;
  if (newUid === undefined) {
    await d.mailboxOpen(to.destinationPath);
    newUid = await findByIdentity(d, target.uidNext, row);
  }
  await acts.finishMove(id, { ...action, id, state: 'intent', toDstUid: null, note: null }, newUid ?? null, method);
  log.info({ from: from.destinationPath, to: to.destinationPath, uid: row.dstUid, newUid, method }, 'moved on the destination');
  return 'moved';
}

/** Settles an action a killed pass left as an intent: finished when it reached the server, else dropped (and redone by this pass). */
async function reconcile(d: ImapFlow, acts: AsyncOf<DualRunActions>, act: ActionRow, log: Logger): Promise<void> {
  const row = await acts.row(act.messageRowId);
  if (!row) return acts.close(act.id, 'abandoned', 'message row gone');
  let oldThere = false;
  let oldDeleted = false;
  try {
    const mb = await d.mailboxOpen(act.fromDstPath);
    if (String(mb.uidValidity) === act.fromDstUidvalidity) {
      const f = (await flagsOf(d, [act.fromDstUid])).get(act.fromDstUid);
      oldThere = f !== undefined;
      oldDeleted = !!f?.some((x) => x.toLowerCase() === '\\deleted') && !row.flags.some((x) => x.toLowerCase() === '\\deleted');
    }
  } catch {
    oldThere = false;
  }
  if (act.kind === 'expunge') {
    if (oldThere && !oldDeleted) await removeOne(d, act.fromDstUid);
    await acts.finishDeletion(act.id, 'expunge', null);
    return;
  }
  let found: number | undefined;
  if (act.toDstPath && act.toDstUidnext !== null) {
    const mb = await d.mailboxOpen(act.toDstPath);
    if (String(mb.uidValidity) === act.toDstUidvalidity) found = await findByIdentity(d, act.toDstUidnext, row);
  }
  if (found === undefined) {
    // Never reached the server: dropped here, and the step below finds the change again.
    await acts.close(act.id, 'abandoned', oldThere ? 'not applied before the interruption; done again' : 'copy not found on the destination');
    log.info({ action: act.id, kind: act.kind }, 'an interrupted destination action had not reached the server');
    return;
  }
  // It did reach the server: finish what the method still had to do on the old copy.
  if (oldThere && !oldDeleted && act.method !== 'move') {
    await d.mailboxOpen(act.fromDstPath);
    await removeOne(d, act.fromDstUid, act.method === 'copy-expunge');
  }
  if (act.kind === 'move') await acts.finishMove(act.id, act, found, act.method ?? 'move');
  else await acts.finishDeletion(act.id, act.method ?? 'move', found);
  log.info({ action: act.id, kind: act.kind, newUid: found }, 'an interrupted destination action was found applied; recorded');
}

async function applyDeletes(
  d: ImapFlow,
  acts: AsyncOf<DualRunActions>,
  rows: LiveRow[],
  pairs: FolderPairRow[],
  mode: 'trash' | 'propagate',
  trash: string | undefined,
  log: Logger,
): Promise<{ applied: number; declined: number; errors: string[] }> {
  const res = { applied: 0, declined: 0, errors: [] as string[] };
  const byPair = new Map<number, LiveRow[]>();
  for (const r of rows) byPair.set(r.folderPairId, [...(byPair.get(r.folderPairId) ?? []), r]);
  for (const [fpId, list] of byPair) {
    const fp = pairs.find((p) => p.id === fpId)!;
    const base = (r: LiveRow) => ({ kind: (mode === 'trash' ? 'trash' : 'expunge') as 'trash' | 'expunge', messageRowId: r.id, fromPairId: fpId, fromDstPath: fp.destinationPath, fromDstUidvalidity: r.dstUidvalidity ?? '', fromDstUid: r.dstUid ?? 0 });
    let mb;
    try {
      mb = await d.mailboxOpen(fp.destinationPath);
    } catch (err) {
      res.errors.push(`${fp.destinationPath}: ${classifyImapError(err).message}`);
      continue;
    }
    const current = await flagsOf(d, list.filter((r) => r.dstUidvalidity === String(mb.uidValidity)).map((r) => r.dstUid!));
    for (const r of list) {
      const now = r.dstUidvalidity === String(mb.uidValidity) ? current.get(r.dstUid!) : undefined;
      // Only what mailshift copied and the user has not touched there since.
      const why =
        now === undefined ? 'not on the destination' : await acts.keptRow(r.id) || !sameFlags(now, lastWritten(r)) ? 'changed on the destination since mailshift copied it' : mode === 'trash' && !trash ? 'the destination has no Trash folder' : mode === 'trash' && fp.destinationPath === trash ? 'already in Trash' : undefined;
      if (why) {
        await acts.decline(base(r), why);
        res.declined++;
        continue;
      }
      if (mode === 'propagate') {
        const id = await acts.begin({ ...base(r), toPairId: null, toSrcUidvalidity: null, toSrcUid: null, toDstPath: null, toDstUidvalidity: null, toDstUidnext: null, method: 'expunge' });
        await acts.durable();
        const how = await removeOne(d, r.dstUid!);
        await acts.finishDeletion(id, how, null);
        res.applied++;
        continue;
      }
      const t = await openOrCreate(d, trash!);
      await d.mailboxOpen(fp.destinationPath);
      const method = moveMethod(d);
      const id = await acts.begin({ ...base(r), toPairId: null, toSrcUidvalidity: null, toSrcUid: null, toDstPath: trash!, toDstUidvalidity: t.uidValidity, toDstUidnext: t.uidNext, method });
      await acts.durable();
      const moved = await moveOne(d, r.dstUid!, trash!, method);
      if (moved === false) {
        await acts.close(id, 'abandoned', 'the destination refused the move to Trash');
        res.errors.push(`${fp.destinationPath}: the destination refused to move UID ${r.dstUid} to ${trash}`);
        continue;
      }
      await acts.finishDeletion(id, method, moved ?? null);
      res.applied++;
    }
  }
  log.info({ mode, applied: res.applied, declined: res.declined }, 'source expunges carried to the destination');
  return res;
}

/**
 * EXAMINEs a source folder. With QRESYNC enabled and a mod-sequence from the last flag pass of
 * the same UIDVALIDITY, the server reports the UIDs expunged since then (VANISHED (EARLIER)),
 * so no UID list is needed; `vanished` is undefined when that was not possible.
 */
async function openWithVanished(c: ImapFlow, path: string, uidValidity: string, w: FlagWatermark | undefined): Promise<{ mailbox: MailboxObject; vanished?: Set<number> }> {
  const usable = c.enabled.has('QRESYNC') && w !== undefined && w.srcUidvalidity === uidValidity && w.flagsModseq !== null && /^\d+$/.test(w.flagsModseq);
  if (!usable) return { mailbox: await c.mailboxOpen(path, { readOnly: true }) };
  // VANISHED comes only with a real SELECT/EXAMINE: leave the folder first if it is open.
  if (c.mailbox && c.mailbox.path === path) await c.mailboxClose();
  const gone = new Set<number>();
  const onExpunge = (e: ExpungeEvent) => {
    if (e.vanished && e.uid !== undefined && e.path === path) gone.add(e.uid);
  };
  c.on('expunge', onExpunge);
  let mailbox: MailboxObject;
  try {
    mailbox = await c.mailboxOpen(path, { readOnly: true, changedSince: w.flagsModseq!, uidValidity });
  } finally {
    c.off('expunge', onExpunge);
  }
  // The server applies QRESYNC only for the same UIDVALIDITY and a folder with mod-sequences.
  if (String(mailbox.uidValidity) !== uidValidity || mailbox.noModseq || mailbox.highestModseq === undefined) return { mailbox };
  return { mailbox, vanished: gone };
}
