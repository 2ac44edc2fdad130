import PQueue from 'p-queue';
import type { Logger } from '../logger.js';
import type { CollectionRow, GroupwareRecords, Homes, ObjectRow } from '../store/groupware-store.js';
import type { AsyncOf } from '../store/contract/async.js';
import type { DavCollectionInfo, DavSession } from './dav.js';
import { describeObject, sameContent } from './objects.js';
import { CONTENT_TYPE, type GroupwareSource } from './source.js';

// The exactly-once copy of one account's collections to a DAV destination.
//
// Per object: the intent (source href + ETag, destination href) is stored before the PUT, the
// destination ETag after it. A new object is PUT with If-None-Match: * under its own resource name
// (UID kept, nothing overwritten); an update with If-Match: the ETag of our last write. So after a
// kill, a re-run's PUT either creates the object or gets 412, and then the destination copy is
// compared with the source body: the same → adopted; different → the user changed it there, and
// the destination wins. A collection whose ctag/sync token matches the last complete copy is not
// listed again: a re-run with no change costs one PROPFIND per home.

export interface CopyCounts {
  created: number;
  updated: number;
  adopted: number;
  kept: number;
  failed: number;
  unchanged: number;
  collections: number;
  collectionsUnchanged: number;
  bytes: number;
}

export const emptyCounts = (): CopyCounts => ({ created: 0, updated: 0, adopted: 0, kept: 0, failed: 0, unchanged: 0, collections: 0, collectionsUnchanged: 0, bytes: 0 });

export interface CopyDeps {
  gs: AsyncOf<GroupwareRecords>;
  accountId: number;
  source: GroupwareSource;
  dst: DavSession;
  dstHomes: Homes;
  log: Logger;
  signal: AbortSignal;
  /** Objects in flight per collection. */
  concurrency?: number;
  /** Told of each object failure (recorded as failed all the same): the caller decides on a retry. */
  onObjectError?: (err: unknown) => void;
  /** Counted into as the copy goes (so a try cut short by a lost connection still says what it did). */
  counts?: CopyCounts;
}

/**
 * One account's counts over several tries of the same run: what earlier tries created, updated
 * or found already there, the last try saw as unchanged, so it is counted where it happened.
 */
export function countsOverTries(tries: CopyCounts[]): CopyCounts {
  const last = { ...(tries.at(-1) ?? emptyCounts()) };
  for (const t of tries.slice(0, -1)) {
    last.created += t.created;
    last.updated += t.updated;
    last.adopted += t.adopted;
    last.bytes += t.bytes;
    last.unchanged = Math.max(0, last.unchanged - t.created - t.updated - t.adopted);
  }
  return last;
}

const lastSegment = (href: string) => {
  const parts = new URL(href).pathname.split('/').filter(Boolean);
  return parts.at(-1) ?? 'collection';
};

/** Copies every collection of one account; returns counts (failures are recorded, not thrown). */
export async function copyAccount(deps: CopyDeps): Promise<CopyCounts> {
  const counts = deps.counts ?? emptyCounts();
  const { gs, accountId, source, dst, dstHomes, signal } = deps;
  const collections = await source.collections();
  let dstExisting: Map<string, DavCollectionInfo> | undefined;
  for (const c of collections) {
    if (signal.aborted) break;
    counts.collections++;
    const row = await gs.upsertCollection({ accountId, kind: c.kind, sourceHref: c.href, displayName: c.displayName, color: c.color, description: c.description });
    if (!row.destinationHref) {
      dstExisting ??= await destinationCollections(dst, dstHomes);
      const home = dstHomes[c.kind];
      if (!home) {
        await gs.setCollectionFailed(row.id, `the destination has no ${c.kind === 'addressbook' ? 'CardDAV address book' : 'CalDAV calendar'} home`);
        counts.failed++;
        continue;
      }
      const url = new URL(encodeURIComponent(decodeURIComponent(lastSegment(c.href))) + '/', home).href;
      const there = dstExisting.get(url);
      if (there && there.kind !== c.kind) {
        await gs.setCollectionFailed(row.id, `the destination already has a ${there.kind} at ${new URL(url).pathname}`);
        counts.failed++;
        continue;
      }
      if (!there) {
        const made = await dst.create(url, c);
        if (!made.ok) {
          await gs.setCollectionFailed(row.id, `the destination refused to create ${c.kind} ${new URL(url).pathname}: ${made.reason}`);
          counts.failed++;
          continue;
        }
      }
      await gs.setCollectionDestination(row.id, url);
      row.destinationHref = url;
    }
    await copyCollection(deps, c, row, counts);
  }
  return counts;
}

async function destinationCollections(dst: DavSession, homes: Homes): Promise<Map<string, DavCollectionInfo>> {
  const out = new Map<string, DavCollectionInfo>();
  for (const home of new Set(Object.values(homes))) for (const c of await dst.collections(home)) out.set(c.href, c);
  return out;
}

function unchanged(row: CollectionRow, c: DavCollectionInfo): boolean {
  if (row.sourceCtag !== null && c.ctag !== null) return row.sourceCtag === c.ctag;
  if (row.sourceSyncToken !== null && c.syncToken !== null) return row.sourceSyncToken === c.syncToken;
  return false;
}

async function copyCollection(deps: CopyDeps, c: DavCollectionInfo, row: CollectionRow, counts: CopyCounts): Promise<void> {
  const { gs, signal } = deps;
  const known = new Map((await gs.objects(row.id)).map((o) => [o.sourceHref, o]));
  const open = [...known.values()].filter((o) => o.state === 'intent' || o.state === 'failed');
  if (row.state === 'active' && !open.length && unchanged(row, c)) {
    counts.collectionsUnchanged++;
    return;
  }
  // Only changes since the last complete copy; objects left in flight or failed are retried too.
  const listing = await deps.source.list(c, open.length ? null : row.sourceSyncToken);
  const items = new Map(listing.items.map((i) => [i.href, i]));
  for (const o of open) if (!items.has(o.sourceHref) && !listing.full) items.set(o.sourceHref, { href: o.sourceHref, etag: null });
  let failedHere = 0;
  const q = new PQueue({ concurrency: deps.concurrency ?? 4 });
  for (const item of items.values()) {
    const prev = known.get(item.href);
    if (prev && (prev.state === 'put' || prev.state === 'kept') && item.etag !== null && prev.sourceEtag === item.etag) {
      counts.unchanged++;
      continue;
    }
    void q.add(async () => {
      if (signal.aborted) return;
      try {
        const r = await copyObject(deps, row, item.href, prev);
        if (r === 'failed') failedHere++;
        counts[r]++;
      } catch (err) {
        if (signal.aborted) return;
        deps.onObjectError?.(err);
        failedHere++;
        counts.failed++;
        const reason = (err as Error).message;
        if (!await gs.object(row.id, item.href)) return;
        await gs.recordFailed(row.id, item.href, reason);
      }
    });
  }
  await q.onIdle();
  if (signal.aborted) return;
  if (failedHere === 0) await gs.setCollectionSynced(row.id, c.ctag, listing.token);
}

type ObjectOutcome = 'created' | 'updated' | 'adopted' | 'kept' | 'failed' | 'unchanged';

async function copyObject(deps: CopyDeps, row: CollectionRow, href: string, prev: ObjectRow | undefined): Promise<ObjectOutcome> {
  const { gs, source, dst } = deps;
  const src = await source.get(href);
  const facts = describeObject(src.body);
  const destHref = prev?.destinationHref ?? new URL(lastSegment(href), row.destinationHref!).href;
  const contentType = CONTENT_TYPE[row.kind];
  if (prev && (prev.state === 'put' || prev.state === 'kept')) {
    if (prev.sourceEtag === src.etag && src.etag !== null) return 'unchanged';
    if (prev.state === 'kept') {
      // The destination copy is the user's now; record the source state seen, never overwrite.
      await gs.recordKept(row.id, href, src.etag, prev.reason ?? 'changed on the destination; the destination copy wins');
      return 'kept';
    }
    const r = await dst.put(destHref, src.body, contentType, prev.destinationEtag ? { ifMatch: prev.destinationEtag } : { create: true });
    if (r.status === 201 || r.status === 204 || r.status === 200) {
      await gs.recordPut(row.id, href, src.etag, r.etag ?? (await dst.etag(destHref)), src.body.length);
      return 'updated';
    }
    if (r.status === 412 || r.status === 404) {
      const cur = await dst.get(destHref);
      if (cur.status === 200 && sameContent(cur.body, src.body)) {
        // Our own update whose answer was lost (a kill): adopt it.
        await gs.recordPut(row.id, href, src.etag, cur.etag, src.body.length);
        return 'adopted';
      }
      await gs.recordKept(row.id, href, src.etag, cur.status === 404 ? 'deleted on the destination since the last copy; not copied again' : 'changed on the destination since the last copy; the destination copy wins');
      deps.log.info({ href: destHref }, 'groupware: destination copy changed by its user, kept');
      return 'kept';
    }
    await gs.recordFailed(row.id, href, `the destination refused the update: ${r.reason}`);
    return 'failed';
  }
  await gs.recordIntent({ collectionId: row.id, sourceHref: href, sourceEtag: src.etag, uid: facts.uid, component: facts.component, bytes: src.body.length, destinationHref: destHref });
  const r = await dst.put(destHref, src.body, contentType, { create: true });
  if (r.status === 201 || r.status === 204 || r.status === 200) {
    await gs.recordPut(row.id, href, src.etag, r.etag ?? (await dst.etag(destHref)));
    return 'created';
  }
  if (r.status === 412) {
    const cur = await dst.get(destHref);
    if (cur.status === 200 && sameContent(cur.body, src.body)) {
      await gs.recordPut(row.id, href, src.etag, cur.etag);
      return 'adopted';
    }
    await gs.recordFailed(row.id, href, `the destination already has a different object at ${new URL(destHref).pathname} (not overwritten)`);
    return 'failed';
  }
  await gs.recordFailed(row.id, href, `the destination refused it: ${r.reason}`);
  return 'failed';
}
