import type { ImapFlow } from 'imapflow';
import type { FolderInfo } from '../imap/folders.js';
import { toUidSet } from '../imap/uidset.js';
import type { Logger } from '../logger.js';
import type { CopiedRow } from '../store/dualrun-store.js';
import type { FolderPairRow } from '../store/sync-store.js';
import { refusedOrLost } from './dest-ops.js';
import { decideFlags, normFlags, sameFlags } from './flags.js';
import type { DualRunState } from '../store/contract/index.js';
import type { AsyncOf } from '../store/contract/async.js';

export interface FlagEnv {
  account: string;
  dual: AsyncOf<DualRunState>;
  log: Logger;
  event(level: 'info' | 'warn' | 'error', kind: string, message: string, data?: unknown): void;
}

export interface FolderFlagResult {
  /** Destination copies whose flags were brought to the source's. */
  applied: number;
  /** Destination copies the user changed (or deleted): left as they are. */
  kept: number;
  /** Copied messages newly seen deleted on the source (their copies stay). */
  deleted: number;
  /** How the source was read: 'skipped' (STATUS showed no change), 'changedsince' or 'full'. */
  mode: 'skipped' | 'changedsince' | 'full' | 'not-listed';
  errors: string[];
}

const empty = (mode: FolderFlagResult['mode']): FolderFlagResult => ({ applied: 0, kept: 0, deleted: 0, mode, errors: [] });

/**
 * The flag step of one folder pair. Reads the source with EXAMINE (never a write): with
 * CONDSTORE only the messages changed since the last pass, otherwise every UID's FLAGS (no
 * bodies). Source changes go to the destination copy unless the user changed that copy since
 * mailshift last wrote it: then the destination wins. Nothing is deleted anywhere.
 *
 * @param dst opens (once) the destination session; only called when something may be written
 * @param status the source folder's LIST-STATUS of this pass, used to skip unchanged folders
 */
export async function flagPassFolder(env: FlagEnv, src: ImapFlow, dst: () => Promise<ImapFlow>, fp: FolderPairRow, status?: FolderInfo['status']): Promise<FolderFlagResult> {
  const uv = fp.srcUidvalidity;
  if (uv === null) return empty('not-listed');
  const w = await env.dual.watermark(fp.id);
  const known = w !== undefined && w.srcUidvalidity === uv;
  if (
    known &&
    status &&
    String(status.uidValidity) === uv &&
    status.highestModseq !== undefined &&
    w.flagsModseq === String(status.highestModseq) &&
    w.srcExists === status.messages &&
    w.srcUidnext === status.uidNext
  ) {
    return empty('skipped');
  }

  const mb = await src.mailboxOpen(fp.sourcePath, { readOnly: true });
  // A new UIDVALIDITY is the sync's job (re-identification); flags wait for the next pass.
  if (String(mb.uidValidity) !== uv) return empty('not-listed');
  const condstore = src.enabled.has('CONDSTORE') && !mb.noModseq && mb.highestModseq !== undefined;
  // Read before the fetch: a change made while we fetch is seen again next pass, never lost.
  const modseqBefore = condstore ? BigInt(mb.highestModseq!) : undefined;
  const incremental = condstore && known && w.flagsModseq !== null;
  const result = empty(incremental ? 'changedsince' : 'full');

  const changed: { uid: number; flags: string[] }[] = [];
  let present: Set<number> | undefined = incremental ? undefined : new Set();
  if (mb.exists > 0) {
    const opts = incremental ? { uid: true, changedSince: BigInt(w.flagsModseq!) } : { uid: true };
    for await (const m of src.fetch('1:*', { uid: true, flags: true }, opts)) {
      changed.push({ uid: m.uid, flags: normFlags(m.flags ?? []) });
      present?.add(m.uid);
    }
  }

  // Deletions: a full fetch lists every UID; otherwise search UIDs only when the counts say
  // something may have gone (new mail since the sync listed also triggers it, harmlessly).
  if (!present && (mb.exists !== await env.dual.expectedOnSource(fp.id, uv) || mb.uidNext !== fp.srcUidnext)) {
    const uids = mb.exists > 0 ? await src.search({ all: true }, { uid: true }) : [];
    if (uids) present = new Set(uids);
  }
  if (present) {
    const gone = (await env.dual.liveCopiedUids(fp.id, uv)).filter((r) => r.srcUid < mb.uidNext && !present!.has(r.srcUid));
    if (gone.length) {
      await env.dual.markSourceDeleted(fp.id, gone.map((r) => r.id));
      result.deleted = gone.length;
      env.event('info', 'dualrun-source-deleted', `${fp.sourcePath}: ${gone.length} message(s) deleted on the source; their copies stay on the destination`, {
        folder: fp.sourcePath,
        srcUids: gone.slice(0, 100).map((r) => r.srcUid),
      });
    }
  }

  const candidates: { row: CopiedRow; flags: string[] }[] = [];
  for (const c of changed) {
    const row = await env.dual.copiedRow(fp.id, uv, c.uid);
    if (!row || row.dstUid === null || sameFlags(row.flags, c.flags)) continue;
    // Already reported as a kept destination change for these very source flags.
    if (await env.dual.keptSourceFlags(row.id) === JSON.stringify(c.flags)) continue;
    candidates.push({ row, flags: c.flags });
  }
  if (candidates.length) await applyToDestination(env, await dst(), fp, candidates, result);

  // Advance the watermark only when everything was applied, so a failure is retried next pass.
  if (!result.errors.length) await env.dual.setWatermark(fp.id, { uidValidity: BigInt(uv), modseq: modseqBefore, exists: mb.exists, uidNext: mb.uidNext });
  return result;
}

async function applyToDestination(env: FlagEnv, dst: ImapFlow, fp: FolderPairRow, candidates: { row: CopiedRow; flags: string[] }[], result: FolderFlagResult): Promise<void> {
  // Read-write SELECT: STORE needs it, and PERMANENTFLAGS are only real there.
  const mb = await dst.mailboxOpen(fp.destinationPath);
  const duv = String(mb.uidValidity);
  const usable = candidates.filter((c) => c.row.dstUidvalidity === duv);
  if (usable.length < candidates.length) {
    // The destination folder was re-created; the sync re-finds the copies first.
    env.log.warn({ folder: fp.destinationPath, messages: candidates.length - usable.length }, 'destination UIDVALIDITY changed; flags wait for the sync to re-find the copies');
  }
  if (!usable.length) return;
  const current = new Map<number, string[]>();
  for await (const m of dst.fetch(toUidSet(usable.map((c) => c.row.dstUid!)), { uid: true, flags: true }, { uid: true })) {
    current.set(m.uid, normFlags(m.flags ?? []));
  }

  const written: { id: number; flags: string[]; dropped: string[] }[] = [];
  const groups = new Map<string, { add: string[]; remove: string[]; rows: { row: CopiedRow; flags: string[]; dropped: string[] }[] }>();
  for (const c of usable) {
    const dest = current.get(c.row.dstUid!);
    if (!dest) {
      result.kept++;
      await env.dual.recordKept(fp.id, c.row.id, c.flags, []);
      env.event('info', 'dualrun-kept-destination', `${fp.destinationPath}: message UID ${c.row.dstUid} was deleted on the destination; not copied again`, {
        folder: fp.destinationPath,
        dstUid: c.row.dstUid,
      });
      continue;
    }
    const d = decideFlags(c.row.flags, c.row.droppedFlags, c.flags, dest, mb.permanentFlags);
    if (d.kind === 'unchanged') continue;
    if (d.kind === 'in-sync') {
      written.push({ id: c.row.id, flags: c.flags, dropped: d.dropped });
    } else if (d.kind === 'kept') {
      result.kept++;
      await env.dual.recordKept(fp.id, c.row.id, c.flags, dest);
      env.event('info', 'dualrun-kept-destination', `${fp.destinationPath}: UID ${c.row.dstUid} was changed on the destination; kept its flags (${dest.join(' ') || 'none'}) over the source's (${c.flags.join(' ') || 'none'})`, {
        folder: fp.destinationPath,
        dstUid: c.row.dstUid,
        source: c.flags,
        destination: dest,
      });
    } else {
      const key = `${d.add.join(' ')}\u0000${d.remove.join(' ')}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { add: d.add, remove: d.remove, rows: [] }));
      g.rows.push({ row: c.row, flags: c.flags, dropped: d.dropped });
    }
  }

  // One UID STORE per distinct change, for all the messages that share it.
  for (const g of groups.values()) {
    const set = toUidSet(g.rows.map((r) => r.row.dstUid!));
    const ok =
      (!g.add.length || refusedOrLost(dst, await dst.messageFlagsAdd(set, g.add, { uid: true, silent: true }), 'UID STORE')) &&
      (!g.remove.length || refusedOrLost(dst, await dst.messageFlagsRemove(set, g.remove, { uid: true, silent: true }), 'UID STORE'));
    if (!ok) {
      const msg = `${fp.destinationPath}: the destination refused to store flags (+${g.add.join(' ')} -${g.remove.join(' ')}) on ${g.rows.length} message(s)`;
      result.errors.push(msg);
      env.event('error', 'dualrun-flags-failed', msg);
      continue;
    }
    for (const r of g.rows) written.push({ id: r.row.id, flags: r.flags, dropped: r.dropped });
    result.applied += g.rows.length;
  }
  await env.dual.recordWritten(written);
}
