import type { FolderRules } from '../config/types.js';
import { pathComponents, type FolderInfo, type ListedFolders } from '../imap/folders.js';
import { DEFAULT_SPECIAL_NAMES, applyRename, compilePattern, specialUseByName } from './names.js';

export interface FolderMapping {
  source: FolderInfo;
  /** Path on the destination, as imapflow takes it (prefix and delimiter included). */
  destinationPath: string;
  /** '/'-joined names without the namespace prefix. */
  destinationLogicalPath: string;
  /** 'blocked': another source folder already maps to this destination name; nothing is
   *  copied until a folders.rename rule gives it its own (see `collision`). */
  action: 'copy' | 'exclude' | 'blocked';
  /** Set with action 'blocked': which folder holds the name, and a rule that would resolve it. */
  collision?: { with: string; rule: { from: string; to: string } };
  specialUse?: string;
  existsOnDestination: boolean;
  /** Conflicts and what was done about them, human-readable. */
  notes: string[];
}

export interface PlanOptions {
  /** Destination provider preset id, for provider-specific reserved names. */
  destinationPreset?: string;
}

// Provider rules for destination names (anchors-migration: Microsoft hides "Files"; Gmail
// refuses "^" and blanks at either end of a name).
const RESERVED_TOP: Record<string, string[]> = { m365: ['files'], 'exchange-onprem': ['files'], 'google-workspace': ['[gmail]'], gmail: ['[gmail]'] };

/**
 * Decides where every source folder goes. Pure and deterministic: the same listings and rules
 * always give the same plan, so assess, sync --dry-run, sync and verify agree.
 */
export function planFolderMapping(source: ListedFolders, destination: ListedFolders, rules: FolderRules, opts: PlanOptions = {}): FolderMapping[] {
  const dDelim = destination.delimiter || '/';
  const dPrefix = destination.prefix;
  const dstByPath = new Map(destination.folders.map((f) => [f.path, f]));
  const dstSpecial = new Map<string, FolderInfo>();
  // A folder flagged by the server wins over one recognised by its name.
  for (const f of destination.folders) if (f.specialUse && !dstSpecial.has(f.specialUse)) dstSpecial.set(f.specialUse, f);
  for (const f of destination.folders) {
    const comps = pathComponents(f.path, f.delimiter || dDelim, dPrefix);
    const use = comps.length === 1 ? specialUseByName(comps[0]!) : undefined;
    if (use && !dstSpecial.has(use)) dstSpecial.set(use, f);
  }
  const excludes = rules.exclude.map((p) => ({ p, re: compilePattern(p) }));
  const includes = rules.include?.map((p) => compilePattern(p));
  const reserved = new Set(RESERVED_TOP[opts.destinationPreset ?? ''] ?? []);
  const out: FolderMapping[] = [];
  // Mappings that keep their name in a collision: INBOX and the special-use winners.
  const firstClaim = new Set<FolderMapping>();
  // Which source folder gets each special use: one the server flags beats one known by its name.
  const specialWinner = new Map<string, FolderInfo>();
  for (const byFlag of [true, false]) {
    for (const f of source.folders) {
      if (!f.selectable) continue;
      const comps = pathComponents(f.path, f.delimiter || source.delimiter, source.prefix);
      const use = byFlag ? f.specialUse : comps.length === 1 ? specialUseByName(comps[0]!) : undefined;
      if (use && !specialWinner.has(use)) specialWinner.set(use, f);
    }
  }

  for (const src of source.folders) {
    const notes: string[] = [];
    const comps = pathComponents(src.path, src.delimiter || source.delimiter, source.prefix);
    const logical = src.logicalPath;
    const specialUse = src.specialUse ?? (comps.length === 1 ? specialUseByName(comps[0]!) : undefined);
    const base = { source: src, specialUse } as const;

    const ex = excludes.find((e) => e.re.test(logical));
    // folders.include: INBOX is always kept; any other folder must match one of the patterns.
    const notIncluded = !!includes && logical.toUpperCase() !== 'INBOX' && !includes.some((re) => re.test(logical));
    if (ex || notIncluded || !src.selectable) {
      if (ex) notes.push(`excluded by rule "${ex.p}"`);
      else if (notIncluded) notes.push('not in folders.include');
      else notes.push('not selectable (a container for other folders); created on the destination only as a parent');
      const names = comps.map((c) => sanitizeName(c, dDelim, notes));
      out.push({ ...base, ...where(names, dPrefix, dDelim), action: 'exclude', existsOnDestination: false, notes });
      continue;
    }

    let names: string[];
    const rename = rules.rename.map((r) => ({ r, to: applyRename(r.from, r.to, logical) })).find((x) => x.to !== undefined);
    if (rename) {
      names = rename.to!.split('/').filter((n) => n.length > 0);
      notes.push(`renamed by rule "${rename.r.from}" -> "${rename.r.to}"`);
    } else if (comps.length === 1 && comps[0] === 'INBOX') {
      names = ['INBOX'];
    } else if (specialUse && specialWinner.get(specialUse) === src) {
      const d = dstSpecial.get(specialUse);
      if (d) {
        names = pathComponents(d.path, d.delimiter || dDelim, dPrefix);
        if (names.join('/') !== logical) notes.push(`${specialUse} folder: mapped to the destination's ${specialUse} folder "${names.join('/')}"`);
      } else {
        names = [DEFAULT_SPECIAL_NAMES[specialUse] ?? comps.at(-1)!];
        if (names.join('/') !== logical) notes.push(`${specialUse} folder: the destination has none, so it is created as "${names[0]}"`);
      }
    } else {
      if (specialUse) notes.push(`a second ${specialUse} folder: copied under its own name`);
      names = comps;
    }
    names = names.map((n) => sanitizeName(n, dDelim, notes));
    if (names.length === 1 && names[0] !== 'INBOX' && reserved.has(names[0]!.toLowerCase())) {
      notes.push(`"${names[0]}" is reserved on the destination: renamed to "${names[0]} (migrated)"`);
      names[0] = `${names[0]} (migrated)`;
    }
    const m: FolderMapping = { ...base, ...where(names, dPrefix, dDelim), action: 'copy', existsOnDestination: false, notes };
    if (!rename && (names[0] === 'INBOX' && names.length === 1 || (specialUse && specialWinner.get(specialUse) === src))) firstClaim.add(m);
    out.push(m);
  }

  resolveCollisions(out, dPrefix, dDelim, firstClaim);
  for (const m of out) {
    const d = m.destinationPath.toUpperCase() === 'INBOX' ? [...dstByPath.keys()].find((p) => p.toUpperCase() === 'INBOX') : m.destinationPath;
    m.existsOnDestination = d !== undefined && dstByPath.has(d) && dstByPath.get(d)!.selectable;
  }
  return out;
}

function where(names: string[], prefix: string, delim: string): { destinationPath: string; destinationLogicalPath: string } {
  if (names[0] === 'INBOX') return { destinationPath: names.join(delim), destinationLogicalPath: names.join('/') };
  return { destinationPath: prefix + names.join(delim), destinationLogicalPath: names.join('/') };
}

/** Makes one name legal on the destination; says what changed. */
export function sanitizeName(name: string, delim: string, notes: string[]): string {
  let out = name;
  if (delim && out.includes(delim)) {
    const repl = delim === '_' ? '-' : '_';
    out = out.split(delim).join(repl);
  }
  // '/' is a hierarchy separator for most clients and for the logical path itself.
  if (delim !== '/' && out.includes('/')) out = out.split('/').join('_');
  const trimmed = out.trim();
  if (trimmed !== out) out = trimmed;
  if (out === '') out = '_';
  if (out !== name) notes.push(`name "${name}" cannot be used as is on the destination: written as "${out}"`);
  return out;
}

/**
 * Two source folders must never be merged into one destination folder (verify compares folder
 * by folder, and the user would find two folders' mail mixed). Names are compared as the
 * destination sees them - the wire path after namespace prefix, separator and character mapping
 * ('Notifications' and 'INBOX/Notifications' are both 'INBOX.Notifications' on a server with the
 * 'INBOX.' prefix) - and case-insensitively, because some destinations (Exchange, Gmail) are.
 * The later folder (INBOX and special-use winners keep their names) is blocked, with a
 * suggested folders.rename rule; nothing of it is copied until the user decides.
 */
function resolveCollisions(out: FolderMapping[], prefix: string, delim: string, firstClaim: Set<FolderMapping>): void {
  const taken = new Map<string, FolderMapping>();
  const key = (m: { destinationPath: string }) => (m.destinationPath.toUpperCase() === 'INBOX' ? 'INBOX' : m.destinationPath.normalize('NFC').toLowerCase());
  // Excluded folders still occupy their names (they may exist on the destination as parents).
  const ordered = [
    ...out.filter((m) => firstClaim.has(m)),
    ...out.filter((m) => m.action === 'copy' && !firstClaim.has(m)),
    ...out.filter((m) => m.action === 'exclude'),
  ];
  for (const m of ordered) {
    const first = taken.get(key(m));
    if (!first) {
      taken.set(key(m), m);
      continue;
    }
    if (m.action === 'exclude') continue;
    const names = m.destinationLogicalPath.split('/');
    const last = names.pop()!;
    let n = 2;
    let candidate: string[];
    do candidate = [...names, `${last} (${n++})`];
    while (taken.has(key(where(candidate, prefix, delim))) || out.some((o) => key(o) === key(where(candidate, prefix, delim))));
    m.action = 'blocked';
    m.collision = { with: first.source.logicalPath, rule: { from: m.source.logicalPath, to: candidate.join('/') } };
    m.notes.push(
      `would be merged with "${first.source.logicalPath}" (both are "${m.destinationPath}" on the destination): not copied; add a folders.rename rule, e.g. { from: "${m.source.logicalPath}", to: "${candidate.join('/')}" }`,
    );
  }
}
