import { describe, expect, it } from 'vitest';
import { asyncView } from '../../src/store/contract/async.js';
import { writeDepth } from '../../src/copier/folder.js';
import { resolveOpenBatches, scanFrom, type ScannedMessage } from '../../src/copier/reconcile.js';
import { openMemoryStore } from '../../src/store/memory/index.js';

// Two batches in flight on one destination connection (copyRows with writeDepth 2): the second
// batch's intent records the UIDNEXT seen before the first batch's messages landed, so its scan
// after a crash also sees the first batch's copies. Exactly once still holds: UIDs already
// claimed are never taken, even by a twin (an identical message) in the second batch.

const UV = 7n;
const DST_UV = 9n;

describe('two batches in flight', () => {
  it('only on the bulk path, with APPENDUID and no messages-per-hour pace', () => {
    const conn = (kind: 'bulk' | 'imapflow', caps: string[]) => ({ kind, has: (c: string) => caps.includes(c) });
    expect(writeDepth(conn('bulk', ['UIDPLUS', 'LITERAL+']), {})).toBe(2);
    expect(writeDepth(conn('bulk', ['UIDPLUS', 'MULTIAPPEND']), {})).toBe(2);
    expect(writeDepth(conn('bulk', ['LITERAL+']), {})).toBe(1);
    expect(writeDepth(conn('imapflow', ['UIDPLUS']), {})).toBe(1);
    expect(writeDepth(conn('bulk', ['UIDPLUS']), { messages: {} as never })).toBe(1);
  });

  it('a crash with the second batch half sent: its twin of a copied message is appended again, not adopted', async () => {
    const store = openMemoryStore();
    const acct = store.upsertAccount('alice@old.test', 'alice@new.test');
    const fp = store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    // Source UIDs 1 and 4 are identical messages (same identity and size).
    const ident = (k: number) => ({ size: 1000 + k, flags: [], messageId: `<m${k}@acme.test>`, headerHash: `h${k}`, internalDate: new Date(Date.UTC(2026, 0, 1 + k)) });
    store.sync.insertListed(fp, UV, [1, 2, 3, 4, 5, 6].map((uid) => ({ uid, ...ident(uid === 4 ? 1 : uid) })));
    const rows = store.sync.messages(fp, String(UV));
    const dst: ScannedMessage[] = [];
    let uidNext = 1;
    const land = (r: (typeof rows)[number]) => {
      dst.push({ uid: uidNext, messageId: r.messageId ?? undefined, headerHash: r.headerHash!, internalDate: r.internalDate ? new Date(r.internalDate) : undefined, size: r.size });
      return uidNext++;
    };
    const begin = (rs: typeof rows) => store.sync.beginBatch(fp, { uidValidity: DST_UV, uidNext: 1 }, rs.map((r) => ({ id: r.id, messageId: r.messageId ?? undefined, headerHash: r.headerHash!, flags: r.flags })));
    // Both intents are written before either batch lands (both record UIDNEXT 1).
    const b1 = begin(rows.slice(0, 3));
    begin(rows.slice(3));
    const u1 = rows.slice(0, 3).map(land);
    store.sync.finishBatch(b1, DST_UV, rows.slice(0, 3).map((r, i) => ({ id: r.id, dstUid: u1[i] })));
    land(rows[4]!); // source UID 5 landed; the kill came before 4 and 6 were sent
    const next = openMemoryStore({ data: store.data });
    const open = next.sync.openBatches(fp);
    expect(scanFrom(open, DST_UV)).toBe(1);
    expect(await resolveOpenBatches(asyncView(next.sync), fp, open, DST_UV, dst.filter((d) => d.uid >= scanFrom(open, DST_UV)))).toEqual([{ batch: 2, found: 1, missing: 2 }]);
    const after = next.sync.messages(fp, String(UV));
    expect(after.filter((r) => r.state === 'pending').map((r) => r.srcUid)).toEqual([4, 6]);
    expect(after.find((r) => r.srcUid === 5)).toMatchObject({ state: 'copied', dstUid: 4 });
    expect(after.find((r) => r.srcUid === 1)).toMatchObject({ state: 'copied', dstUid: 1 });
  });
});
