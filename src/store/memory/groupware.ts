import type { CollectionCounts, CollectionRow, GroupwareAccountState, GroupwareRecords, Homes, ObjectRow, VerifyRow } from '../contract/groupware.js';
import type { MemoryData } from './data.js';

// Contacts and calendars in memory, with the SQLite store's semantics (test/contract/).

const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
const clone = <T>(v: T): T => structuredClone(v);

export interface GroupwareData {
  accounts: Map<number, { homes: { source?: Homes; destination?: Homes }; state: GroupwareAccountState; lastError: string | null }>;
  collections: Map<number, CollectionRow>;
  objects: Map<number, ObjectRow>;
  verify: Map<number, VerifyRow>;
}

export const emptyGroupware = (): GroupwareData => ({ accounts: new Map(), collections: new Map(), objects: new Map(), verify: new Map() });

export class MemoryGroupwareRecords implements GroupwareRecords {
  constructor(private readonly d: MemoryData) {}

  private get g(): GroupwareData {
    return this.d.groupware;
  }

  homes(accountId: number, side: 'source' | 'destination'): Homes | undefined {
    const h = this.g.accounts.get(accountId)?.homes[side];
    return h && clone(h);
  }

  setHomes(accountId: number, side: 'source' | 'destination', homes: Homes): void {
    this.#account(accountId).homes[side] = clone(homes);
  }

  setAccountState(accountId: number, state: GroupwareAccountState, lastError: string | null = null): void {
    Object.assign(this.#account(accountId), { state, lastError });
  }

  accountStates(): { accountId: number; sourceUser: string; state: GroupwareAccountState; lastError: string | null }[] {
    return [...this.g.accounts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([accountId, g]) => ({ accountId, sourceUser: this.d.accounts.get(accountId)!.sourceUser, state: g.state, lastError: g.lastError }));
  }

  #account(accountId: number) {
    if (!this.d.accounts.has(accountId)) throw new Error(`FOREIGN KEY constraint failed: no account ${accountId}`);
    let a = this.g.accounts.get(accountId);
    if (!a) this.g.accounts.set(accountId, (a = { homes: {}, state: 'pending', lastError: null }));
    return a;
  }

  upsertCollection(c: Parameters<GroupwareRecords['upsertCollection']>[0]): CollectionRow {
    let row = [...this.g.collections.values()].find((x) => x.accountId === c.accountId && x.sourceHref === c.sourceHref);
    if (row) Object.assign(row, { displayName: c.displayName, color: c.color, description: c.description });
    else {
      const id = this.d.nextId('groupware_collections');
      row = { id, ...c, destinationHref: null, sourceCtag: null, sourceSyncToken: null, state: 'active', lastError: null };
      this.g.collections.set(id, row);
    }
    return { ...row };
  }

  setCollectionDestination(id: number, destinationHref: string): void {
    this.#set(id, { destinationHref });
  }

  setCollectionSynced(id: number, ctag: string | null, syncToken: string | null): void {
    this.#set(id, { sourceCtag: ctag, sourceSyncToken: syncToken, state: 'active', lastError: null });
  }

  setCollectionFailed(id: number, reason: string): void {
    this.#set(id, { state: 'failed', lastError: reason });
  }

  #set(id: number, f: Partial<CollectionRow>): void {
    const c = this.g.collections.get(id);
    if (c) Object.assign(c, f);
  }

  collections(accountId?: number): CollectionRow[] {
    return [...this.g.collections.values()].filter((c) => accountId === undefined || c.accountId === accountId).sort(byId).map((c) => ({ ...c }));
  }

  objects(collectionId: number): ObjectRow[] {
    return [...this.g.objects.values()].filter((o) => o.collectionId === collectionId).sort(byId).map((o) => ({ ...o }));
  }

  object(collectionId: number, sourceHref: string): ObjectRow | undefined {
    const o = this.#object(collectionId, sourceHref);
    return o && { ...o };
  }

  #object(collectionId: number, sourceHref: string): ObjectRow | undefined {
    for (const o of this.g.objects.values()) if (o.collectionId === collectionId && o.sourceHref === sourceHref) return o;
    return undefined;
  }

  recordIntent(o: Parameters<GroupwareRecords['recordIntent']>[0]): void {
    const prev = this.#object(o.collectionId, o.sourceHref);
    if (prev) Object.assign(prev, { ...o, state: 'intent', reason: null });
    else {
      const id = this.d.nextId('groupware_objects');
      this.g.objects.set(id, { id, ...o, destinationEtag: null, state: 'intent', reason: null });
    }
  }

  recordPut(collectionId: number, sourceHref: string, sourceEtag: string | null, destinationEtag: string | null, bytes?: number): void {
    const o = this.#object(collectionId, sourceHref);
    if (o) Object.assign(o, { state: 'put', sourceEtag, destinationEtag, bytes: bytes ?? o.bytes, reason: null });
  }

  recordKept(collectionId: number, sourceHref: string, sourceEtag: string | null, reason: string): void {
    const o = this.#object(collectionId, sourceHref);
    if (o) Object.assign(o, { state: 'kept', sourceEtag, reason });
  }

  recordFailed(collectionId: number, sourceHref: string, reason: string): void {
    const o = this.#object(collectionId, sourceHref);
    if (o) Object.assign(o, { state: 'failed', reason });
  }

  counts(): CollectionCounts[] {
    return [...this.g.collections.values()]
      .sort((a, b) => a.accountId - b.accountId || a.id - b.id)
      .map((c) => {
        const objs = [...this.g.objects.values()].filter((o) => o.collectionId === c.id);
        const n = (s: ObjectRow['state']) => objs.filter((o) => o.state === s).length;
        return {
          collectionId: c.id, accountId: c.accountId, sourceUser: this.d.accounts.get(c.accountId)!.sourceUser, kind: c.kind, sourceHref: c.sourceHref,
          displayName: c.displayName, destinationHref: c.destinationHref, state: c.state, lastError: c.lastError,
          put: n('put'), kept: n('kept'), failed: n('failed'), inFlight: n('intent'),
          bytes: objs.filter((o) => o.state === 'put' || o.state === 'kept').reduce((s, o) => s + o.bytes, 0),
        };
      });
  }

  failures(limit = 50): { sourceUser: string; collection: string; sourceHref: string; reason: string }[] {
    return [...this.g.objects.values()]
      .filter((o) => o.state === 'failed')
      .sort(byId)
      .slice(0, limit)
      .map((o) => {
        const c = this.g.collections.get(o.collectionId)!;
        return { sourceUser: this.d.accounts.get(c.accountId)!.sourceUser, collection: c.displayName ?? c.sourceHref, sourceHref: o.sourceHref, reason: o.reason! };
      });
  }

  saveVerify(v: VerifyRow): void {
    this.g.verify.set(v.collectionId, clone(v));
  }

  verifyRows(): VerifyRow[] {
    return [...this.g.verify.values()].sort((a, b) => a.collectionId - b.collectionId).map(clone);
  }

  hasData(): boolean {
    return this.g.collections.size > 0;
  }
}
