/**
 * Seeds a sandbox Dovecot user by writing Maildir files directly: much faster than IMAP APPEND for
 * the benchmark's ~1 GB corpus, and equivalent as seen through IMAP (the integration test compares
 * both ways with snapshotDigest).
 *
 * How Dovecot reads what we write:
 * - folders are created through IMAP first (Dovecot makes cur/new/tmp, maildirfolder, subscriptions);
 *   their directory is the mUTF-7 name under the user's root: LAYOUT=fs `a/b`, Maildir++ `.a.b`,
 *   INBOX the root itself;
 * - a message is a file in cur/ named `<time>.M<seq>P<pid>.mailshift,S=<size>:2,<flags>`; system flags
 *   are the letters D F R S T, keywords are the letters a–z indexing the folder's `dovecot-keywords`
 *   file (so at most 26 keywords per folder);
 * - INTERNALDATE is the file's mtime;
 * - new files get UIDs in file-name order when Dovecot next syncs the folder, so `M<seq>` keeps
 *   the input order. The files are written via tmp/ and renamed, as Maildir requires.
 */
import { chownSync, existsSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DovecotServer } from './dovecot.js';
import { closeClient, openClient, wirePath } from './imap-client.js';
import type { SeedFolder, SeedMessage, SeedOptions, SeedResult } from './seed.js';
import { SandboxError } from '../errors.js';

const SYSTEM_LETTERS: Record<string, string> = {
  '\\draft': 'D',
  '\\flagged': 'F',
  '\\answered': 'R',
  '\\seen': 'S',
  '\\deleted': 'T',
};

/** IMAP modified UTF-7 (RFC 3501 5.1.3), the encoding of Dovecot's on-disk folder names. */
export function encodeMutf7(s: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const be = Buffer.from(pending, 'utf16le').swap16();
    out += '&' + be.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = '';
  };
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else {
      pending += ch;
    }
  }
  flush();
  return out;
}

interface FolderState {
  dir: string;
  keywords: string[];
}

/** Same contract as seedMessages, but writes Maildir files. The user must already exist. */
export async function seedMaildir(
  server: DovecotServer,
  user: string,
  password: string,
  msgs: Iterable<SeedMessage>,
  opts: Pick<SeedOptions, 'folders'> = {},
): Promise<SeedResult> {
  const client = await openClient(server, user, password);
  const root = server.userMaildir(user);
  const own = process.getuid?.() === 0;
  const chown = (path: string) => {
    if (own) chownSync(path, server.mailOwner.uid, server.mailOwner.gid);
  };
  try {
    const bySpecialUse = new Map<string, string>();
    const existing = new Set<string>();
    for (const f of await client.list()) {
      existing.add(f.path);
      if (f.specialUse) bySpecialUse.set(f.specialUse, f.path);
    }
    const specialOf = new Map((opts.folders ?? []).map((f: SeedFolder) => [f.path, f.specialUse]));
    const folderMap = new Map<string, string>();
    const states = new Map<string, FolderState>();

    const dirOf = (wire: string): string => {
      if (wire.toUpperCase() === 'INBOX') return root;
      const logical = server.namespacePrefix && wire.startsWith(server.namespacePrefix) ? wire.slice(server.namespacePrefix.length) : wire;
      const parts = logical.split(server.separator).map(encodeMutf7);
      return server.separator === '/' ? join(root, ...parts) : join(root, '.' + parts.join('.'));
    };

    const stateOf = async (logical: string): Promise<FolderState> => {
      let wire = folderMap.get(logical);
      if (wire === undefined) {
        const use = specialOf.get(logical);
        wire = (use && bySpecialUse.get(use)) || wirePath(server, logical);
        folderMap.set(logical, wire);
      }
      let st = states.get(wire);
      if (st) return st;
      if (!existing.has(wire)) {
        try {
          await client.mailboxCreate(wire);
        } catch (err) {
          if ((err as { serverResponseCode?: string }).serverResponseCode !== 'ALREADYEXISTS') throw err;
        }
        existing.add(wire);
      }
      // Makes Dovecot create the Maildir (INBOX's cur/ appears on first access).
      await client.status(wire, { messages: true });
      const dir = dirOf(wire);
      if (!existsSync(join(dir, 'cur'))) throw new SandboxError(`seedMaildir: no Maildir for ${wire} at ${dir}`);
      const kwFile = join(dir, 'dovecot-keywords');
      const keywords: string[] = [];
      if (existsSync(kwFile)) {
        for (const line of readFileSync(kwFile, 'utf8').split('\n')) {
          const m = /^(\d+) (.+)$/.exec(line);
          if (m) keywords[Number(m[1])] = m[2]!;
        }
      }
      st = { dir, keywords };
      states.set(wire, st);
      return st;
    };

    const writeKeywords = (st: FolderState) => {
      const file = join(st.dir, 'dovecot-keywords');
      const tmp = join(st.dir, 'tmp', `dovecot-keywords.${process.pid}`);
      writeFileSync(tmp, st.keywords.map((k, i) => `${i} ${k}\n`).join(''));
      chown(tmp);
      renameSync(tmp, file);
    };

    const stamp = Math.floor(Date.now() / 1000);
    let seq = 0;
    let count = 0;
    let bytes = 0;
    for (const m of msgs) {
      const st = await stateOf(m.folder);
      const letters: string[] = [];
      let newKeyword = false;
      for (const flag of m.flags) {
        if (flag.startsWith('\\')) {
          const l = SYSTEM_LETTERS[flag.toLowerCase()];
          if (l) letters.push(l);
          continue; // \Recent and unknown system flags are not stored
        }
        // Like imapflow's APPEND, a keyword that is not an IMAP atom (e.g. non-ASCII) is dropped.
        if (!/^[\x21-\x7e]+$/.test(flag) || /[(){%*"\\\]]/.test(flag)) continue;
        let i = st.keywords.indexOf(flag);
        if (i < 0) {
          if (st.keywords.length >= 26) throw new SandboxError(`seedMaildir: more than 26 keywords in folder ${m.folder}; use seedMessages`);
          i = st.keywords.push(flag) - 1;
          newKeyword = true;
        }
        letters.push(String.fromCharCode(97 + i));
      }
      if (newKeyword) writeKeywords(st);
      const name = `${stamp}.M${String(seq++).padStart(9, '0')}P${process.pid}.mailshift,S=${m.raw.length}:2,${[...new Set(letters)].sort().join('')}`;
      const tmp = join(st.dir, 'tmp', name);
      writeFileSync(tmp, m.raw);
      chown(tmp);
      utimesSync(tmp, m.internalDate, m.internalDate);
      renameSync(tmp, join(st.dir, 'cur', name));
      count++;
      bytes += m.raw.length;
    }
    // Let Dovecot pick the files up now (assigning UIDs in file-name order).
    for (const wire of states.keys()) await client.status(wire, { messages: true, uidNext: true });
    return { messages: count, bytes, folderMap };
  } finally {
    await closeClient(client);
  }
}
