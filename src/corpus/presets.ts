// Corpus presets, users, folder layout and the edge cases every preset contains.
import type { Lang } from './phrases.js';

export type CorpusPresetName = 'tiny' | 'small' | 'medium';
export type SpecialUse = '\\Sent' | '\\Trash' | '\\Junk' | '\\Drafts' | '\\Archive';

export interface CorpusFolder {
  /** '/'-separated logical path, e.g. '客戶/2024'. */
  path: string;
  specialUse?: SpecialUse;
}

export interface CorpusPreset {
  users: number;
  /** Total messages per user (edge cases included). */
  messagesPerUser: readonly number[];
  /** Ordinary messages are 2–30 KB. */
  normalBytes: readonly [number, number];
  /** Messages with a large attachment, per user, and their total size range. */
  attachmentMessagesPerUser: readonly number[];
  attachmentBytes: readonly [number, number];
  /** Very large messages (10–25 MB), per user. */
  hugeMessagesPerUser: readonly number[];
  hugeBytes: readonly [number, number];
  /** Folder layout of the first user (others differ only in the Sent folder's name). */
  folders: readonly CorpusFolder[];
}

const KB = 1024;
const MB = 1024 * 1024;

export interface UserProfile {
  local: string;
  name: string;
  /** Traditional and Simplified spelling. */
  zh: readonly [string, string];
  title: string;
  sentFolder: string;
  /** Weights of the text variants this user writes and receives. */
  mix: Readonly<Record<TextVariant, number>>;
}

/** Language + charset of a message's text. */
export type TextVariant = 'en' | 'hant' | 'hans' | 'big5' | 'gb2312';

export function variantLang(v: TextVariant): Lang {
  return v === 'big5' ? 'hant' : v === 'gb2312' ? 'hans' : v;
}

export const DOMAIN = 'acme.test';

export const USER_PROFILES: readonly UserProfile[] = [
  { local: 'chan.taiman', name: 'Chan Tai Man', zh: ['陳大文', '陈大文'], title: 'Sales Manager', sentFolder: '已傳送', mix: { en: 35, hant: 40, hans: 5, big5: 15, gb2312: 5 } },
  { local: 'li.wei', name: 'Li Wei', zh: ['李偉', '李伟'], title: 'Project Engineer', sentFolder: 'Sent', mix: { en: 20, hant: 5, hans: 50, big5: 5, gb2312: 20 } },
  { local: 'mary.wong', name: 'Mary Wong', zh: ['黃美玲', '黄美玲'], title: 'Finance Officer', sentFolder: 'Sent', mix: { en: 55, hant: 30, hans: 5, big5: 8, gb2312: 2 } },
  { local: 'zhang.min', name: 'Zhang Min', zh: ['張敏', '张敏'], title: 'Purchasing Lead', sentFolder: 'Sent', mix: { en: 25, hant: 5, hans: 50, big5: 2, gb2312: 18 } },
  { local: 'david.lau', name: 'David Lau', zh: ['劉志明', '刘志明'], title: 'Operations Director', sentFolder: 'Sent', mix: { en: 45, hant: 35, hans: 8, big5: 10, gb2312: 2 } },
];

export function folderLayout(sentFolder: string): CorpusFolder[] {
  return [
    { path: 'INBOX' },
    { path: sentFolder, specialUse: '\\Sent' },
    { path: 'Drafts', specialUse: '\\Drafts' },
    { path: 'Trash', specialUse: '\\Trash' },
    { path: 'Junk', specialUse: '\\Junk' },
    { path: 'Archive', specialUse: '\\Archive' },
    { path: '客戶' },
    { path: '客戶/2024' },
    { path: '客戶/2025' },
    { path: '项目' },
    { path: '项目/深圳' },
    { path: 'Projects' },
    { path: 'Projects/Q3 Reports' },
  ];
}

/** Folders that deliberately hold no message (parents only): an empty folder must still be migrated. */
export const EMPTY_FOLDERS = ['项目', 'Projects'] as const;

export const CORPUS_PRESETS: Readonly<Record<CorpusPresetName, CorpusPreset>> = {
  tiny: {
    users: 2,
    messagesPerUser: [30, 30],
    normalBytes: [2 * KB, 30 * KB],
    attachmentMessagesPerUser: [1, 1],
    attachmentBytes: [190 * KB, 230 * KB],
    hugeMessagesPerUser: [0, 0],
    hugeBytes: [10 * MB, 25 * MB],
    folders: folderLayout(USER_PROFILES[0]!.sentFolder),
  },
  small: {
    users: 3,
    messagesPerUser: [800, 700, 500],
    normalBytes: [2 * KB, 30 * KB],
    attachmentMessagesPerUser: [32, 28, 20],
    attachmentBytes: [100 * KB, 2 * MB],
    hugeMessagesPerUser: [1, 1, 0],
    hugeBytes: [10 * MB, 25 * MB],
    folders: folderLayout(USER_PROFILES[0]!.sentFolder),
  },
  medium: {
    users: 5,
    messagesPerUser: [6000, 5000, 4000, 3000, 2000],
    normalBytes: [2 * KB, 30 * KB],
    attachmentMessagesPerUser: [330, 275, 220, 165, 110],
    attachmentBytes: [100 * KB, 2 * MB],
    hugeMessagesPerUser: [2, 2, 1, 1, 0],
    hugeBytes: [10 * MB, 25 * MB],
    folders: folderLayout(USER_PROFILES[0]!.sentFolder),
  },
};

export type EdgeCaseId =
  | 'no-message-id'
  | 'duplicate-message-id-same-folder'
  | 'duplicate-message-id-across-folders'
  | 'byte-identical-duplicate'
  | 'raw-8bit-headers'
  | 'empty-body'
  | 'long-folded-header'
  | 'big5-charset'
  | 'gb2312-charset'
  | 'non-ascii-attachment-name'
  | 'empty-folder';

export interface EdgeCase {
  id: EdgeCaseId;
  /** How many messages carry this id (CorpusMessage.edgeCase) for each user. */
  messagesPerUser: number;
  folders: readonly string[];
  description: string;
}

/** Present for every user of every preset (tiny included). */
export const EDGE_CASES: readonly EdgeCase[] = [
  { id: 'no-message-id', messagesPerUser: 2, folders: ['INBOX', 'Archive'], description: 'Two different messages without a Message-ID header (tracked by hash only).' },
  { id: 'duplicate-message-id-same-folder', messagesPerUser: 2, folders: ['INBOX'], description: 'Two messages in INBOX with the same Message-ID but different bodies and dates.' },
  { id: 'duplicate-message-id-across-folders', messagesPerUser: 2, folders: ['INBOX', '客戶/2024'], description: 'A message and its byte-identical copy (same INTERNALDATE, different flags) in another folder.' },
  { id: 'byte-identical-duplicate', messagesPerUser: 2, folders: ['INBOX'], description: 'The same bytes, flags and INTERNALDATE twice in INBOX: two in, two out.' },
  { id: 'raw-8bit-headers', messagesPerUser: 1, folders: ['INBOX'], description: 'From, To and Subject in raw (unencoded) UTF-8, body 8bit.' },
  { id: 'empty-body', messagesPerUser: 1, folders: ['INBOX'], description: 'Headers only: the message ends with the blank line after the header block.' },
  { id: 'long-folded-header', messagesPerUser: 1, folders: ['INBOX'], description: 'To (40 recipients), References and Subject folded over many lines; unfolded they exceed 998 bytes.' },
  { id: 'big5-charset', messagesPerUser: 1, folders: ['INBOX'], description: 'Subject as =?big5?B?…?= encoded-words and a Big5 text body.' },
  { id: 'gb2312-charset', messagesPerUser: 1, folders: ['INBOX'], description: 'Subject as =?gb2312?B?…?= encoded-words and a GB2312 text body.' },
  { id: 'non-ascii-attachment-name', messagesPerUser: 1, folders: ['客戶/2025'], description: 'Attachment with a Chinese file name (RFC 2231 filename* and RFC 2047 name=).' },
  { id: 'empty-folder', messagesPerUser: 0, folders: [...EMPTY_FOLDERS], description: 'Folders that exist but hold no message (parents of nested folders).' },
];
