import type { ImapFlow } from 'imapflow';
import { asyncView } from '../../src/store/contract/async.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { flagPassFolder, type FlagEnv } from '../../src/dualrun/folder-flags.js';
import { parseUidSet } from '../../src/imap/uidset.js';
import type { FolderPairRow, JobStore } from '../../src/store/contract/index.js';
import { openMemoryStore, type MemoryStore } from '../../src/store/memory/index.js';

// Dual-run's flag pass of one folder (src/dualrun/folder-flags.ts) on the memory store: source
// flag changes reach untouched copies, a copy the user changed wins and is reported once, source
// deletions are recorded once, a refused STORE leaves the watermark for the next pass, and a kill
// between the STORE and its record is healed without a second STORE. The two folders are plain
// data standing in for what EXAMINE / UID FETCH FLAGS / UID STORE would answer; each test runs in
// milliseconds.

const FAST = 1000;
const UV = 7n;
const DUV = 9n;

/** One mailbox as data: UID -> flags and the modseq of their last change. */
class Folder {
  readonly msgs = new Map<number, { flags: string[]; modseq: bigint }>();
  modseq = 1n;
  uidNext = 1;
  refuseStore = false;
  /** The connection was cut: imapflow then answers a command with false, as for a refusal. */
  cut = false;
  /** Without CONDSTORE the pass reads every UID's flags (a full pass). */
  condstore = true;
  stores = 0;
  constructor(readonly uidValidity: bigint) {}
  add(flags: string[]): number {
    const uid = this.uidNext++;
    this.msgs.set(uid, { flags: [...flags], modseq: ++this.modseq });
    return uid;
  }
  setFlags(uid: number, flags: string[]): void {
    this.msgs.set(uid, { flags: [...flags], modseq: ++this.modseq });
  }
  flags(uid: number): string[] | undefined {
    return this.msgs.get(uid)?.flags;
  }
  status() {
    return { messages: this.msgs.size, uidNext: this.uidNext, uidValidity: this.uidValidity, highestModseq: this.modseq };
  }
  /** The few ImapFlow calls the flag pass makes, answered from this data. */
  client(): ImapFlow {
    const f = this;
    const c = {
      get usable() {
        return !f.cut;
      },
      enabled: new Set(f.condstore ? ['CONDSTORE'] : []),
      async mailboxOpen() {
        return { uidValidity: f.uidValidity, exists: f.msgs.size, uidNext: f.uidNext, highestModseq: f.modseq, noModseq: false, permanentFlags: new Set(['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\*']) };
      },
      async *fetch(range: string, _q: unknown, opts: { changedSince?: bigint }) {
        const want = range === '1:*' ? undefined : new Set(parseUidSet(range));
        for (const [uid, m] of [...f.msgs].sort(([a], [b]) => a - b)) {
          if (want && !want.has(uid)) continue;
          if (opts.changedSince !== undefined && m.modseq <= opts.changedSince) continue;
          yield { uid, flags: new Set(m.flags) };
        }
      },
      async search() {
        return [...f.msgs.keys()].sort((a, b) => a - b);
      },
      async messageFlagsAdd(set: string, flags: string[]) {
        if (f.refuseStore || f.cut) return false;
        f.stores++;
        for (const uid of parseUidSet(set)) f.setFlags(uid, [...new Set([...(f.flags(uid) ?? []), ...flags])]);
        return true;
      },
      async messageFlagsRemove(set: string, flags: string[]) {
        if (f.refuseStore || f.cut) return false;
        f.stores++;
        for (const uid of parseUidSet(set)) f.setFlags(uid, (f.flags(uid) ?? []).filter((x) => !flags.includes(x)));
        return true;
      },
    };
    return c as unknown as ImapFlow;
  }
}

interface World {
  store: MemoryStore;
  src: Folder;
  dst: Folder;
  fpId: number;
  events: string[];
}

/** n messages copied: source UID i is destination UID i, both with `\Seen`. */
function world(n: number): World {
  const store = openMemoryStore();
  const acct = store.upsertAccount('alice@old.test', 'alice@new.test');
  const fpId = store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
  const src = new Folder(UV);
  const dst = new Folder(DUV);
  for (let i = 0; i < n; i++) (src.add(['\\Seen']), dst.add(['\\Seen']));
  store.sync.insertListed(fpId, UV, [...src.msgs].map(([uid, m]) => ({ uid, size: 100, flags: m.flags, messageId: `<m${uid}@acme.test>`, headerHash: `h${uid}` })));
  store.sync.setSourceWatermark(fpId, { uidValidity: UV, uidNext: src.uidNext, listedUid: n });
  const rows = store.sync.messages(fpId, String(UV));
  const batch = store.sync.beginBatch(fpId, { uidValidity: DUV, uidNext: 1 }, rows.map((m) => ({ id: m.id, headerHash: m.headerHash!, flags: m.flags })));
  store.sync.finishBatch(batch, DUV, rows.map((m) => ({ id: m.id, dstUid: m.srcUid })));
  return { store, src, dst, fpId, events: [] };
}

async function pass(w: World, store: JobStore = w.store) {
  const env: FlagEnv = { account: 'alice@old.test', dual: asyncView(store.dualRun), log: pino({ level: 'silent' }), event: (_l, kind) => void w.events.push(kind) };
  const fp: FolderPairRow = store.sync.folderPair(w.fpId);
  return flagPassFolder(env, w.src.client(), async () => w.dst.client(), fp, w.src.status());
}

describe('dual-run flag pass on the memory store', () => {
  it('a source change reaches the untouched copy once; an unchanged folder is then skipped without a fetch', { timeout: FAST }, async () => {
    const w = world(4);
    expect(await pass(w)).toMatchObject({ mode: 'full', applied: 0, kept: 0, deleted: 0 });
    w.src.setFlags(2, ['\\Seen', '\\Flagged']);
    w.src.setFlags(3, []);
    expect(await pass(w)).toMatchObject({ mode: 'changedsince', applied: 2, kept: 0, errors: [] });
    expect([w.dst.flags(2), w.dst.flags(3)]).toEqual([['\\Seen', '\\Flagged'], []]);
    expect(w.store.dualRun.copiedRow(w.fpId, '7', 2)?.flags).toEqual(['\\Flagged', '\\Seen']);
    const stores = w.dst.stores;
    expect(await pass(w)).toMatchObject({ mode: 'skipped', applied: 0 });
    expect(w.dst.stores).toBe(stores);
  });

  it('a copy the user changed keeps its flags and is reported once for the same source flags', { timeout: FAST }, async () => {
    const w = world(3);
    await pass(w);
    w.dst.setFlags(1, ['\\Seen', '$Work']); // the user, on the new server
    w.src.setFlags(1, []); // and someone on the old one
    expect(await pass(w)).toMatchObject({ applied: 0, kept: 1 });
    expect(w.dst.flags(1)).toEqual(['\\Seen', '$Work']);
    expect(w.store.dualRun.keptCount()).toBe(1);
    w.src.setFlags(2, ['\\Seen', '\\Answered']); // another change in the folder,
    w.src.condstore = false; // read in full: UID 1 comes back with the same source flags
    expect(await pass(w)).toMatchObject({ mode: 'full', applied: 1, kept: 0 });
    expect(w.dst.flags(1)).toEqual(['\\Seen', '$Work']);
    expect(w.events.filter((k) => k === 'dualrun-kept-destination')).toHaveLength(1);
  });

  it('source deletions are recorded once; the copies stay', { timeout: FAST }, async () => {
    const w = world(5);
    await pass(w);
    w.src.msgs.delete(2);
    w.src.msgs.delete(4);
    w.src.modseq++;
    expect(await pass(w)).toMatchObject({ deleted: 2 });
    expect(w.store.dualRun.liveCopiedUids(w.fpId, '7').map((r) => r.srcUid)).toEqual([1, 3, 5]);
    expect(w.dst.msgs.size).toBe(5);
    w.src.setFlags(1, ['\\Seen', '\\Flagged']);
    expect(await pass(w)).toMatchObject({ deleted: 0, applied: 1 });
    expect(w.store.dualRun.sourceDeletedCount(w.fpId)).toBe(2);
  });

  it('a refused STORE keeps the watermark: the next pass tries the same change again', { timeout: FAST }, async () => {
    const w = world(2);
    await pass(w);
    const before = w.store.dualRun.watermark(w.fpId);
    w.src.setFlags(1, ['\\Seen', '\\Flagged']);
    w.dst.refuseStore = true;
    const r = await pass(w);
    expect(r.applied).toBe(0);
    expect(r.errors).toEqual([expect.stringMatching(/refused to store flags/)]);
    expect(w.store.dualRun.watermark(w.fpId)).toEqual(before);
    w.dst.refuseStore = false;
    expect(await pass(w)).toMatchObject({ applied: 1, errors: [] });
    expect(w.dst.flags(1)).toEqual(['\\Seen', '\\Flagged']);
  });

  it('a STORE cut off by a lost connection is not a refusal: it throws (the step retries on a fresh session) and records nothing', { timeout: FAST }, async () => {
    const w = world(2);
    await pass(w);
    const before = w.store.dualRun.watermark(w.fpId);
    w.src.setFlags(1, ['\\Seen', '\\Flagged']);
    w.dst.cut = true;
    await expect(pass(w)).rejects.toMatchObject({ code: 'EConnectionClosed' });
    expect(w.store.dualRun.watermark(w.fpId)).toEqual(before);
    w.dst.cut = false;
    expect(await pass(w)).toMatchObject({ applied: 1, errors: [] });
    expect(w.dst.flags(1)).toEqual(['\\Seen', '\\Flagged']);
  });

  it('killed after the STORE, before its record: the next process sees the copy in sync and stores nothing again', { timeout: FAST }, async () => {
    const w = world(2);
    await pass(w);
    w.src.setFlags(2, ['\\Seen', '\\Flagged']);
    // The process dies once the destination has the flags: the store never hears of it.
    const killed = () => {
      throw new Error('killed');
    };
    const dual = new Proxy(w.store.dualRun, { get: (t, k) => (k === 'recordWritten' ? killed : Reflect.get(t, k).bind(t)) });
    const env: FlagEnv = { account: 'a', dual: asyncView(dual), log: pino({ level: 'silent' }), event: () => {} };
    await expect(flagPassFolder(env, w.src.client(), async () => w.dst.client(), w.store.sync.folderPair(w.fpId), w.src.status())).rejects.toThrow('killed');
    expect(w.dst.flags(2)).toEqual(['\\Seen', '\\Flagged']);
    const stores = w.dst.stores;
    const next = openMemoryStore({ data: w.store.data });
    expect(await pass(w, next)).toMatchObject({ applied: 0, kept: 0, errors: [] });
    expect(w.dst.stores).toBe(stores);
    expect(next.dualRun.copiedRow(w.fpId, '7', 2)?.flags).toEqual(['\\Flagged', '\\Seen']);
  });
});
