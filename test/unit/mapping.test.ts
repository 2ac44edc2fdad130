import { describe, expect, it } from 'vitest';
import { toFolderInfo, type FolderInfo, type ListedFolders } from '../../src/imap/folders.js';
import { applyRename, compilePattern } from '../../src/mapping/names.js';
import { planFolderMapping, type FolderMapping } from '../../src/mapping/plan.js';

const f = (path: string, delimiter: string, prefix: string, extra: Partial<FolderInfo> = {}): FolderInfo => {
  const rest = path.toUpperCase() === 'INBOX' ? 'INBOX' : path.startsWith(prefix) ? path.slice(prefix.length) : path;
  return { path, logicalPath: rest.split(delimiter).join('/'), delimiter, selectable: true, ...extra };
};
const src = (...folders: FolderInfo[]): ListedFolders => ({ delimiter: '/', prefix: '', folders });
const s = (path: string, extra: Partial<FolderInfo> = {}) => f(path, '/', '', extra);
const d = (path: string, extra: Partial<FolderInfo> = {}) => f(path, '.', 'INBOX.', extra);
const dst = (...folders: FolderInfo[]): ListedFolders => ({ delimiter: '.', prefix: 'INBOX.', folders: [d('INBOX'), ...folders] });
const noRules = { exclude: [], rename: [] };
const by = (plan: FolderMapping[], logical: string) => {
  const m = plan.find((x) => x.source.logicalPath === logical);
  if (!m) throw new Error(`no mapping for ${logical}`);
  return m;
};

describe('planFolderMapping', () => {
  it('translates the namespace prefix and the separator, keeping INBOX as INBOX', () => {
    const plan = planFolderMapping(src(s('INBOX'), s('Projects'), s('Projects/2024/Q1')), dst(), noRules);
    expect(by(plan, 'INBOX').destinationPath).toBe('INBOX');
    expect(by(plan, 'INBOX').existsOnDestination).toBe(true);
    expect(by(plan, 'Projects/2024/Q1').destinationPath).toBe('INBOX.Projects.2024.Q1');
    expect(by(plan, 'Projects/2024/Q1').destinationLogicalPath).toBe('Projects/2024/Q1');
    expect(by(plan, 'Projects').existsOnDestination).toBe(false);
  });

  it('maps SPECIAL-USE folders onto the destination folder with that use, whatever its name', () => {
    const plan = planFolderMapping(
      src(s('INBOX'), s('Sent Messages', { specialUse: '\\Sent' }), s('已删除')),
      dst(d('INBOX.Sent Items', { specialUse: '\\Sent' }), d('INBOX.Deleted Items')),
      noRules,
    );
    expect(by(plan, 'Sent Messages').destinationPath).toBe('INBOX.Sent Items');
    expect(by(plan, 'Sent Messages').existsOnDestination).toBe(true);
    // No SPECIAL-USE anywhere: recognised by the well-known names on both sides.
    expect(by(plan, '已删除').destinationPath).toBe('INBOX.Deleted Items');
    expect(by(plan, '已删除').specialUse).toBe('\\Trash');
    expect(by(plan, '已删除').notes.join()).toMatch(/Trash/);
  });

  it('creates a standard name when the destination has no folder for a special use', () => {
    const plan = planFolderMapping(src(s('垃圾邮件'), s('草稿箱', { specialUse: '\\Drafts' })), dst(), noRules);
    expect(by(plan, '垃圾邮件').destinationPath).toBe('INBOX.Junk');
    expect(by(plan, '草稿箱').destinationPath).toBe('INBOX.Drafts');
  });

  it('a server-flagged special folder wins over one only known by its name', () => {
    const plan = planFolderMapping(src(s('Sent'), s('Sent Messages', { specialUse: '\\Sent' })), dst(d('INBOX.Sent', { specialUse: '\\Sent' })), noRules);
    expect(by(plan, 'Sent Messages').destinationPath).toBe('INBOX.Sent');
    expect(by(plan, 'Sent').action).toBe('blocked');
    expect(by(plan, 'Sent').collision).toEqual({ with: 'Sent Messages', rule: { from: 'Sent', to: 'Sent (2)' } });
    expect(by(plan, 'Sent').notes.join()).toMatch(/would be merged/);
  });

  it('keeps non-ASCII names and nesting', () => {
    const plan = planFolderMapping(src(s('客戶'), s('客戶/2024')), dst(), noRules);
    expect(by(plan, '客戶/2024').destinationPath).toBe('INBOX.客戶.2024');
  });

  it('replaces the destination separator inside a name predictably and says so', () => {
    const plan = planFolderMapping(src(s('v1.2 release')), dst(), noRules);
    const m = by(plan, 'v1.2 release');
    expect(m.destinationPath).toBe('INBOX.v1_2 release');
    expect(m.notes.join()).toMatch(/written as "v1_2 release"/);
  });

  it('applies exclude and rename rules with * and ?', () => {
    const rules = { exclude: ['Archive/*', 'Tmp?'], rename: [{ from: 'Old/*', to: 'Legacy/$1' }] };
    const plan = planFolderMapping(src(s('Archive/2019'), s('Tmp1'), s('Tmp12'), s('Old/a/b')), dst(), rules);
    expect(by(plan, 'Archive/2019').action).toBe('exclude');
    expect(by(plan, 'Tmp1').action).toBe('exclude');
    expect(by(plan, 'Tmp12').action).toBe('copy');
    expect(by(plan, 'Old/a/b').destinationPath).toBe('INBOX.Legacy.a.b');
  });

  it('blocks case collisions and two sources onto one destination, with a suggested rename rule', () => {
    const plan = planFolderMapping(src(s('Work'), s('work'), s('A.B'), s('A_B')), dst(), noRules);
    const names = plan.filter((m) => m.action === 'copy').map((m) => m.destinationLogicalPath.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    expect(by(plan, 'work').action).toBe('blocked');
    expect(by(plan, 'work').collision?.rule).toEqual({ from: 'work', to: 'work (2)' });
    expect(by(plan, 'A_B').action).toBe('blocked');
  });

  it('sees "Notifications" and "INBOX/Notifications" as one destination folder under an INBOX. prefix', () => {
    const plan = planFolderMapping(src(s('INBOX'), s('Notifications'), s('INBOX/Notifications')), dst(), noRules);
    const blocked = plan.filter((m) => m.action === 'blocked');
    expect(blocked).toHaveLength(1);
    const rule = blocked[0]!.collision!.rule;
    // The suggested rule really resolves it.
    const again = planFolderMapping(src(s('INBOX'), s('Notifications'), s('INBOX/Notifications')), dst(), { exclude: [], rename: [rule] });
    expect(again.filter((m) => m.action === 'blocked')).toHaveLength(0);
    expect(new Set(again.filter((m) => m.action === 'copy').map((m) => m.destinationPath.toLowerCase())).size).toBe(3);
  });

  it('does not copy a non-selectable container', () => {
    const plan = planFolderMapping(src(s('Parent', { selectable: false }), s('Parent/Child')), dst(), noRules);
    expect(by(plan, 'Parent').action).toBe('exclude');
    expect(by(plan, 'Parent/Child').action).toBe('copy');
  });

  it('renames a provider-reserved name', () => {
    const plan = planFolderMapping(src(s('Files')), { delimiter: '/', prefix: '', folders: [s('INBOX')] }, noRules, { destinationPreset: 'm365' });
    expect(by(plan, 'Files').destinationPath).toBe('Files (migrated)');
  });

  it('maps a "." source onto a "/" destination', () => {
    const source: ListedFolders = { delimiter: '.', prefix: 'INBOX.', folders: [d('INBOX'), d('INBOX.a/b'), d('INBOX.x.y')] };
    const plan = planFolderMapping(source, { delimiter: '/', prefix: '', folders: [s('INBOX')] }, noRules);
    expect(by(plan, 'x/y').destinationPath).toBe('x/y');
    expect(plan.find((m) => m.source.path === 'INBOX.a/b')!.destinationPath).toBe('a_b');
  });
});

describe('patterns', () => {
  it('* spans separators, ? is one character, the rest is literal', () => {
    expect(compilePattern('a.*').test('a.b/c')).toBe(true);
    expect(compilePattern('a.*').test('axb')).toBe(false);
    expect(applyRename('Old/*/x?', 'New/$1-$2', 'Old/p/q/x9')).toBe('New/p/q-9');
  });
});

describe('toFolderInfo', () => {
  it('a STATUS the server refused (imapflow leaves { error }) is no status, not an empty folder', () => {
    const f = (status: unknown) => ({ path: 'Doomed', delimiter: '/', flags: new Set<string>(), status }) as unknown as Parameters<typeof toFolderInfo>[0];
    expect(toFolderInfo(f({ error: new Error('NO [NONEXISTENT]') }), '/', '').status).toBeUndefined();
    expect(toFolderInfo(f({ messages: 3, uidNext: 4, uidValidity: 9n }), '/', '').status).toEqual({ messages: 3, uidNext: 4, uidValidity: 9n });
  });
});
