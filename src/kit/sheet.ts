import type { KitFolder } from '../store/kit-store.js';
import { CATALOGUES, type Lang } from './catalogue/index.js';
import type { Block, Doc, Section } from './doc.js';
import { settingsTable } from './guide.js';
import { baseVars, type KitSettings } from './settings.js';
import { fill } from './text.js';

// One person's printable sheet: address, servers, their migrated folders with message counts
// (from the store, once a sync has run), and never a password.

export interface SheetInput {
  address: string;
  /** undefined: no sync has run yet. */
  folders?: KitFolder[];
  /** File name of the person's Apple profile, when one is generated. */
  profileFile?: string;
  /** The person's contacts/calendar files (groupware files destination), by name. */
  groupwareFiles?: string[];
  /** The QR code for mobile set-up: PNG as a data URL, its file and what it opens. */
  qr?: { dataUrl: string; file: string; kind: 'profile' | 'web' | 'text' };
}

export function buildSheet(s: KitSettings, lang: Lang, langs: Lang[], p: SheetInput, selfFile: (l: Lang) => string): Doc {
  const cat = CATALOGUES[lang];
  const t = cat.sheet;
  const vars: Record<string, string> = { ...baseVars(s, cat), address: p.address, profileFile: p.profileFile ?? '' };
  const f = (x: string) => fill(x, vars);
  const num = (n: number) => new Intl.NumberFormat(cat.meta.locale).format(n);

  const sections: Section[] = [];
  sections.push({
    id: 'address',
    title: t.address,
    blocks: [{ kind: 'p', text: p.address }],
  });
  const settingsBlocks: Block[] = [settingsTable(s, lang, vars)];
  if (vars.webmail) settingsBlocks.push({ kind: 'p', text: `${cat.common.settings.webmail}: ${vars.webmail}` });
  settingsBlocks.push({ kind: 'p', text: s.oauth ? f(t.oauthHint) : f(t.profileHint) });
  settingsBlocks.push({ kind: 'p', className: 'note', text: t.noPassword });
  sections.push({ id: 'settings', title: cat.common.settings.heading, blocks: settingsBlocks, keepTogether: true });
  if (p.qr) {
    const caption = f(t.qr[p.qr.kind]);
    sections.push({ id: 'qr', title: t.qr.heading, keepTogether: true, blocks: [{ kind: 'img', src: p.qr.dataUrl, alt: caption, caption, file: p.qr.file }] });
  }

  const folderBlocks: Block[] = [];
  if (!p.folders) {
    folderBlocks.push({ kind: 'p', className: 'note', text: t.noSync });
  } else if (p.folders.length === 0) {
    folderBlocks.push({ kind: 'p', text: t.noFolders });
  } else {
    const anyMissing = p.folders.some((x) => x.notCopied > 0);
    const head = [t.folderOld, t.folderNew, t.copied, ...(anyMissing ? [t.notCopied] : [])];
    const rows = p.folders.map((x) => [x.sourcePath, x.destinationPath, num(x.copied), ...(anyMissing ? [num(x.notCopied)] : [])]);
    const copied = p.folders.reduce((a, x) => a + x.copied, 0);
    const missing = p.folders.reduce((a, x) => a + x.notCopied, 0);
    rows.push([t.total, '', num(copied), ...(anyMissing ? [num(missing)] : [])]);
    folderBlocks.push({ kind: 'table', className: 'folders', head, rows });
    if (missing > 0) folderBlocks.push({ kind: 'p', className: 'note', text: fill(t.notCopiedNote, { ...vars, count: num(missing) }) });
  }
  sections.push({ id: 'folders', title: t.foldersHeading, blocks: folderBlocks });
  if (p.groupwareFiles?.length) {
    sections.push({
      id: 'groupware',
      title: t.groupwareHeading,
      blocks: [{ kind: 'p', text: fill(t.groupwareIntro, { ...vars, files: p.groupwareFiles.join(', ') }) }, { kind: 'ul', items: t.groupwareSteps.map(f) }],
    });
  }
  sections.push({ id: 'contact', title: cat.guide.contact.heading, blocks: [{ kind: 'p', text: f(cat.guide.contact.text) }] });

  return {
    htmlLang: cat.meta.htmlLang,
    fontStack: cat.meta.fontStack,
    title: t.title,
    subtitle: f(vars.date ? t.intro : t.introNoDate),
    sections,
    langLinks: langs.filter((l) => l !== lang).map((l) => ({ href: selfFile(l), label: CATALOGUES[l].meta.name })),
    langLinksLabel: cat.common.otherLanguages,
    footer: f(cat.common.generated),
  };
}
