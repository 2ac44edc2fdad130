import type { GroupwareConfig } from '../config/groupware-schema.js';
import type { CollectionKind, GroupwareRecords, Homes } from '../store/groupware-store.js';
import type { AsyncOf } from '../store/contract/async.js';
import { NotDavError, type DavCollectionInfo, type DavItem, type DavSession } from './dav.js';
import { DavError } from '../errors.js';

// Where contacts and calendars are read from: a DAV server or a folder of export files. Both
// give collections, each object's href + ETag (all, or changed since a sync token), and bodies.

export interface SourceListing {
  items: DavItem[];
  /** The token to store once every listed object is done (null: list in full next time). */
  token: string | null;
  /** True when `items` is every object (not just changes). */
  full: boolean;
}

export interface GroupwareSource {
  collections(): Promise<DavCollectionInfo[]>;
  list(c: DavCollectionInfo, token: string | null): Promise<SourceListing>;
  get(href: string): Promise<{ body: Buffer; etag: string | null; contentType: string }>;
}

export const CONTENT_TYPE: Record<CollectionKind, string> = { addressbook: 'text/vcard; charset=utf-8', calendar: 'text/calendar; charset=utf-8' };

/** The collection kinds `include:` asks for. */
export function wantedKinds(include: GroupwareConfig['include']): CollectionKind[] {
  const kinds: CollectionKind[] = [];
  if (include.includes('contacts')) kinds.push('addressbook');
  if (include.includes('calendars') || include.includes('tasks')) kinds.push('calendar');
  return kinds;
}

/** A calendar holding only tasks is copied only when `include:` has tasks; events only with calendars. */
export function wantedCollection(c: DavCollectionInfo, include: GroupwareConfig['include']): boolean {
  if (c.kind === 'addressbook') return include.includes('contacts');
  const onlyTasks = c.components.length > 0 && c.components.every((x) => x === 'VTODO');
  return onlyTasks ? include.includes('tasks') : include.includes('calendars');
}

/** Home sets, discovered once per account and side and then read from the store. */
export async function homesFor(dav: DavSession, gs: AsyncOf<GroupwareRecords>, accountId: number, side: 'source' | 'destination', kinds: CollectionKind[]): Promise<Homes> {
  const known = await gs.homes(accountId, side) ?? {};
  let changed = false;
  let missing: Error | undefined;
  for (const k of kinds) {
    if (known[k]) continue;
    try {
      known[k] = await dav.discoverHome(k);
      changed = true;
    } catch (err) {
      // A server with CardDAV but no CalDAV (or the reverse): the other kind still moves, and
      // collections of the missing kind are recorded as refused by the copy.
      if (!(err instanceof NotDavError)) throw err;
      missing ??= err;
    }
  }
  if (missing && !kinds.some((k) => known[k])) throw missing;
  if (changed) await gs.setHomes(accountId, side, known);
  return known;
}

export class DavSource implements GroupwareSource {
  constructor(
    private readonly dav: DavSession,
    private readonly homes: Homes,
    private readonly include: GroupwareConfig['include'],
  ) {}

  async collections(): Promise<DavCollectionInfo[]> {
    const out: DavCollectionInfo[] = [];
    const seen = new Set<string>();
    for (const kind of wantedKinds(this.include)) {
      const home = this.homes[kind];
      if (!home || seen.has(home)) continue;
      seen.add(home);
      for (const c of await this.dav.collections(home)) if (wantedCollection(c, this.include)) out.push(c);
    }
    // One home may hold both kinds (Radicale): keep each collection once.
    return out.filter((c, i) => out.findIndex((d) => d.href === c.href) === i);
  }

  async list(c: DavCollectionInfo, token: string | null): Promise<SourceListing> {
    if (token) {
      const ch = await this.dav.changes(c.href, token);
      if (ch) return { items: ch.changed, token: ch.token, full: false };
    }
    // The token read with the collection listing, before this listing: changes made meanwhile
    // are reported again next time rather than lost.
    return { items: await this.dav.list(c.href), token: c.syncToken, full: true };
  }

  async get(href: string) {
    const r = await this.dav.get(href);
    if (r.status !== 200) throw new DavError(`GET ${new URL(href).pathname} answered ${r.status}`);
    return { body: r.body, etag: r.etag, contentType: r.contentType ?? 'application/octet-stream' };
  }
}
