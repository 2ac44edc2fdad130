import type { ImapFlow } from 'imapflow';
import type { DovecotServer } from './dovecot.js';
import { saysAlreadyExists } from '../imap/folders.js';
import { closeClient, openClient, wirePath } from './imap-client.js';

/** Structurally the corpus' CorpusMessage (src/corpus), so a corpus generator plugs straight in. */
/** Any sandbox server (Dovecot or Cyrus). */
export type SeedTarget = Pick<DovecotServer, 'host' | 'port' | 'separator' | 'namespacePrefix'>;

export interface SeedMessage {
  /** '/'-separated logical folder path. */
  folder: string;
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

/** Structurally the corpus' CorpusUser folder entry. */
export interface SeedFolder {
  path: string;
  specialUse?: string;
}

export interface SeedOptions {
  /**
   * Folder list of the corpus user. A folder with a specialUse is seeded into the server's folder
   * with that SPECIAL-USE attribute (e.g. corpus '已傳送' \Sent → Dovecot 'Sent' / 'INBOX.Sent').
   * Folders listed here are created even when they get no message.
   */
  folders?: SeedFolder[];
  /**
   * IMAP connections used at once (default 1). More is faster for a big corpus, but several
   * sessions of one user creating folders while others append can stall Dovecot on its list
   * index lock (60 s, then SERVERBUG) on a loaded machine.
   */
  connections?: number;
  /**
   * Default true: each folder is appended by one connection, so UIDs follow input order. false
   * spreads every message over all connections (faster when one folder holds most of the mail).
   */
  preserveOrder?: boolean;
}

export interface SeedResult {
  messages: number;
  bytes: number;
  /** Logical corpus folder → wire path it was seeded into. */
  folderMap: Map<string, string>;
}

interface Worker {
  client: ImapFlow;
  queue: SeedMessage[];
  queuedBytes: number;
  running: Promise<void> | undefined;
  error: unknown;
}

const MAX_BUFFERED = 64 * 1024 * 1024;

/**
 * Appends messages with their flags, keywords and INTERNALDATE through IMAP APPEND, creating
 * folders as needed. Messages of one folder are appended in input order on one connection.
 */
export async function seedMessages(
  server: SeedTarget,
  user: string,
  password: string,
  msgs: Iterable<SeedMessage>,
  opts: SeedOptions = {},
): Promise<SeedResult> {
  const n = Math.max(1, opts.connections ?? 1);
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < n; i++) {
      workers.push({ client: await openClient(server, user, password), queue: [], queuedBytes: 0, running: undefined, error: undefined });
    }
    const main = workers[0]!.client;
    const bySpecialUse = new Map<string, string>();
    const existing = new Set<string>();
    for (const f of await main.list()) {
      existing.add(f.path);
      if (f.specialUse) bySpecialUse.set(f.specialUse, f.path);
    }
    const folderMap = new Map<string, string>();
    const specialOf = new Map((opts.folders ?? []).map((f) => [f.path, f.specialUse]));
    const targetOf = (logical: string): string => {
      let t = folderMap.get(logical);
      if (t === undefined) {
        const use = specialOf.get(logical);
        t = (use && bySpecialUse.get(use)) || wirePath(server, logical);
        folderMap.set(logical, t);
      }
      return t;
    };
    const ensure = async (path: string) => {
      if (existing.has(path)) return;
      try {
        await main.mailboxCreate(path);
      } catch (err) {
        if (!saysAlreadyExists(err)) throw err;
      }
      existing.add(path);
    };
    for (const f of opts.folders ?? []) await ensure(targetOf(f.path));

    const workerOfFolder = new Map<string, Worker>();
    let next = 0;
    let buffered = 0;
    let count = 0;
    let bytes = 0;

    const drain = (w: Worker): Promise<void> => {
      if (!w.running) {
        w.running = (async () => {
          try {
            while (w.queue.length > 0) {
              const m = w.queue.shift()!;
              const path = targetOf(m.folder);
              const flags = m.flags.filter((f) => f !== '\\Recent');
              await w.client.append(path, m.raw, flags, m.internalDate);
              w.queuedBytes -= m.raw.length;
              buffered -= m.raw.length;
            }
          } catch (err) {
            w.error = err;
          } finally {
            w.running = undefined;
          }
        })();
      }
      return w.running;
    };

    for (const m of msgs) {
      await ensure(targetOf(m.folder));
      let w = opts.preserveOrder === false ? workers[next++ % workers.length]! : workerOfFolder.get(m.folder);
      if (!w) {
        w = workers[next++ % workers.length]!;
        workerOfFolder.set(m.folder, w);
      }
      if (w.error) throw w.error;
      w.queue.push(m);
      w.queuedBytes += m.raw.length;
      buffered += m.raw.length;
      count++;
      bytes += m.raw.length;
      void drain(w);
      while (buffered > MAX_BUFFERED) {
        await Promise.race(workers.filter((x) => x.running).map((x) => x.running!));
        const failed = workers.find((x) => x.error);
        if (failed) throw failed.error;
      }
    }
    await Promise.all(workers.map((w) => w.running));
    const failed = workers.find((x) => x.error);
    if (failed) throw failed.error;
    return { messages: count, bytes, folderMap };
  } finally {
    await Promise.all(workers.map((w) => closeClient(w.client)));
  }
}

/** Adds the user to the server and seeds all of its corpus messages (folders and special-use mapping included). */
export async function seedUser(
  server: SeedTarget & Pick<DovecotServer, 'addUser'>,
  corpusUser: { user: string; password: string; folders: SeedFolder[]; messages(): Iterable<SeedMessage> },
  opts: Omit<SeedOptions, 'folders'> = {},
): Promise<SeedResult> {
  await server.addUser(corpusUser.user, corpusUser.password);
  return seedMessages(server, corpusUser.user, corpusUser.password, corpusUser.messages(), { ...opts, folders: corpusUser.folders });
}
