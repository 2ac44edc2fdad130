import { createHash } from 'node:crypto';
import { identityKey, type MessageIdentity } from './identity.js';

export type DifferenceKind = 'missing' | 'duplicated' | 'extra' | 'altered';
export type AlteredPart = 'bytes' | 'flags' | 'internaldate';

/** One message that is not where and as it should be. */
export interface Difference {
  kind: DifferenceKind;
  messageId?: string;
  subject?: string;
  srcUid?: number;
  dstUid?: number;
  internalDate?: string;
  /** For 'altered': which parts differ. */
  parts?: AlteredPart[];
  /** Human-readable: what differs, or why the message is missing (the store's reason). */
  detail: string;
  /** For altered bytes (verify --deep): the first differing byte range, [start, end) on each side. */
  byteRange?: { start: number; sourceEnd: number; destinationEnd: number };
}

export interface FolderInput {
  source: MessageIdentity[];
  destination: MessageIdentity[];
  /** Source UID -> destination UID, from the store's copied rows (the fast path's pairing). */
  mapping?: ReadonlyMap<number, number>;
  /** Why a source message was not copied, from the store (skipped/failed rows). */
  notCopied?: ReadonlyMap<number, { state: string; reason?: string | null }>;
  /** Compare bytes (sha256) and flags too. */
  deep: boolean;
  /** The destination folder's PERMANENTFLAGS, when the server told us (empty/undefined: unknown). */
  destinationPermanentFlags?: readonly string[];
  /** The destination folder's FLAGS list, used for system flags when PERMANENTFLAGS is unknown. */
  destinationFlags?: readonly string[];
  /** Per source UID, the flags the sync recorded as refused by the destination (it saw PERMANENTFLAGS on SELECT). */
  droppedFlags?: ReadonlyMap<number, readonly string[]>;
}

export interface FolderComparison {
  sourceCount: number;
  destinationCount: number;
  matched: number;
  missing: number;
  duplicated: number;
  extra: number;
  altered: number;
  differences: Difference[];
  /** Source flags the destination does not store (not in PERMANENTFLAGS): listed, not errors. */
  refusedFlags: { flag: string; messages: number }[];
  /** sha256 over the sorted per-message fingerprints of each side (equal when the folders match). */
  sourceDigest: string;
  destinationDigest: string;
}

const lc = (s: string) => s.toLowerCase();

/**
 * Compares one source folder with its destination folder as multisets of message identities.
 * Pairs first by the store's UID mapping (only when the destination UID still holds a message
 * with the same identity, so a change behind mailshift's back is caught), then by identity,
 * preferring equal INTERNALDATEs. Unpaired source messages are missing; unpaired destination
 * messages are duplicates when their identity exists in the source, extras otherwise.
 */
export function compareFolder(input: FolderInput): FolderComparison {
  const dstByUid = new Map(input.destination.map((d) => [d.uid, d]));
  const pairs: [MessageIdentity, MessageIdentity][] = [];
  const pairedSrc = new Set<number>();
  const pairedDst = new Set<number>();

  if (input.mapping) {
    for (const s of input.source) {
      const dstUid = input.mapping.get(s.uid);
      const d = dstUid === undefined ? undefined : dstByUid.get(dstUid);
      if (d && !pairedDst.has(d.uid) && identityKey(d) === identityKey(s)) {
        pairs.push([s, d]);
        pairedSrc.add(s.uid);
        pairedDst.add(d.uid);
      }
    }
  }

  const srcByKey = groupByKey(input.source.filter((s) => !pairedSrc.has(s.uid)));
  const dstByKey = groupByKey(input.destination.filter((d) => !pairedDst.has(d.uid)));
  const sourceKeys = new Set(input.source.map(identityKey));
  const missing: MessageIdentity[] = [];
  for (const [key, srcs] of srcByKey) {
    const dsts = dstByKey.get(key) ?? [];
    // Equal INTERNALDATE first, so a duplicate with another date is the one left over.
    for (const s of srcs) {
      const i = dsts.findIndex((d) => d.internalDate === s.internalDate);
      if (i >= 0) {
        pairs.push([s, dsts[i]!]);
        dsts.splice(i, 1);
        pairedSrc.add(s.uid);
      }
    }
    for (const s of srcs) {
      if (pairedSrc.has(s.uid)) continue;
      const d = dsts.shift();
      if (d) {
        pairs.push([s, d]);
        pairedSrc.add(s.uid);
      } else missing.push(s);
    }
    if (dsts.length) dstByKey.set(key, dsts);
    else dstByKey.delete(key);
  }
  let leftovers = [...dstByKey.values()].flat().sort((a, b) => a.uid - b.uid);

  // A destination that changed what it stored (8-bit header bytes munged, headers added, line
  // ends normalised) gives the copy another header hash. Such a message is the source message,
  // altered - not one missing plus one foreign: paired by the store's UID mapping, else by
  // Message-ID + INTERNALDATE, else (no Message-ID) by INTERNALDATE + size when only one fits.
  const alteredPairs = new Set<MessageIdentity>();
  if (missing.length && leftovers.length) {
    const left = new Map(leftovers.map((d) => [d.uid, d]));
    const take = (s: MessageIdentity, d: MessageIdentity) => {
      pairs.push([s, d]);
      pairedSrc.add(s.uid);
      left.delete(d.uid);
      alteredPairs.add(s);
    };
    for (const s of missing) {
      const mapped = input.mapping?.get(s.uid);
      const d = mapped === undefined ? undefined : left.get(mapped);
      if (d) take(s, d);
    }
    for (const s of missing) {
      if (pairedSrc.has(s.uid) || !s.messageId) continue;
      const d = [...left.values()].find((x) => x.messageId === s.messageId && x.internalDate === s.internalDate);
      if (d) take(s, d);
    }
    for (const s of missing) {
      if (pairedSrc.has(s.uid) || s.messageId) continue;
      const fits = [...left.values()].filter((x) => !x.messageId && x.internalDate === s.internalDate && x.size === s.size);
      const twins = missing.filter((o) => !pairedSrc.has(o.uid) && !o.messageId && o.internalDate === s.internalDate && o.size === s.size);
      if (fits.length === 1 && twins.length === 1) take(s, fits[0]!);
    }
    missing.splice(0, missing.length, ...missing.filter((s) => !pairedSrc.has(s.uid)));
    leftovers = [...left.values()];
  }

  const differences: Difference[] = [];
  for (const s of missing.sort((a, b) => a.uid - b.uid)) {
    const why = input.notCopied?.get(s.uid);
    const mapped = input.mapping?.get(s.uid);
    let detail = 'not in the destination';
    if (why) detail += ` (${why.state}${why.reason ? `: ${why.reason}` : ''})`;
    else if (mapped !== undefined) detail += ` (was copied as destination UID ${mapped}; that message is gone or changed)`;
    else if (input.mapping) detail += ' (not copied yet)';
    differences.push({ kind: 'missing', ...ref(s), srcUid: s.uid, detail });
  }
  for (const d of leftovers) {
    const dup = sourceKeys.has(identityKey(d));
    differences.push({
      kind: dup ? 'duplicated' : 'extra',
      ...ref(d),
      dstUid: d.uid,
      detail: dup ? 'one more copy in the destination than in the source' : 'only in the destination (not from this source folder)',
    });
  }

  const refused = new Map<string, { flag: string; messages: number }>();
  const refusedFlag = refusalTest(input);
  for (const [s, d] of pairs.sort((a, b) => a[0].uid - b[0].uid)) {
    const parts: AlteredPart[] = [];
    const notes: string[] = [];
    if (s.internalDate !== d.internalDate) {
      parts.push('internaldate');
      notes.push(`INTERNALDATE ${s.internalDate ?? '?'} -> ${d.internalDate ?? '?'}`);
    }
    const dstFlags = new Set(d.flags.map(lc));
    for (const f of s.flags) {
      if (!dstFlags.has(lc(f)) && refusedFlag(f, s.uid)) {
        const r = refused.get(lc(f)) ?? { flag: f, messages: 0 };
        r.messages++;
        refused.set(lc(f), r);
      }
    }
    // Paired by identity (8-bit bytes read alike) while the bytes differ: a destination that
    // rewrote 8-bit header bytes (Cyrus munge8bit) changed the message, even without --deep.
    const rewritten = s.headerExact !== undefined && d.headerExact !== undefined && s.headerExact !== d.headerExact;
    if ((alteredPairs.has(s) || rewritten) && !(input.deep && s.sha256 !== undefined && d.sha256 !== undefined && s.sha256 !== d.sha256)) {
      parts.push('bytes');
      notes.push(`the destination changed the message's headers (${s.size} -> ${d.size} bytes)`);
    }
    if (input.deep) {
      if (s.sha256 !== undefined && d.sha256 !== undefined && s.sha256 !== d.sha256) {
        parts.push('bytes');
        notes.push(`content differs (${s.size} -> ${d.size} bytes)`);
      }
      const srcFlags = new Set(s.flags.map(lc));
      const lost = s.flags.filter((f) => !dstFlags.has(lc(f)) && !refusedFlag(f, s.uid));
      const added = d.flags.filter((f) => !srcFlags.has(lc(f)));
      if (lost.length || added.length) {
        parts.push('flags');
        notes.push(`flags ${fmtFlags(s.flags)} -> ${fmtFlags(d.flags)}`);
      }
    }
    if (parts.length) differences.push({ kind: 'altered', ...ref(s), srcUid: s.uid, dstUid: d.uid, parts, detail: notes.join('; ') });
  }

  const count = (k: DifferenceKind) => differences.filter((x) => x.kind === k).length;
  return {
    sourceCount: input.source.length,
    destinationCount: input.destination.length,
    matched: pairs.length,
    missing: count('missing'),
    duplicated: count('duplicated'),
    extra: count('extra'),
    altered: count('altered'),
    differences,
    refusedFlags: [...refused.values()].sort((a, b) => a.flag.localeCompare(b.flag)),
    sourceDigest: digest(input.source, input.deep),
    destinationDigest: digest(input.destination, input.deep),
  };
}

/** Whether nothing is missing, duplicated or altered: the verify exit-0 condition. */
export function isClean(c: Pick<FolderComparison, 'missing' | 'duplicated' | 'altered'>): boolean {
  return c.missing === 0 && c.duplicated === 0 && c.altered === 0;
}

/**
 * sha256 over the sorted fingerprints "Message-ID|INTERNALDATE|header hash[|sha256]" of a folder:
 * one value an auditor can compare between the two sides.
 */
export function digest(messages: readonly MessageIdentity[], deep: boolean): string {
  const lines = messages.map((m) => [m.messageId ?? '', m.internalDate ?? '', m.headerHash, ...(deep ? [m.sha256 ?? ''] : [])].join('|')).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * A flag the destination would not keep: not in its PERMANENTFLAGS (keywords allowed by \*), or
 * recorded as dropped by the sync. verify reads with EXAMINE, where servers send an empty
 * PERMANENTFLAGS; then only the sync's record and, for system flags, the FLAGS list can say so.
 */
function refusalTest(input: FolderInput): (flag: string, srcUid: number) => boolean {
  const dropped = (f: string, uid: number) => input.droppedFlags?.get(uid)?.some((d) => lc(d) === lc(f)) ?? false;
  const perm = input.destinationPermanentFlags?.map(lc) ?? [];
  if (perm.length) {
    const anyKeyword = perm.includes('\\*');
    const set = new Set(perm);
    return (f, uid) => dropped(f, uid) || (!set.has(lc(f)) && (f.startsWith('\\') || !anyKeyword));
  }
  const known = new Set(input.destinationFlags?.map(lc) ?? []);
  return (f, uid) => dropped(f, uid) || (known.size > 0 && f.startsWith('\\') && !known.has(lc(f)));
}

function groupByKey(list: MessageIdentity[]): Map<string, MessageIdentity[]> {
  const out = new Map<string, MessageIdentity[]>();
  for (const m of [...list].sort((a, b) => a.uid - b.uid)) {
    const k = identityKey(m);
    const g = out.get(k);
    if (g) g.push(m);
    else out.set(k, [m]);
  }
  return out;
}

function ref(m: MessageIdentity): Pick<Difference, 'messageId' | 'subject' | 'internalDate'> {
  return { messageId: m.messageId, subject: m.subject, internalDate: m.internalDate };
}

const fmtFlags = (f: readonly string[]) => (f.length ? `(${f.join(' ')})` : '()');

/**
 * The first run of bytes where two versions of a message differ: [start, end) in the source and
 * in the destination, found by walking both from the start and resynchronising on the first 8
 * equal bytes after the difference (munge8bit keeps lengths; added headers and CRLF changes do not).
 */
export function firstDifference(a: Buffer, b: Buffer): { start: number; sourceEnd: number; destinationEnd: number } | undefined {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  if (i === n && a.length === b.length) return undefined;
  if (a.length === b.length) {
    // Same length (bytes rewritten in place, as munge8bit does): the run of differing bytes.
    let j = i;
    while (j < n && a[j] !== b[j]) j++;
    return { start: i, sourceEnd: j, destinationEnd: j };
  }
  const W = 8;
  const LIMIT = 64 * 1024;
  for (let len = 1; len <= LIMIT; len++) {
    // Equal-length change first (a rewritten byte), then insertions/deletions of up to `len` bytes.
    for (const [da, db] of [[len, len], [len, 0], [0, len]] as const) {
      const x = i + da;
      const y = i + db;
      if (x + W > a.length || y + W > b.length) continue;
      if (a.subarray(x, x + W).equals(b.subarray(y, y + W))) {
        // Shrink the equal-length case to the bytes that really differ.
        let ea = x;
        let eb = y;
        while (ea > i && eb > i && a[ea - 1] === b[eb - 1]) (ea--, eb--);
        return { start: i, sourceEnd: ea, destinationEnd: eb };
      }
    }
  }
  return { start: i, sourceEnd: a.length, destinationEnd: b.length };
}

/** A short, printable view of some bytes (8-bit and control bytes as \xNN). */
export function showBytes(b: Buffer, max = 40): string {
  let out = '';
  for (const c of b.subarray(0, max)) out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : c === 0x0d ? '\\r' : c === 0x0a ? '\\n' : `\\x${c.toString(16).padStart(2, '0')}`;
  return b.length > max ? `${out}…` : out;
}
