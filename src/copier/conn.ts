import type { ImapFlow } from 'imapflow';
import { append, appendEach, status, uidFetch, uidSearch, mailboxArg, type AppendItem, type AppendResult, type EachResult } from '../imap/bulk/commands.js';
import { BulkConnectionError, type BulkConnection } from '../imap/bulk/connection.js';
import { ImapConnectionError } from '../errors.js';
import type { FetchedMessage, FetchKind } from '../imap/bulk/parse.js';
import { ensureFolder } from '../imap/folders.js';
import { bodyBuffer } from '../imap/bulk/body.js';

export type { AppendItem, AppendResult, EachResult } from '../imap/bulk/commands.js';
export type { FetchedMessage, FetchKind } from '../imap/bulk/parse.js';

// What the copier asks of one side's connection while it copies a folder, answered either by
// mailshift's BulkConnection (the bulk path) or by imapflow's public API (the fallback path:
// MAILSHIFT_BULK=off, or where a bulk connection could not be set up). LIST and CREATE always
// go through imapflow.

export interface Mailbox {
  path: string;
  uidValidity: bigint;
  uidNext: number;
  /** Kept current by untagged EXISTS/EXPUNGE on the bulk path, by imapflow on the other. */
  exists: number;
  permanentFlags?: Set<string>;
  highestModseq?: bigint;
}

/** Where a session gets its connection from (a Session: it owns reconnection and the cap). */
export interface ConnectionSource {
  /** An ordinary logged-in imapflow session (a bulk connection held is logged out first). */
  imapflow(): Promise<ImapFlow>;
  /** The bulk connection, or undefined where this session uses the fallback path. */
  bulk(): Promise<BulkConnection | undefined>;
}

export interface CopyConnection {
  readonly kind: 'bulk' | 'imapflow';
  has(capability: string): boolean;
  /** APPENDLIMIT (RFC 7889) when announced for every folder. */
  appendLimit(): number | undefined;
  /** One APPEND can carry a whole batch (MULTIAPPEND, on the bulk path). */
  readonly multiappend: boolean;
  /** The folder selected now, if select() chose it and the connection is the same. */
  readonly selected: Mailbox | undefined;
  select(path: string, readOnly: boolean): Promise<Mailbox>;
  /** UID FETCH in the selected folder (read-only): listing, headers or bodies. */
  fetch(uidSet: string, kind: FetchKind): Promise<Map<number, FetchedMessage>>;
  search(uidSet: string): Promise<number[]>;
  /** STATUS UIDNEXT. */
  uidNext(path: string): Promise<number | undefined>;
  append(path: string, items: AppendItem[]): Promise<AppendResult>;
  appendEach(path: string, items: AppendItem[]): Promise<EachResult[]>;
  /** LIST first, CREATE what is missing (imapflow, on either path). */
  ensureFolder(path: string): Promise<void>;
}

const flagList = (s: Set<string> | undefined) => [...(s ?? [])].filter((f) => f.toLowerCase() !== '\\recent').sort();
const toDate = (d: Date | string | undefined): Date | undefined => (d === undefined ? undefined : d instanceof Date ? d : new Date(d));
const capsLimit = (v: boolean | number | undefined) => (typeof v === 'number' && v > 0 ? v : undefined);

/** imapflow's public API only: fetch(), search(), status(), append() one message at a time. */
export class ImapflowCopy implements CopyConnection {
  readonly kind = 'imapflow' as const;
  readonly multiappend = false;
  #caps: Map<string, boolean | number> = new Map();
  #selected: { client: ImapFlow; path: string; readOnly: boolean; uidValidity: bigint } | undefined;
  constructor(private readonly source: ConnectionSource) {}

  has(c: string): boolean {
    return this.#caps.has(c);
  }
  appendLimit(): number | undefined {
    return capsLimit(this.#caps.get('APPENDLIMIT'));
  }
  get selected(): Mailbox | undefined {
    const s = this.#selected;
    if (!s || !s.client.usable || !s.client.mailbox || s.client.mailbox.path !== s.path) return undefined;
    return toMailbox(s.client.mailbox);
  }

  async #client(): Promise<ImapFlow> {
    const c = await this.source.imapflow();
    this.#caps = c.capabilities;
    return c;
  }
  /** The client with the folder select() chose still selected (re-selected after a reconnect). */
  async #inFolder(): Promise<ImapFlow> {
    const s = this.#selected;
    if (!s) throw new Error('no folder selected');
    const c = await this.#client();
    if (c !== s.client || !c.mailbox || c.mailbox.path !== s.path) await this.select(s.path, s.readOnly);
    return c;
  }

  async connect(): Promise<this> {
    await this.#client();
    return this;
  }
  async select(path: string, readOnly: boolean): Promise<Mailbox> {
    const c = await this.#client();
    const mb = await c.mailboxOpen(path, { readOnly });
    const before = this.#selected;
    if (before && before.path === path && before.client !== c && before.uidValidity !== BigInt(mb.uidValidity)) {
      throw new BulkConnectionError(`${path}: UIDVALIDITY changed while the folder was being copied`);
    }
    this.#selected = { client: c, path, readOnly, uidValidity: BigInt(mb.uidValidity) };
    return toMailbox(mb);
  }
  async fetch(uidSet: string, kind: FetchKind): Promise<Map<number, FetchedMessage>> {
    const c = await this.#inFolder();
    const got = new Map<number, FetchedMessage>();
    const query = { uid: true, flags: true, internalDate: true, size: true, ...(kind === 'body' ? { source: true } : kind === 'header' ? { headers: true } : {}) };
    for await (const m of c.fetch(uidSet, query, { uid: true })) {
      got.set(m.uid, {
        uid: m.uid,
        flags: flagList(m.flags),
        internalDate: toDate(m.internalDate),
        ...(m.size !== undefined ? { size: m.size } : {}),
        ...(m.source ? { source: [m.source] } : {}),
        ...(kind === 'header' ? { headers: m.headers ?? Buffer.alloc(0) } : {}),
      });
    }
    return got;
  }
  async search(uidSet: string): Promise<number[]> {
    const c = await this.#inFolder();
    return ((await c.search({ uid: uidSet }, { uid: true })) || []) as number[];
  }
  async uidNext(path: string): Promise<number | undefined> {
    const st = await (await this.#client()).status(path, { uidNext: true });
    return st && st.uidNext ? st.uidNext : undefined;
  }
  async append(path: string, items: AppendItem[]): Promise<AppendResult> {
    if (items.length > 1) throw new Error('the imapflow path appends one message per command');
    if (!items.length) return {};
    const it = items[0]!;
    const r = await (await this.#client()).append(path, bodyBuffer(it.raw), it.flags, it.internalDate);
    if (!r) throw new ImapConnectionError('APPEND not sent: the session is no longer logged in', { side: 'destination' });
    // A UID without UIDVALIDITY came from a sequence-number lookup, not APPENDUID: not trusted.
    return r.uidValidity !== undefined && r.uid !== undefined ? { uidValidity: r.uidValidity, uids: [r.uid] } : {};
  }
  async appendEach(path: string, items: AppendItem[]): Promise<EachResult[]> {
    const out: EachResult[] = [];
    for (const it of items) {
      try {
        const r = await this.append(path, [it]);
        out.push({ ok: true, ...(r.uidValidity !== undefined ? { uidValidity: r.uidValidity } : {}), ...(r.uids?.[0] !== undefined ? { uid: r.uids[0] } : {}) });
      } catch (err) {
        const st = (err as { responseStatus?: string }).responseStatus;
        if (st !== 'NO' && st !== 'BAD') throw err;
        out.push({ ok: false, error: err as Error });
      }
    }
    return out;
  }
  async ensureFolder(path: string): Promise<void> {
    await ensureFolder(await this.#client(), path);
  }
}

function toMailbox(mb: { path: string; uidValidity: bigint | number; uidNext: number; exists: number; permanentFlags?: Set<string>; highestModseq?: bigint }): Mailbox {
  return {
    path: mb.path,
    uidValidity: BigInt(mb.uidValidity),
    uidNext: mb.uidNext,
    exists: mb.exists,
    ...(mb.permanentFlags ? { permanentFlags: mb.permanentFlags } : {}),
    ...(mb.highestModseq !== undefined ? { highestModseq: mb.highestModseq } : {}),
  };
}

/** The bulk path: every copy command on mailshift's own connection. */
export class BulkCopy implements CopyConnection {
  readonly kind = 'bulk' as const;
  #conn: BulkConnection;
  #want: { path: string; readOnly: boolean; uidValidity: bigint } | undefined;
  constructor(
    private readonly source: ConnectionSource,
    conn: BulkConnection,
  ) {
    this.#conn = conn;
  }

  get multiappend(): boolean {
    return this.#conn.has('MULTIAPPEND');
  }
  has(c: string): boolean {
    return this.#conn.has(c);
  }
  appendLimit(): number | undefined {
    return capsLimit(this.#conn.capabilities.get('APPENDLIMIT'));
  }
  get selected(): Mailbox | undefined {
    const s = this.#conn.selected;
    return this.#conn.usable && s && this.#want && s.path === this.#want.path ? s : undefined;
  }

  /** The current bulk connection (a fresh one after a swap or a reconnect). */
  async #c(): Promise<BulkConnection> {
    if (this.#conn.usable) return this.#conn;
    const c = await this.source.bulk();
    if (!c) throw new BulkConnectionError('the bulk connection is no longer available');
    this.#conn = c;
    return c;
  }
  async #inFolder(): Promise<BulkConnection> {
    const w = this.#want;
    if (!w) throw new Error('no folder selected');
    const c = await this.#c();
    if (c.selected?.path !== w.path) {
      const st = await c.select(w.path, mailboxArg(c, w.path), w.readOnly);
      // The copier planned with the state it selected first; another UIDVALIDITY is another folder.
      if (st.uidValidity !== w.uidValidity) throw new BulkConnectionError(`${w.path}: UIDVALIDITY changed while the folder was being copied`);
    }
    return c;
  }

  async select(path: string, readOnly: boolean): Promise<Mailbox> {
    const c = await this.#c();
    const st = await c.select(path, mailboxArg(c, path), readOnly);
    this.#want = { path, readOnly, uidValidity: st.uidValidity };
    return st;
  }
  async fetch(uidSet: string, kind: FetchKind): Promise<Map<number, FetchedMessage>> {
    return uidFetch(await this.#inFolder(), uidSet, kind);
  }
  async search(uidSet: string): Promise<number[]> {
    return uidSearch(await this.#inFolder(), uidSet);
  }
  async uidNext(path: string): Promise<number | undefined> {
    const st = await status(await this.#c(), path, ['UIDNEXT']);
    const n = st.get('UIDNEXT');
    return n ? Number(n) : undefined;
  }
  async append(path: string, items: AppendItem[]): Promise<AppendResult> {
    return append(await this.#c(), path, items);
  }
  async appendEach(path: string, items: AppendItem[]): Promise<EachResult[]> {
    return appendEach(await this.#c(), path, items);
  }
  async ensureFolder(path: string): Promise<void> {
    // LIST/CREATE on an ordinary session: the session swaps its one connection for it (the
    // server's connection cap still holds), and the next bulk command swaps back.
    await ensureFolder(await this.source.imapflow(), path);
  }
}
