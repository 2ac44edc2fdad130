import type { ImapFlow, ListResponse } from 'imapflow';
import { ImapProtocolError } from '../errors.js';

/** One folder as a server lists it. */
export interface FolderInfo {
  /** The path as imapflow reports it (namespace prefix and server delimiter included, decoded from
   *  modified UTF-7): pass it to imapflow as is; imapflow encodes it on the wire. */
  path: string;
  /** Parent names + name joined by '/', namespace prefix removed. */
  logicalPath: string;
  delimiter: string;
  specialUse?: string;
  selectable: boolean;
  status?: { messages: number; uidNext: number; uidValidity: bigint; highestModseq?: bigint };
}

export interface ListedFolders {
  delimiter: string;
  /** Personal namespace prefix, e.g. 'INBOX.' ('' when none). */
  prefix: string;
  folders: FolderInfo[];
}

/** Lists every folder of the logged-in user with STATUS (one LIST-STATUS round trip where supported). */
export async function listFolders(client: ImapFlow): Promise<ListedFolders> {
  const list = await client.list({ statusQuery: { messages: true, uidNext: true, uidValidity: true, highestModseq: true } });
  inferNamespace(client, list);
  const delimiter = client.namespace?.delimiter ?? list.find((f) => f.delimiter)?.delimiter ?? '/';
  const prefix = client.namespace?.prefix ?? '';
  return { delimiter, prefix, folders: list.map((f) => toFolderInfo(f, delimiter, prefix)).sort((a, b) => cmpPath(a.logicalPath, b.logicalPath)) };
}

/**
 * The listing without the folders the server lists but says do not exist: a listed folder that
 * came back without STATUS is asked again, and an answer of NO [NONEXISTENT] (RFC 5530) drops it.
 * Dovecot can list a folder deleted while another session had it open (that session's index
 * files recreate its directory); it is gone, and a copy must not fail on it forever.
 */
export async function listExistingFolders(client: ImapFlow): Promise<ListedFolders> {
  const listed = await listFolders(client);
  const folders: FolderInfo[] = [];
  for (const f of listed.folders) {
    if (f.selectable && !f.status && f.path.toUpperCase() !== 'INBOX') {
      const gone = await client.status(f.path, { messages: true }).then(
        () => false,
        (err: { serverResponseCode?: string; responseText?: string }) => err.serverResponseCode === 'NONEXISTENT' || /\b(doesn't|does not) exist\b|no such mailbox/i.test(err.responseText ?? ''),
      );
      if (gone) continue;
    }
    folders.push(f);
  }
  return { ...listed, folders };
}

/**
 * A server without NAMESPACE (RFC 2342) still has a personal namespace: when every folder but
 * INBOX sits under "INBOX<delimiter>" (Courier- and Dovecot-style "INBOX." servers), that is its
 * prefix, and new folders must go there too (such servers refuse top-level names). Recorded on
 * the session the way a NAMESPACE answer would be, so creating and mapping agree.
 */
export function inferNamespace(client: ImapFlow, list: ListResponse[]): void {
  if (client.capabilities.has('NAMESPACE')) return;
  const delimiter = list.find((f) => f.path.toUpperCase() === 'INBOX')?.delimiter || list.find((f) => f.delimiter)?.delimiter || '';
  const others = list.filter((f) => f.path.toUpperCase() !== 'INBOX');
  const inboxPrefix = delimiter ? `INBOX${delimiter}` : '';
  const prefix = inboxPrefix && others.length > 0 && others.every((f) => f.path.startsWith(inboxPrefix)) ? inboxPrefix : '';
  (client as unknown as { namespace: { prefix: string; delimiter: string } }).namespace = { prefix, delimiter: delimiter || client.namespace?.delimiter || '/' };
}

/** INBOX first, then parents before children, otherwise by code point (stable across runs). */
function cmpPath(a: string, b: string): number {
  if (a === 'INBOX') return b === 'INBOX' ? 0 : -1;
  if (b === 'INBOX') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function toFolderInfo(f: ListResponse, fallbackDelimiter: string, prefix: string): FolderInfo {
  const delimiter = f.delimiter || fallbackDelimiter;
  const components = pathComponents(f.path, delimiter, prefix);
  const flags = f.flags ?? new Set<string>();
  const selectable = !flags.has('\\Noselect') && !flags.has('\\NonExistent');
  const info: FolderInfo = { path: f.path, logicalPath: components.join('/'), delimiter, selectable };
  if (f.specialUse && f.specialUse !== '\\Inbox') info.specialUse = f.specialUse;
  // imapflow's per-folder STATUS fallback (no LIST-STATUS) leaves { error } for a refusal: no status.
  if (f.status && !('error' in f.status) && selectable) {
    info.status = {
      messages: f.status.messages ?? 0,
      uidNext: f.status.uidNext ?? 0,
      uidValidity: BigInt(f.status.uidValidity ?? 0n),
      ...(f.status.highestModseq !== undefined ? { highestModseq: BigInt(f.status.highestModseq) } : {}),
    };
  }
  return info;
}

/** The path's names without the namespace prefix ('INBOX.Sent' with prefix 'INBOX.' -> ['Sent']). */
export function pathComponents(path: string, delimiter: string, prefix: string): string[] {
  if (path.toUpperCase() === 'INBOX') return ['INBOX'];
  let rest = path;
  if (prefix && rest.startsWith(prefix)) rest = rest.slice(prefix.length);
  if (!delimiter) return [rest];
  const parts = rest.split(delimiter);
  if (parts[0]?.toUpperCase() === 'INBOX') parts[0] = 'INBOX';
  return parts;
}

/** A CREATE refused because the folder is already there: RFC 5530's code, or the words (Cyrus
 *  answers `NO Mailbox already exists` without a code). Only a LIST decides that it is. */
export function saysAlreadyExists(err: unknown): boolean {
  const e = err as { serverResponseCode?: string; responseText?: string; response?: string; message?: string };
  if (e?.serverResponseCode?.toUpperCase() === 'ALREADYEXISTS') return true;
  return /already exists|mailbox exists|ALREADYEXISTS/i.test(`${e?.responseText ?? ''} ${typeof e?.response === 'string' ? e.response : ''} ${e?.message ?? ''}`);
}

/** The folder's parents (prefix kept) then the folder itself: 'INBOX.a.b' -> ['INBOX.a', 'INBOX.a.b']. */
export function pathChain(path: string, delimiter: string, prefix: string): string[] {
  const hasPrefix = prefix !== '' && path.startsWith(prefix);
  const rest = hasPrefix ? path.slice(prefix.length) : path;
  const parts = delimiter ? rest.split(delimiter) : [rest];
  const out: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const p = (hasPrefix ? prefix : '') + parts.slice(0, i).join(delimiter);
    if (p.toUpperCase() === 'INBOX' || p === prefix.slice(0, -1)) continue;
    out.push(p);
  }
  return out;
}

/**
 * Makes sure a folder exists, the standard way rather than one server's: LIST first, CREATE only
 * what is missing, parents before children; a NO that says the folder exists counts as success
 * once a LIST shows it. The folder itself must end up selectable; a parent may be a container.
 */
export async function ensureFolder(client: ImapFlow, path: string, known?: Map<string, ListResponse>): Promise<{ created: string[] }> {
  const delimiter = client.namespace?.delimiter ?? '/';
  const prefix = client.namespace?.prefix ?? '';
  const chain = pathChain(path, delimiter, prefix);
  const listed = async (p: string) => (await client.list()).find((f) => f.path === p);
  // `known`: one LIST shared by several calls (creating many folders at once), kept current here.
  const all = known ?? new Map((await client.list()).map((f) => [f.path, f]));
  const created: string[] = [];
  for (const [i, p] of chain.entries()) {
    const self = i === chain.length - 1;
    const f = all.get(p);
    const usable = (x: ListResponse | undefined) => x !== undefined && (!self || (!x.flags?.has('\\Noselect') && !x.flags?.has('\\NonExistent')));
    if (usable(f)) continue;
    try {
      const r = await client.mailboxCreate(p);
      // imapflow turns NO [ALREADYEXISTS] into created: false; the LIST still has to agree.
      if (r?.created === false && self && !usable(await listed(p))) throw new ImapProtocolError(`the server says "${p}" exists, but does not list it as a folder`);
      if (r?.created !== false) created.push(p);
      if (known) known.set(p, { path: p, flags: new Set<string>(), delimiter } as unknown as ListResponse);
    } catch (err) {
      if (!saysAlreadyExists(err)) throw err;
      const again = await listed(p);
      if (!usable(again)) throw err;
    }
  }
  return { created };
}
