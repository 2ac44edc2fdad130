import { existsSync } from 'node:fs';
import { asyncView } from '../../src/store/contract/async.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AppendItem, AppendResult, CopyConnection, EachResult, FetchedMessage, FetchKind, Mailbox } from '../../src/copier/conn.js';
import { syncFolder, type CopyEnv, type HelperPair } from '../../src/copier/folder.js';
import { AdaptiveBatch, ByteBudget, ServerThrottle } from '../../src/copier/limits.js';
import { ImapConnectionError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { openMemoryStore, type MemoryStore } from '../../src/store/memory/index.js';

// A big folder at the end of a copy takes spare session pairs (copyRows' helpers): every worker
// takes the next batch from one list. Run here on the memory store against in-memory folders
// that answer like an IMAP server with UIDPLUS, so the rule is checked message by message:
// each message lands once, the helpers did part of the work, and a helper cut mid-batch (its
// batch stored, the answer lost) leaves a state the next run reconciles to exactly once.

interface Msg {
  uid: number;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

class MemFolder {
  messages: Msg[] = [];
  uidNext = 1;
  constructor(readonly uidValidity: bigint) {}
}

// A message body as the copier passes it: one Buffer, or (once the bulk path keeps the pieces a
// literal was read in, src/imap/bulk/body.ts) a list of Buffers. The fake speaks either.
const PIECES = existsSync(fileURLToPath(new URL('../../src/imap/bulk/body.ts', import.meta.url)));
const asBody = (b: Buffer) => (PIECES ? [b] : b) as never;
const fromBody = (b: unknown): Buffer => (Array.isArray(b) ? Buffer.concat(b as Buffer[]) : (b as Buffer));

const parseSet = (set: string, max: number): Set<number> => {
  const out = new Set<number>();
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map((x) => (x === '*' ? max : Number(x)));
    const [lo, hi] = b === undefined ? [a!, a!] : [Math.min(a!, b), Math.max(a!, b)];
    for (let u = lo; u <= hi; u++) out.add(u);
  }
  return out;
};

/** One connection to a server of in-memory folders (bulk kind, UIDPLUS, MULTIAPPEND). */
class MemConn implements CopyConnection {
  readonly kind = 'bulk' as const;
  readonly multiappend = true;
  appends = 0;
  #selected: string | undefined;
  constructor(
    readonly folders: Map<string, MemFolder>,
    /** Called before each APPEND stores its batch; returns 'cut-after' to store it and then fail. */
    readonly onAppend: (n: number) => 'ok' | 'cut-after' = () => 'ok',
  ) {}
  has(c: string): boolean {
    return c === 'UIDPLUS' || c === 'MULTIAPPEND' || c === 'LITERAL+';
  }
  appendLimit(): number | undefined {
    return undefined;
  }
  #box(path: string): Mailbox {
    const f = this.folders.get(path)!;
    return { path, uidValidity: f.uidValidity, uidNext: f.uidNext, exists: f.messages.length, permanentFlags: new Set(['\\Seen', '\\*']) };
  }
  get selected(): Mailbox | undefined {
    return this.#selected ? this.#box(this.#selected) : undefined;
  }
  async select(path: string): Promise<Mailbox> {
    await Promise.resolve();
    if (!this.folders.has(path)) throw Object.assign(new Error('no such mailbox'), { mailboxMissing: true });
    this.#selected = path;
    return this.#box(path);
  }
  async fetch(uidSet: string, kind: FetchKind): Promise<Map<number, FetchedMessage>> {
    await new Promise((r) => setImmediate(r));
    const f = this.folders.get(this.#selected!)!;
    const want = parseSet(uidSet, Math.max(0, f.uidNext - 1));
    const out = new Map<number, FetchedMessage>();
    for (const m of f.messages) {
      if (!want.has(m.uid)) continue;
      const head = m.raw.subarray(0, m.raw.indexOf('\r\n\r\n') + 4);
      out.set(m.uid, { uid: m.uid, flags: m.flags, internalDate: m.internalDate, size: m.raw.length, ...(kind === 'body' ? { source: asBody(m.raw) } : kind === 'header' ? { headers: head } : {}) });
    }
    return out;
  }
  async search(uidSet: string): Promise<number[]> {
    const f = this.folders.get(this.#selected!)!;
    const want = parseSet(uidSet, f.uidNext - 1);
    return f.messages.filter((m) => want.has(m.uid)).map((m) => m.uid);
  }
  async uidNext(path: string): Promise<number | undefined> {
    return this.folders.get(path)?.uidNext;
  }
  async append(path: string, items: AppendItem[]): Promise<AppendResult> {
    await new Promise((r) => setTimeout(r, 1));
    const what = this.onAppend(++this.appends);
    const f = this.folders.get(path)!;
    const uids = items.map((it) => {
      const uid = f.uidNext++;
      f.messages.push({ uid, raw: fromBody(it.raw), flags: it.flags, internalDate: it.internalDate ?? new Date(0) });
      return uid;
    });
    if (what === 'cut-after') throw new ImapConnectionError('connection closed while waiting for the APPEND answer', { side: 'destination' });
    return { uidValidity: f.uidValidity, uids };
  }
  async appendEach(path: string, items: AppendItem[]): Promise<EachResult[]> {
    const r = await this.append(path, items);
    return r.uids!.map((uid) => ({ ok: true as const, uidValidity: r.uidValidity, uid }));
  }
  async ensureFolder(path: string): Promise<void> {
    if (!this.folders.has(path)) this.folders.set(path, new MemFolder(99n));
  }
}

const N = 240;
function world(): { store: MemoryStore; fpId: number; src: Map<string, MemFolder>; dst: Map<string, MemFolder> } {
  const store = openMemoryStore();
  const acct = store.upsertAccount('alice@old.test', 'alice@new.test');
  const fpId = store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
  const inbox = new MemFolder(7n);
  for (let i = 0; i < N; i++) {
    // Every tenth message has a byte-identical twin right after it: two in, two out.
    const k = i % 10 === 1 ? i - 1 : i;
    inbox.messages.push({ uid: inbox.uidNext++, raw: Buffer.from(`Message-ID: <m${k}@acme.test>\r\nSubject: ${k}\r\n\r\n${'body '.repeat(20 + (k % 50))}\r\n`), flags: k % 3 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2026, 0, 1, 0, k)) });
  }
  return { store, fpId, src: new Map([['INBOX', inbox]]), dst: new Map([['INBOX', new MemFolder(9n)]]) };
}

function copyEnv(store: MemoryStore, helper?: () => Promise<HelperPair | undefined>): CopyEnv {
  return {
    account: 'alice@old.test',
    store: asyncView(store.sync),
    log: silentLogger(),
    stopped: () => false,
    signal: new AbortController().signal,
    budget: new ByteBudget(64 * 1024 * 1024),
    srcThrottle: new ServerThrottle({}),
    dstThrottle: new ServerThrottle({}),
    batch: new AdaptiveBatch(8, 1024 * 1024),
    ...(helper ? { helper } : {}),
    onProgress: () => undefined,
    onListed: () => undefined,
    event: () => undefined,
  };
}

/** The destination holds each source message exactly as often as the source does. */
function expectExactlyOnce(src: MemFolder, dst: MemFolder): void {
  const count = (f: MemFolder) => {
    const m = new Map<string, number>();
    for (const x of f.messages) m.set(x.raw.toString('latin1'), (m.get(x.raw.toString('latin1')) ?? 0) + 1);
    return m;
  };
  expect(dst.messages.length).toBe(src.messages.length);
  expect(count(dst)).toEqual(count(src));
}

describe('a big folder shared with spare session pairs', () => {
  it('helpers take batches from the same list: every message lands once, and the store names each copy', async () => {
    const w = world();
    const main = { src: new MemConn(w.src), dst: new MemConn(w.dst) };
    const helpers: MemConn[] = [];
    let released = 0;
    // Two pairs to spare (the queue is empty), then none.
    const helper = async (): Promise<HelperPair | undefined> => {
      if (helpers.length >= 4) return undefined;
      const pair = { src: new MemConn(w.src), dst: new MemConn(w.dst) };
      helpers.push(pair.src, pair.dst);
      return { ...pair, release: (broken) => void (released++, expect(broken).toBe(false)) };
    };
    const started = Date.now();
    await syncFolder(copyEnv(w.store, helper), main.src, main.dst, w.store.sync.folderPair(w.fpId));
    expect(Date.now() - started).toBeLessThan(1000);
    expectExactlyOnce(w.src.get('INBOX')!, w.dst.get('INBOX')!);
    const rows = w.store.sync.messages(w.fpId, '7');
    expect(rows.every((r) => r.state === 'copied')).toBe(true);
    // Each row's destination UID is the one its own message got, and no UID is named twice.
    const dstByUid = new Map(w.dst.get('INBOX')!.messages.map((m) => [m.uid, m.raw.toString()]));
    const srcByUid = new Map(w.src.get('INBOX')!.messages.map((m) => [m.uid, m.raw.toString()]));
    for (const r of rows) expect(dstByUid.get(r.dstUid!)).toBe(srcByUid.get(r.srcUid));
    expect(new Set(rows.map((r) => r.dstUid)).size).toBe(N);
    const helped = helpers.filter((c, i) => i % 2 === 1).reduce((n, c) => n + c.appends, 0);
    expect(helped).toBeGreaterThan(0);
    expect(main.dst.appends).toBeGreaterThan(0);
    expect(released).toBe(helpers.length / 2);
  });

  it('a helper cut after its batch was stored: the folder fails only once every worker stopped, and the next run copies the rest exactly once', async () => {
    const w = world();
    let cut = false;
    const helper = async (): Promise<HelperPair | undefined> => {
      if (cut) return undefined;
      cut = true;
      const pair = { src: new MemConn(w.src), dst: new MemConn(w.dst, (n) => (n === 2 ? 'cut-after' : 'ok')) };
      return { ...pair, release: (broken) => expect(broken).toBe(true) };
    };
    const main = { src: new MemConn(w.src), dst: new MemConn(w.dst) };
    await expect(syncFolder(copyEnv(w.store, helper), main.src, main.dst, w.store.sync.folderPair(w.fpId))).rejects.toThrow(/connection closed/);
    // The cut batch is open (sent, unconfirmed); nothing else is in flight.
    expect(w.store.sync.openBatches(w.fpId)).toHaveLength(1);
    const stored = w.dst.get('INBOX')!.messages.length;
    expect(stored).toBeLessThan(N);
    // The retry: fresh connections, no helpers; it reconciles the open batch first.
    await syncFolder(copyEnv(w.store), new MemConn(w.src), new MemConn(w.dst), w.store.sync.folderPair(w.fpId), { uidValidity: 9n });
    expectExactlyOnce(w.src.get('INBOX')!, w.dst.get('INBOX')!);
    expect(w.store.sync.openBatches(w.fpId)).toHaveLength(0);
    expect(w.store.sync.messages(w.fpId, '7').every((r) => r.state === 'copied')).toBe(true);
  });

  it('no helper where batches cannot be written side by side (no UIDPLUS)', async () => {
    const w = world();
    class NoUidplus extends MemConn {
      override has(c: string): boolean {
        return c !== 'UIDPLUS' && super.has(c);
      }
    }
    let asked = 0;
    const helper = async (): Promise<HelperPair | undefined> => {
      asked++;
      return undefined;
    };
    await syncFolder(copyEnv(w.store, helper), new MemConn(w.src), new NoUidplus(w.dst), w.store.sync.folderPair(w.fpId));
    expect(asked).toBe(0);
    expectExactlyOnce(w.src.get('INBOX')!, w.dst.get('INBOX')!);
  });
});
