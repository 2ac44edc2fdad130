import { checkSigningFiles, signProfile } from '../kit/sign.js';
import { printPdfs } from '../kit/pdf.js';
import { join, resolve } from 'node:path';
import type { Account, JobConfig } from '../config/types.js';
import { buildAnnouncements, switchIcs, trainingIcs } from '../kit/announcements.js';
import { CATALOGUES, LANGS, type Lang, type Moment } from '../kit/catalogue/index.js';
import { autodiscoverXml, mobileconfig, thunderbirdConfig } from '../kit/clientconfig.js';
import { dnsMarkdown, dnsText } from '../kit/dns.js';
import { renderHtml, renderMarkdown } from '../kit/doc.js';
import { buildDeck, deckMinutes, renderDeck } from '../kit/deck.js';
import { buildGuide } from '../kit/guide.js';
import { baseVars, resolveKitSettings, type KitSettings } from '../kit/settings.js';
import { qrContent, qrPng } from '../kit/qr.js';
import { buildSheet } from '../kit/sheet.js';
import { groupwareFilesOf } from '../groupware/files-writer.js';
import { fill, safeFileName } from '../kit/text.js';
import { readKitViewFromFile, type KitStoreView } from '../store/kit-store.js';
import type { AsyncJobStore } from '../store/contract/async.js';
import { writePrivate } from '../files/write-private.js';
import { openJobStore } from '../store/open.js';

// The staff training kit: guide (HTML + Markdown) per language, a sheet per person and
// language, client auto-configuration files, DNS records and announcement e-mails.
// Reads the config, the accounts' addresses and (when a sync has run) the store; writes only
// into the output folder. Never needs or writes a password.

export type KitFileKind = 'guide-html' | 'guide-pdf' | 'guide-md' | 'deck' | 'sheet' | 'qr' | 'ics' | 'thunderbird' | 'autodiscover' | 'mobileconfig' | 'dns-txt' | 'dns-md' | 'email' | 'readme';

export interface KitFile {
  /** Relative to the output folder, "/"-separated. */
  path: string;
  kind: KitFileKind;
  lang?: Lang;
  person?: string;
  moment?: Moment;
  /** What a QR code opens (kind 'qr'), so it can be checked. */
  qr?: { kind: string; content: string };
  /** Length of the training deck with its hands-on parts (kind 'deck'). */
  minutes?: number;
  /** Files an e-mail carries (kind 'email'). */
  attachments?: string[];
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
  store?: AsyncJobStore;
}

export interface KitOptions {
  languages?: Lang[];
  /** Clock for the Date of the e-mails when no switch date is known (tests). */
  now?: Date;
  /** Print the guides to PDF with Chromium (`kit` and `run` do; a browser per kit is slow for tests). */
  pdf?: boolean;
}

/** Default output folder: kit.out, else <job>-kit next to the config. */
/** The kit's view of a PostgreSQL store (a SQLite file is read without opening it for writing). */
async function kitViewOfPg(config: JobConfig): Promise<KitStoreView> {
  const store = await openJobStore(config);
  try {
    return await store.kit.kitView();
  } finally {
    await store.close();
  }
}

export function defaultKitDir(config: JobConfig): string {
  return resolve(config.configDir, config.kit.out ?? `${config.job}-kit`);
}

export async function generateKit(input: KitInputs, outDir: string, opts: KitOptions = {}): Promise<KitResult> {
  const view: KitStoreView = input.store ? await input.store.kit.kitView() : input.config.postgresStore ? await kitViewOfPg(input.config) : readKitViewFromFile(input.config.storePath);
  // The switch date comes from the cutover plan in the store when there is one.
  const s = resolveKitSettings(input.config, view.cutover);
  const langs = opts.languages ?? (input.config.kit.languages as Lang[] | undefined) ?? [...LANGS];
  const now = opts.now ?? new Date();
  const dir = resolve(outDir);

  const files: KitFile[] = [];
  const put = (path: string, content: string | Buffer, meta: Omit<KitFile, 'path' | 'bytes'>) => {
    const full = join(dir, ...path.split('/'));
    writePrivate(full, content);
    files.push({ path, ...meta, bytes: Buffer.byteLength(content) });
  };

  const people = uniqueAddresses(input.accounts.map((a) => a.destinationUser));

  const guides = new Map<Lang, string>();
  for (const lang of langs) {
    const guide = buildGuide(s, lang, langs);
    const html = renderHtml(guide);
    guides.set(lang, html);
    put(`guide.${lang}.html`, html, { kind: 'guide-html', lang });
    put(`guide.${lang}.md`, renderMarkdown(guide), { kind: 'guide-md', lang });
    const slides = buildDeck(s, lang);
    put(`training.${lang}.html`, renderDeck(s, lang, slides), { kind: 'deck', lang, minutes: Math.round(deckMinutes(slides) * 10) / 10 });
  }
  // The guide as PDF (what the week-before e-mail attaches) when Chromium is here; else the HTML.
  const pdfs = opts.pdf ? await printPdfs(langs.map((l) => guides.get(l)!)) : undefined;
  const guidePdfs = new Map<Lang, Buffer>();
  langs.forEach((l, n) => {
    if (!pdfs) return;
    guidePdfs.set(l, pdfs[n]!);
    put(`guide.${l}.pdf`, pdfs[n]!, { kind: 'guide-pdf', lang: l });
  });

  const profileLang = langs[0]!;
  // Signed profiles when kit.signing names a certificate and key; unsigned is the default.
  const sg = input.config.kit.signing;
  const signing = sg ? { certificate: resolve(input.config.configDir, sg.certificate), key: resolve(input.config.configDir, sg.key), ...(sg.chain ? { chain: resolve(input.config.configDir, sg.chain) } : {}) } : undefined;
  if (signing) checkSigningFiles(signing);
  for (const address of people) {
    const name = safeFileName(address);
    const profileFile = s.oauth ? undefined : `${name}.mobileconfig`;
    if (profileFile) {
      const cat = CATALOGUES[profileLang];
      const vars = baseVars(s, cat);
      put(
        `mobileconfig/${profileFile}`,
        ((xml: string) => (signing ? signProfile(xml, signing) : xml))(mobileconfig(s, address, { displayName: `${s.company} – ${address}`, description: fill(vars.date ? cat.guide.subtitle : cat.guide.subtitleNoDate, vars) })),
        { kind: 'mobileconfig', person: address },
      );
    }
    const folders = view.synced ? (view.folders.get(address.toLowerCase()) ?? []) : undefined;
    for (const lang of langs) {
      const q = qrContent(s, CATALOGUES[lang], address, profileFile);
      const png = await qrPng(q.content);
      const qrFile = `${name}.${lang}.qr.png`;
      put(`people/${qrFile}`, png, { kind: 'qr', lang, person: address, qr: q });
      const qr = { dataUrl: `data:image/png;base64,${png.toString('base64')}`, file: qrFile, kind: q.kind };
      const sheet = buildSheet(s, lang, langs, { address, folders, profileFile, qr, groupwareFiles: groupwareFilesOf(input.config, address) }, (l) => `${name}.${l}.html`);
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
    const sw = switchIcs(s, lang, now);
    if (sw) put(`calendar/switch.${lang}.ics`, sw, { kind: 'ics', lang });
    const tr = trainingIcs(s, lang, now);
    if (tr) put(`calendar/training.${lang}.ics`, tr, { kind: 'ics', lang });
    for (const a of buildAnnouncements(s, lang, now, guidePdfs.has(lang) ? { guidePdf: guidePdfs.get(lang)!, guideName: `guide.${lang}.pdf` } : { guideHtml: guides.get(lang)!, guideName: `guide.${lang}.html` })) {
      put(`emails/${a.moment}.${lang}.eml`, a.eml, { kind: 'email', lang, moment: a.moment, attachments: a.attachments });
    }
  }

  const warnings = collectWarnings(s, view, input.config);
  if (opts.pdf && !pdfs) warnings.push('Chromium was not found (apt-get install chromium, or set MAILSHIFT_CHROMIUM): the guides are attached to the e-mails as HTML, not PDF.');
  put('README.md', readme(s, files, warnings, !!signing), { kind: 'readme' });

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
  if (!s.helpdesk) w.push('kit.helpdesk is not set: the texts say "the IT team"; set it to a name, e-mail and phone');
  if (!s.cutover) w.push('no switch date yet (mailshift cutover plan --at …, or kit.cutoverAt): the guide and sheets leave the date out and no announcement e-mails are written; run kit again after planning');
  else if (s.cutover.source === 'config' && view.cutover.plannedAt === null) w.push('the switch date comes from the config, not from a cutover plan: run kit again after mailshift cutover plan/confirm');
  if (!s.webmail) w.push('no webmail address (kit.webmail): the guide leaves webmail out');
  if (!s.training) w.push('no training session time (kit.training.at): the week-before e-mail asks staff to wait for the time and carries no invitation');
  if (!view.synced) w.push(`no sync has run in ${config.storePath}: the personal sheets say the folder list comes later`);
  if (s.imap.tls === 'none') w.push('the incoming server has no TLS: staff settings show "not encrypted"; the Apple profiles still ask for SSL');
  if (s.oauth) w.push(`${s.destinationPreset.name} uses its own sign-in (OAuth): no autoconfig, Autodiscover or Apple profile files are written; the guide says so`);
  return w;
}

function readme(s: KitSettings, files: KitFile[], warnings: string[], signed: boolean): string {
  const out = [`# Staff kit for ${s.company}`, '', `Generated by mailshift for job ${s.job} (${s.domain}).`, ''];
  const groups: [string, KitFileKind[]][] = [
    ['Guides (PDF for A4, HTML, or share the Markdown)', ['guide-pdf', 'guide-html', 'guide-md']],
    ['The 15-minute training: slides with a speaker script (print on landscape A4)', ['deck']],
    ['Personal sheets (no passwords) and their QR codes', ['sheet', 'qr']],
    ['Client auto-configuration (serve or send; see dns-records.md)', ['thunderbird', 'autodiscover', 'mobileconfig']],
    ['DNS records to publish', ['dns-txt', 'dns-md']],
    ['Calendar entries (attached to the e-mails as well)', ['ics']],
    ['Announcement e-mails (open, check, send)', ['email']],
  ];
  for (const [title, kinds] of groups) {
    const list = files.filter((f) => kinds.includes(f.kind));
    if (!list.length) continue;
    out.push(`## ${title}`, '', ...list.map((f) => `- ${f.path}`), '');
  }
  if (files.some((f) => f.kind === 'mobileconfig')) {
    // What staff see when they install the Apple profile, so the admin can tell them beforehand.
    out.push(
      '## Apple profiles: signed or not',
      '',
      signed
        ? 'The .mobileconfig files are signed with the certificate in kit.signing: iPhone, iPad and Mac show the signer and "Verified" when the certificate chains to a root the device trusts (a public CA, or your own root installed beforehand).'
        : 'The .mobileconfig files are not signed (the default). When installing, iPhone and iPad show the profile as "Unverified" and Mac shows "unsigned": tell staff to expect this, and that they can still install it. Set kit.signing: { certificate, key } (PEM files) to sign them.',
      '',
    );
  }
  if (warnings.length) out.push('## Check before use', '', ...warnings.map((x) => `- ${x}`), '');
  return out.join('\n');
}
