import type { CollectionCounts, CollectionKind, CollectionRow, GroupwareAccountState, Homes, ObjectRow, VerifyRow } from '../groupware-store.js';

// Contacts and calendars: DAV homes per account, collections and objects with their PUT intents.

export type { CollectionCounts, CollectionKind, CollectionRow, GroupwareAccountState, Homes, ObjectRow, VerifyRow };

export interface GroupwareRecords {
  homes(accountId: number, side: 'source' | 'destination'): Homes | undefined;
  setHomes(accountId: number, side: 'source' | 'destination', homes: Homes): void;
  setAccountState(accountId: number, state: GroupwareAccountState, lastError?: string | null): void;
  accountStates(): {
    accountId: number;
    sourceUser: string;
    state: GroupwareAccountState;
    lastError: string | null;
  }[];
  /** Inserts or refreshes a source collection's row (name, colour, description) and returns it. */
  upsertCollection(c: {
    accountId: number;
    kind: CollectionKind;
    sourceHref: string;
    displayName: string | null;
    color: string | null;
    description: string | null;
  }): CollectionRow;
  setCollectionDestination(id: number, destinationHref: string): void;
  /** Marks the source state (ctag, sync token) as copied completely; only after every object is done. */
  setCollectionSynced(id: number, ctag: string | null, syncToken: string | null): void;
  setCollectionFailed(id: number, reason: string): void;
  collections(accountId?: number): CollectionRow[];
  objects(collectionId: number): ObjectRow[];
  object(collectionId: number, sourceHref: string): ObjectRow | undefined;
  /** The checkpoint before a PUT: what we are about to write and where. */
  recordIntent(o: {
    collectionId: number;
    sourceHref: string;
    sourceEtag: string | null;
    uid: string | null;
    component: string | null;
    bytes: number;
    destinationHref: string;
  }): void;
  /**
   * Intent for an update of an object already copied: the state stays 'put' with the old
   * destination ETag (the If-Match condition) until the PUT answers, so a kill in between only
   * means the update is tried again.
   */
  recordPut(collectionId: number, sourceHref: string, sourceEtag: string | null, destinationEtag: string | null, bytes?: number): void;
  /** The destination copy was edited by its user: it wins; the source state seen is recorded. */
  recordKept(collectionId: number, sourceHref: string, sourceEtag: string | null, reason: string): void;
  recordFailed(collectionId: number, sourceHref: string, reason: string): void;
  /** Per collection: objects by state, for status, verify and the report. */
  counts(): CollectionCounts[];
  failures(limit?: number): {
    sourceUser: string;
    collection: string;
    sourceHref: string;
    reason: string;
  }[];
  saveVerify(v: VerifyRow): void;
  verifyRows(): VerifyRow[];
  /** True when the groupware tables exist and hold anything (the report shows its table then). */
  hasData(): boolean;
}
