import { join, resolve } from 'node:path';
import type { Account, JobConfig } from '../config/types.js';
import { buildAnnouncements } from '../kit/announcements.js';
import { CATALOGUES, LANGS, type Lang, type Moment } from '../kit/catalogue/index.js';
import { autodiscoverXml, mobileconfig, thunderbirdConfig } from '../kit/clientconfig.js';
import { dnsMarkdown, dnsText } from '../kit/dns.js';
import { renderHtml, renderMarkdown } from '../kit/doc.js';
import { buildGuide } from '../kit/guide.js';
import { baseVars, resolveKitSettings, type KitSettings } from '../kit/settings.js';
import { buildSheet } from '../kit/sheet.js';
import { groupwareFilesOf } from '../groupware/files-writer.js';
import { fill, safeFileName } from '../kit/text.js';
import { readKitView, readKitViewFromFile, type KitStoreView } from '../store/kit-store.js';
import type { Store } from '../store/store.js';
import { writePrivate } from '../files/write-private.js';

// The staff training kit: guide (HTML + Markdown) per language, a sheet per person and
// language, client auto-configuration files, DNS records and announcement e-mails.
// Reads the config, the accounts' addresses and (when a sync has run) the store; writes only
// into the output folder. Never needs or writes a password.

export type KitFileKind = 'guide-html' | 'guide-md' | 'sheet' | 'thunderbird' | 'autodiscover' | 'mobileconfig' | 'dns-txt' | 'dns-md' | 'email' | 'readme';

export interface KitFile {
  /** Relative to the output folder, "/"-separated. */
  path: string;
  kind: KitFileKind;
  lang?: Lang;
  person?: string;
  moment?: Moment;
  bytes: number;
}

export interface KitResult {
  outDir: string;
  languages: Lang[];
  people: number;
  /** True when the folder lists on the sheets come from a sync. */
  synced: boolean;
  /** Destination signs in through the provider (no autoconfig/autodiscover/profile files). */
  oauthSignIn: boolean;
  files: KitFile[];
  warnings: string[];
}

export interface KitInputs {
  config: JobConfig;
  /** Only destinationUser is read: the person's address. */
  accounts: Pick<Account, 'destinationUser'>[];
  /** An open store (e.g. ctx.store); without it the store file of the config is read if it exists. */
  store?: Store;
}

export interface KitOptions {
  languages?: Lang[];
  /** Clock for the Date of the e-mails when no switch date is known (tests). */
  now?: Date;
}

/** Default output folder: kit.out, else <job>-kit next to the config. */
export function defaultKitDir(config: JobConfig): string {
  return resolve(config.configDir, config.kit.out ?? `${config.job}-kit`);
}

export async function generateKit(input: KitInputs, outDir: string, opts: KitOptions = {}): Promise<KitResult> {
  const s = resolveKitSettings(input.config);
  const langs = opts.languages ?? (input.config.kit.languages as Lang[] | undefined) ?? [...LANGS];
  const view: KitStoreView = input.store ? readKitView(input.store.db) : readKitViewFromFile(input.config.storePath);
  const now = opts.now ?? new Date();
  const dir = resolve(outDir);

  const files: KitFile[] = [];
  const put = (path: string, content: string, meta: Omit<KitFile, 'path' | 'bytes'>) => {
    const full = join(dir, ...path.split('/'));
    writePrivate(full, content);
    files.push({ path, ...meta, bytes: Buffer.byteLength(content) });
  };

  const people = uniqueAddresses(input.accounts.map((a) => a.destinationUser));

  for (const lang of langs) {
    const guide = buildGuide(s, lang, langs);
    put(`guide.${lang}.html`, renderHtml(guide), { kind: 'guide-html', lang });
    put(`guide.${lang}.md`, renderMarkdown(guide), { kind: 'guide-md', lang });
  }

  const profileLang = langs[0]!;
  for (const address of people) {
    const name = safeFileName(address);
    const profileFile = s.oauth ? undefined : `${name}.mobileconfig`;
    if (profileFile) {
      const cat = CATALOGUES[profileLang];
      const vars = baseVars(s, cat);
      put(
        `mobileconfig/${profileFile}`,
        mobileconfig(s, address, { displayName: `${s.company} – ${address}`, description: fill(cat.guide.subtitle, vars) }),
        { kind: 'mobileconfig', person: address },
      );
    }
    const folders = view.synced ? (view.folders.get(address.toLowerCase()) ?? []) : undefined;
    for (const lang of langs) {
      const sheet = buildSheet(s, lang, langs, { address, folders, profileFile, groupwareFiles: groupwareFilesOf(input.config, address) }, (l) => `${name}.${l}.html`);
      put(`people/${name}.${lang}.html`, renderHtml(sheet), { kind: 'sheet', lang, person: address });
    }
  }

  if (!s.oauth) {
    put('autoconfig/config-v1.1.xml', thunderbirdConfig(s), { kind: 'thunderbird' });
    put('autodiscover/autodiscover.xml', autodiscoverXml(s), { kind: 'autodiscover' });
  }
  put('dns-records.txt', dnsText(s), { kind: 'dns-txt' });
  put('dns-records.md', dnsMarkdown(s), { kind: 'dns-md' });

  for (const lang of langs) {
    for (const a of buildAnnouncements(s, lang, now)) {
      put(`emails/${a.moment}.${lang}.eml`, a.eml, { kind: 'email', lang, moment: a.moment });
    }
  }

  const warnings = collectWarnings(s, view, input.config);
  put('README.md', readme(s, files, warnings), { kind: 'readme' });

  return { outDir: dir, languages: langs, people: people.length, synced: view.synced, oauthSignIn: s.oauth, files, warnings };
}

function uniqueAddresses(list: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of list) {
    const key = a.trim().toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push(a.trim());
  }
  return out;
}

function collectWarnings(s: KitSettings, view: KitStoreView, config: JobConfig): string[] {
  const w: string[] = [];
  if (!s.helpdesk) w.push('kit.helpdesk is not set: the texts say "your IT contact"; set it to a name, e-mail and phone');
  if (!s.cutover) w.push('no switch date (kit.cutoverAt or cutover.at): the texts say "to be announced"');
  if (!s.webmail) w.push('no webmail address (kit.webmail): the texts tell staff to ask the helpdesk');
  if (!view.synced) w.push(`no sync has run in ${config.storePath}: the personal sheets say the folder list comes later`);
  if (s.imap.tls === 'none') w.push('the incoming server has no TLS: staff settings show "not encrypted"; the Apple profiles still ask for SSL');
  if (s.oauth) w.push(`${s.destinationPreset.name} uses its own sign-in (OAuth): no autoconfig, Autodiscover or Apple profile files are written; the guide says so`);
  return w;
}

function readme(s: KitSettings, files: KitFile[], warnings: string[]): string {
  const out = [`# Staff kit for ${s.company}`, '', `Generated by mailshift for job ${s.job} (${s.domain}).`, ''];
  const groups: [string, KitFileKind[]][] = [
    ['Guides (print on A4, or share the Markdown)', ['guide-html', 'guide-md']],
    ['Personal sheets (no passwords)', ['sheet']],
    ['Client auto-configuration (serve or send; see dns-records.md)', ['thunderbird', 'autodiscover', 'mobileconfig']],
    ['DNS records to publish', ['dns-txt', 'dns-md']],
    ['Announcement e-mails (open, check, send)', ['email']],
  ];
  for (const [title, kinds] of groups) {
    const list = files.filter((f) => kinds.includes(f.kind));
    if (!list.length) continue;
    out.push(`## ${title}`, '', ...list.map((f) => `- ${f.path}`), '');
  }
  if (warnings.length) out.push('## Check before use', '', ...warnings.map((x) => `- ${x}`), '');
  return out.join('\n');
}
