// The per-user message plan: which folder, flags, date, size class and edge case each message
// has. Cheap metadata only (a few dozen bytes per message); the bytes are built lazily from it.
import { mix, Rng } from './prng.js';
import {
  type CorpusFolder,
  type CorpusPreset,
  type EdgeCaseId,
  type TextVariant,
  EMPTY_FOLDERS,
} from './presets.js';

export type MessageKind = 'normal' | 'attachment' | 'huge';

export interface MessageSpec {
  index: number;
  folder: string;
  flags: string[];
  internalDate: Date;
  seed: number;
  kind: MessageKind;
  /** Target size of the whole message in bytes (approximate). */
  size: number;
  edge?: EdgeCaseId;
  /** Byte-identical copy of the message at this plan index. */
  copyOf?: number;
  /** Reuses the Message-ID of the message at this plan index (different body). */
  messageIdOf?: number;
  /** A reply to the message at this plan index (Re: subject, In-Reply-To, quoted text). */
  replyTo?: number;
  variant?: TextVariant;
}

const DAY = 86_400_000;

/** Last internal date of the corpus: fixed, shifted by the seed, never the clock. */
export function corpusEndDate(seed: number): number {
  return Date.UTC(2025, 11, 31, 18, 0, 0) - (mix(seed, 0xe4d) % 120) * DAY;
}
export const CORPUS_SPAN_MS = Math.round(5 * 365.25 * DAY);

interface EdgeEntry {
  edge: EdgeCaseId;
  folder: string;
  key?: string;
  copyOf?: string;
  messageIdOf?: string;
  sameFlags?: boolean;
  variant?: TextVariant;
  kind?: MessageKind;
}

/** Originals come before the copies that refer to them. */
const EDGE_ENTRIES: readonly EdgeEntry[] = [
  { edge: 'no-message-id', folder: 'INBOX' },
  { edge: 'duplicate-message-id-same-folder', folder: 'INBOX', key: 'dupId' },
  { edge: 'byte-identical-duplicate', folder: 'INBOX', key: 'ident' },
  { edge: 'duplicate-message-id-across-folders', folder: 'INBOX', key: 'cross' },
  { edge: 'raw-8bit-headers', folder: 'INBOX', variant: 'hant' },
  { edge: 'big5-charset', folder: 'INBOX', variant: 'big5' },
  { edge: 'no-message-id', folder: 'Archive' },
  { edge: 'empty-body', folder: 'INBOX' },
  { edge: 'gb2312-charset', folder: 'INBOX', variant: 'gb2312' },
  { edge: 'long-folded-header', folder: 'INBOX' },
  { edge: 'non-ascii-attachment-name', folder: '客戶/2025' },
  { edge: 'duplicate-message-id-same-folder', folder: 'INBOX', messageIdOf: 'dupId' },
  { edge: 'byte-identical-duplicate', folder: 'INBOX', copyOf: 'ident', sameFlags: true },
  { edge: 'duplicate-message-id-across-folders', folder: '客戶/2024', copyOf: 'cross' },
];

export const EDGE_MESSAGES_PER_USER = EDGE_ENTRIES.length;

function folderWeights(folders: readonly CorpusFolder[]): Record<string, number> {
  const w: Record<string, number> = {};
  for (const f of folders) {
    if ((EMPTY_FOLDERS as readonly string[]).includes(f.path)) continue;
    w[f.path] =
      f.path === 'INBOX' ? 42
      : f.specialUse === '\\Sent' ? 16
      : f.specialUse === '\\Archive' ? 10
      : f.specialUse === '\\Trash' ? 3
      : f.specialUse === '\\Junk' ? 2
      : f.specialUse === '\\Drafts' ? 1
      : f.path === '客戶' ? 2
      : 6;
  }
  return w;
}

function flagsFor(folder: CorpusFolder | undefined, rng: Rng): string[] {
  const f = new Set<string>();
  const use = folder?.specialUse;
  if (use === '\\Drafts') {
    f.add('\\Draft');
    if (rng.chance(0.7)) f.add('\\Seen');
  } else if (use === '\\Sent') {
    f.add('\\Seen');
    if (rng.chance(0.03)) f.add('$Label1');
  } else if (use === '\\Junk') {
    if (rng.chance(0.4)) f.add('\\Seen');
    if (rng.chance(0.5)) f.add('$Junk');
  } else {
    const inbox = folder?.path === 'INBOX';
    if (rng.chance(inbox ? 0.85 : 0.95)) f.add('\\Seen');
    if (f.has('\\Seen') && rng.chance(0.15)) f.add('\\Answered');
    if (rng.chance(0.07)) f.add('\\Flagged');
    if (rng.chance(0.04)) f.add('$Forwarded');
    if (rng.chance(0.04)) f.add('$Label1');
    if (rng.chance(0.03)) f.add('Important');
    if (inbox && rng.chance(0.1)) f.add('NonJunk');
  }
  return [...f].sort();
}

export function planUser(preset: CorpusPreset, folders: readonly CorpusFolder[], userIndex: number, seed: number): MessageSpec[] {
  const n = preset.messagesPerUser[userIndex] ?? 0;
  const rng = new Rng(mix(seed, userIndex, 0x9a11));
  const end = corpusEndDate(seed);
  const start = end - CORPUS_SPAN_MS;
  const byPath = new Map(folders.map((f) => [f.path, f]));
  const weights = folderWeights(folders);
  const bigWeights: Record<string, number> = { ...weights };
  delete bigWeights['Junk'];
  delete bigWeights['Drafts'];

  const specs: MessageSpec[] = new Array(n);
  const dateOf = (i: number): Date => new Date(Math.floor((start + ((i + rng.next()) * (end - start)) / n) / 1000) * 1000);
  const normalSize = (): number => rng.logUniform(preset.normalBytes[0], preset.normalBytes[1]);

  // Edge cases at evenly spread positions.
  const E = EDGE_ENTRIES.length;
  const edgePos = EDGE_ENTRIES.map((_, k) => Math.floor(((k + 0.5) * n) / E));
  const keyed = new Map<string, number>();
  const taken = new Set<number>();
  EDGE_ENTRIES.forEach((e, k) => {
    const i = edgePos[k] as number;
    taken.add(i);
    const folder = byPath.get(e.folder) ? e.folder : 'INBOX';
    const spec: MessageSpec = {
      index: i,
      folder,
      flags: flagsFor(byPath.get(folder), rng),
      internalDate: dateOf(i),
      seed: mix(seed, userIndex, i, 0x5eed),
      kind: 'normal',
      size: normalSize(),
      edge: e.edge,
    };
    if (e.variant) spec.variant = e.variant;
    if (e.key) keyed.set(e.key, i);
    if (e.copyOf !== undefined) {
      const orig = specs[keyed.get(e.copyOf) as number] as MessageSpec;
      spec.copyOf = orig.index;
      spec.internalDate = orig.internalDate;
      if (e.sameFlags) spec.flags = [...orig.flags];
      else spec.flags = orig.flags.includes('$Label1') ? ['\\Flagged', '\\Seen'] : ['$Label1', '\\Seen'];
    }
    if (e.messageIdOf !== undefined) spec.messageIdOf = keyed.get(e.messageIdOf) as number;
    specs[i] = spec;
  });

  // The remaining slots, shuffled: first one per folder (so every folder has mail even in tiny),
  // then the large-attachment and huge messages, then ordinary ones.
  const free: number[] = [];
  for (let i = 0; i < n; i++) if (!taken.has(i)) free.push(i);
  for (let i = free.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [free[i], free[j]] = [free[j] as number, free[i] as number];
  }
  const guaranteed = Object.keys(weights);
  const att = preset.attachmentMessagesPerUser[userIndex] ?? 0;
  const huge = preset.hugeMessagesPerUser[userIndex] ?? 0;
  free.forEach((i, k) => {
    let kind: MessageKind = 'normal';
    let folder: string;
    let size: number;
    if (k < guaranteed.length) {
      folder = guaranteed[k] as string;
      size = normalSize();
    } else if (k < guaranteed.length + att) {
      kind = 'attachment';
      folder = rng.weighted(bigWeights);
      size = rng.logUniform(preset.attachmentBytes[0], preset.attachmentBytes[1]);
    } else if (k < guaranteed.length + att + huge) {
      kind = 'huge';
      folder = rng.weighted(bigWeights);
      size = rng.int(preset.hugeBytes[0], preset.hugeBytes[1]);
    } else {
      folder = rng.weighted(weights);
      size = normalSize();
    }
    specs[i] = {
      index: i,
      folder,
      flags: flagsFor(byPath.get(folder), rng),
      internalDate: dateOf(i),
      seed: mix(seed, userIndex, i, 0x5eed),
      kind,
      size,
    };
  });

  // Threads: some ordinary messages answer a recent earlier one.
  const recent: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = specs[i] as MessageSpec;
    if (s.edge || s.kind === 'huge' || s.folder === 'Junk') continue;
    if (recent.length > 0 && rng.chance(0.3)) s.replyTo = recent[rng.int(0, recent.length - 1)];
    recent.push(i);
    if (recent.length > 40) recent.shift();
  }
  return specs;
}
