// Names servers give their special folders when they do not announce SPECIAL-USE (RFC 6154).
// Compared case-insensitively on a top-level folder name.
const NAMES: Record<string, string[]> = {
  '\\Sent': ['sent', 'sent messages', 'sent items', 'sent mail', 'sent-mail', '已发送', '已發送', '已傳送', '已发送邮件', '已发邮件', '寄件備份', '寄件备份', '已寄出'],
  '\\Trash': ['trash', 'deleted messages', 'deleted items', 'deleted', 'bin', '已删除', '已刪除', '已删除邮件', '已刪除郵件', '垃圾桶', '废纸篓', '資源回收筒'],
  '\\Junk': ['junk', 'junk e-mail', 'junk email', 'junk mail', 'spam', 'bulk mail', '垃圾邮件', '垃圾郵件', '垃圾信件', '垃圾箱'],
  '\\Drafts': ['drafts', 'draft', '草稿箱', '草稿', '草稿匣', '草稿夾'],
  '\\Archive': ['archive', 'archives', '归档', '歸檔', '存档', '封存'],
};

const BY_NAME = new Map<string, string>();
for (const [use, names] of Object.entries(NAMES)) for (const n of names) BY_NAME.set(n.normalize('NFC').toLowerCase(), use);

/** The special use a top-level folder name stands for, if it is one of the well-known names. */
export function specialUseByName(name: string): string | undefined {
  return BY_NAME.get(name.normalize('NFC').trim().toLowerCase());
}

/** Name used on the destination when it has no folder for a special use yet. */
export const DEFAULT_SPECIAL_NAMES: Record<string, string> = {
  '\\Sent': 'Sent',
  '\\Trash': 'Trash',
  '\\Junk': 'Junk',
  '\\Drafts': 'Drafts',
  '\\Archive': 'Archive',
};

/** Folder rules use * (any run of characters, '/' included) and ? (one character). */
export function compilePattern(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '(.*)').replace(/\?/g, '(.)');
  return new RegExp(`^${re}$`, 'u');
}

/** Replaces $1..$9 in `to` with the wildcard captures of `from` matched against `path`. */
export function applyRename(from: string, to: string, path: string): string | undefined {
  const m = compilePattern(from).exec(path);
  if (!m) return undefined;
  return to.replace(/\$(\d)/g, (_s, d: string) => m[Number(d)] ?? '');
}
