import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ICAL from 'ical.js';
import type { GroupwareConfig } from '../config/groupware-schema.js';
import { InputError } from '../errors.js';
import type { DavCollectionInfo, DavItem } from './dav.js';
import { parseObject, splitExport } from './objects.js';
import { parseCsv } from './outlook-csv.js';
import { wantedCollection, type GroupwareSource, type SourceListing } from './source.js';
import { outlookToVcard } from './vcard.js';

// Export files as a source: DIR/<person>/*.vcf, *.csv (Outlook or webmail contacts CSV) and *.ics,
// as staff or the admin download them from the old webmail. <person> is the source user or its
// local part. Each file is one collection; each contact, and each calendar object (all
// components with one UID, exceptions included, with the time zones they use), one object whose
// ETag is the hash of its body, so a re-run maps every object to the same destination resource.

interface FileCollection {
  info: DavCollectionInfo;
  objects: Map<string, Buffer>;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const safeName = (uid: string) => (/^[A-Za-z0-9._@-]{1,100}$/.test(uid) ? uid : sha(uid).slice(0, 32));

export function personDir(dir: string, user: string): string | undefined {
  for (const name of [user, user.split('@')[0]!]) {
    const p = join(dir, name);
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  return undefined;
}

export class FilesSource implements GroupwareSource {
  #loaded: FileCollection[] | undefined;
  readonly #bodies = new Map<string, Buffer>();

  constructor(
    private readonly dir: string,
    private readonly user: string,
    private readonly include: GroupwareConfig['include'],
  ) {}

  /** Reads and checks every file of this person: a file that is not vCard/iCalendar/CSV is InputError naming file and line. */
  load(): FileCollection[] {
    if (this.#loaded) return this.#loaded;
    const pdir = personDir(this.dir, this.user);
    const out: FileCollection[] = [];
    const files = pdir ? readdirSync(pdir).filter((f) => ['.vcf', '.csv', '.ics'].includes(extname(f).toLowerCase())).sort() : [];
    for (const f of files) {
      const path = join(pdir!, f);
      const raw = readFileSync(path);
      const text = raw.toString('utf8');
      const ext = extname(f).toLowerCase();
      const base = f.slice(0, -ext.length);
      const href = pathToFileURL(join(pdir!, base + ext.replace('.', '-'))).href + '/';
      const info: DavCollectionInfo = { href, kind: ext === '.ics' ? 'calendar' : 'addressbook', displayName: base, color: null, description: null, ctag: sha(raw), syncToken: null, components: [] };
      const objects = new Map<string, Buffer>();
      const fail = (line: number, why: string): never => {
        throw new InputError(`${path} line ${line}: ${why}`);
      };
      if (ext === '.vcf') {
        const r = splitExport(text, 'VCARD');
        if ('error' in r) fail(r.line, r.error);
        else for (const b of r.blocks) addCard(objects, href, withUid(b.text));
      } else if (ext === '.csv') {
        const rows = parseCsv(text);
        if (!Array.isArray(rows)) fail(rows.line, rows.error);
        else {
          const [head, ...data] = rows;
          if (!head || !head.cells.some((c) => /^(first name|last name|e-mail address|name|姓名|名|姓|电子邮件地址|電子郵件地址|邮箱|email)$/i.test(c.trim()))) {
            fail(head?.line ?? 1, 'not a contacts CSV (no "First Name", "Last Name", "E-mail Address" or "Name" column in the header)');
          }
          for (const r of data) {
            if (r.cells.length !== head!.cells.length) fail(r.line, `expected ${head!.cells.length} columns as in the header, found ${r.cells.length}`);
            addCard(objects, href, outlookToVcard(mapHeader(head!.cells, r.cells)));
          }
        }
      } else {
        const r = splitExport(text, 'VCALENDAR');
        if ('error' in r) fail(r.line, r.error);
        else {
          for (const b of r.blocks) {
            const cal = parseObject(b.text);
            info.displayName = str(cal.getFirstPropertyValue('x-wr-calname')) ?? info.displayName;
            info.description = str(cal.getFirstPropertyValue('x-wr-caldesc')) ?? info.description;
            info.color = str(cal.getFirstPropertyValue('x-apple-calendar-color')) ?? info.color;
            splitCalendar(cal, href, objects, (why) => fail(b.line, why));
          }
          info.components = [...new Set([...objects.values()].map((o) => componentOf(o)))];
        }
      }
      out.push({ info, objects });
      for (const [h, b] of objects) this.#bodies.set(h, b);
    }
    this.#loaded = out;
    return out;
  }

  async collections(): Promise<DavCollectionInfo[]> {
    return this.load()
      .map((c) => c.info)
      .filter((c) => wantedCollection(c, this.include));
  }

  async list(c: DavCollectionInfo): Promise<SourceListing> {
    const col = this.load().find((x) => x.info.href === c.href);
    const items: DavItem[] = [...(col?.objects ?? new Map<string, Buffer>()).entries()].map(([href, b]) => ({ href, etag: `"${sha(b)}"` }));
    return { items, token: null, full: true };
  }

  async get(href: string) {
    const body = this.#bodies.get(href);
    if (!body) throw new InputError(`${href}: no such object in the export files`);
    return { body, etag: `"${sha(body)}"`, contentType: href.endsWith('.ics') ? 'text/calendar' : 'text/vcard' };
  }
}

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

function mapHeader(head: string[], cells: string[]): Record<string, string> {
  // Webmail exports name columns in Chinese; map the common ones onto Outlook's.
  const alias: Record<string, string> = {
    姓名: 'First Name', 名: 'First Name', 姓: 'Last Name', 名字: 'First Name', 姓氏: 'Last Name', Name: 'First Name',
    电子邮件地址: 'E-mail Address', 電子郵件地址: 'E-mail Address', 邮箱: 'E-mail Address', 郵箱: 'E-mail Address', 'E-mail': 'E-mail Address', Email: 'E-mail Address',
    手机: 'Mobile Phone', 手機: 'Mobile Phone', 移动电话: 'Mobile Phone', 行動電話: 'Mobile Phone',
    公司: 'Company', 部门: 'Department', 部門: 'Department', 职位: 'Job Title', 職稱: 'Job Title', 备注: 'Notes', 備註: 'Notes',
  };
  const row: Record<string, string> = {};
  head.forEach((h, i) => {
    const k = alias[h.trim()] ?? h.trim();
    if (!row[k]) row[k] = cells[i] ?? '';
  });
  return row;
}

function withUid(card: string): string {
  if (/^UID[;:]/im.test(card)) return card;
  // A card without UID gets one derived from its content, so a re-run finds the same object.
  return card.replace(/\r\nEND:VCARD\r\n$/i, `\r\nUID:mailshift-${sha(card).slice(0, 24)}\r\nEND:VCARD\r\n`);
}

function addCard(objects: Map<string, Buffer>, href: string, card: string): void {
  const uid = str(parseObject(card).getFirstPropertyValue('uid')) ?? sha(card);
  objects.set(href + safeName(uid) + '.vcf', Buffer.from(card));
}

function componentOf(body: Buffer): string {
  const m = /\r\nBEGIN:(VEVENT|VTODO|VJOURNAL)\r\n/.exec(body.toString('utf8'));
  return m?.[1] ?? 'VEVENT';
}

/** One resource per UID: its components (master and RECURRENCE-ID exceptions) plus the VTIMEZONEs they use. */
function splitCalendar(cal: ICAL.Component, href: string, objects: Map<string, Buffer>, fail: (why: string) => never): void {
  const zones = new Map(cal.getAllSubcomponents('vtimezone').map((z) => [String(z.getFirstPropertyValue('tzid')), z]));
  const byUid = new Map<string, ICAL.Component[]>();
  for (const c of cal.getAllSubcomponents()) {
    if (c.name === 'vtimezone') continue;
    const uid = str(c.getFirstPropertyValue('uid'));
    if (!uid) fail(`a ${c.name.toUpperCase()} without UID`);
    const list = byUid.get(uid!) ?? [];
    list.push(c);
    byUid.set(uid!, list);
  }
  for (const [uid, comps] of byUid) {
    const out = new ICAL.Component('vcalendar');
    out.addPropertyWithValue('version', '2.0');
    out.addPropertyWithValue('prodid', str(cal.getFirstPropertyValue('prodid')) ?? '-//mailshift//export//EN');
    const used = new Set<string>();
    for (const c of comps) for (const p of c.getAllProperties()) {
      const tz = p.getParameter('tzid');
      if (tz) used.add(String(tz));
    }
    for (const tz of used) {
      const z = zones.get(tz);
      if (z) out.addSubcomponent(new ICAL.Component(JSON.parse(JSON.stringify(z.toJSON()))));
    }
    for (const c of comps) out.addSubcomponent(new ICAL.Component(JSON.parse(JSON.stringify(c.toJSON()))));
    objects.set(href + safeName(uid) + '.ics', Buffer.from(out.toString().replace(/\r?\n/g, '\r\n') + '\r\n'));
  }
}
