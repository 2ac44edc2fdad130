import type { ImapFlow, ListResponse } from 'imapflow';

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
  const delimiter = client.namespace?.delimiter ?? list.find((f) => f.delimiter)?.delimiter ?? '/';
  const prefix = client.namespace?.prefix ?? '';
  return { delimiter, prefix, folders: list.map((f) => toFolderInfo(f, delimiter, prefix)).sort((a, b) => cmpPath(a.logicalPath, b.logicalPath)) };
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
  if (f.status && selectable) {
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
