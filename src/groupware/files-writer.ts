import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ICAL from 'ical.js';
import type { Logger } from '../logger.js';
import type { GroupwareRecords } from '../store/groupware-store.js';
import type { AsyncOf } from '../store/contract/async.js';
import { mapInOrder } from '../store/contract/in-order.js';
import { emptyCounts, type CopyCounts } from './copy.js';
import type { DavCollectionInfo } from './dav.js';
import { describeObject, parseObject } from './objects.js';
import { toOutlookCsv, type OutlookRow } from './outlook-csv.js';
import type { GroupwareSource } from './source.js';
import { toVcard3, vcardToOutlook } from './vcard.js';

// The files destination, for a destination without DAV (Microsoft 365): per person a folder
// (0700) with contacts.vcf (vCard 3.0), contacts.csv (Outlook's columns) and one .ics per
// calendar, each 0600. The files are rewritten whole (write + rename) when a source collection
// changed, so a kill leaves the previous complete file or the new one, never half of one.

export interface FilesDeps {
  gs: AsyncOf<GroupwareRecords>;
  accountId: number;
  source: GroupwareSource;
  dir: string;
  person: string;
  log: Logger;
  signal: AbortSignal;
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const fileSafe = (s: string) => s.replace(/[\\/:*?"<>|\x00-\x1f]/g, '_').replace(/^\.+/, '_').slice(0, 80) || 'calendar';

export function personFolder(dir: string, person: string): string {
  return join(dir, fileSafe(person));
}

function writePrivate(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export async function writeFilesAccount(deps: FilesDeps): Promise<CopyCounts> {
  const { gs, accountId, source, signal } = deps;
  const counts = emptyCounts();
  const collections = await source.collections();
  const folder = personFolder(deps.dir, deps.person);
  const rows = await mapInOrder(collections, async (c) => ({ c, row: await gs.upsertCollection({ accountId, kind: c.kind, sourceHref: c.href, displayName: c.displayName, color: c.color, description: c.description }) }));
  const allSame = rows.every(({ c, row }) => row.state === 'active' && row.destinationHref && existsSync(row.destinationHref) && row.sourceCtag !== null && row.sourceCtag === c.ctag);
  counts.collections = rows.length;
  if (allSame && rows.length) {
    counts.collectionsUnchanged = rows.length;
    return counts;
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);

  const cards: { row: number; href: string; etag: string | null; body: Buffer }[] = [];
  const calendars: { c: DavCollectionInfo; row: number; objects: { href: string; etag: string | null; body: Buffer }[] }[] = [];
  const tokens = new Map<number, string | null>();
  for (const { c, row } of rows) {
    if (signal.aborted) return counts;
    const listing = await source.list(c, null);
    tokens.set(row.id, listing.token);
    const objs: { href: string; etag: string | null; body: Buffer }[] = [];
    for (const item of listing.items) {
      const got = await source.get(item.href);
      objs.push({ href: item.href, etag: got.etag, body: got.body });
    }
    if (c.kind === 'addressbook') cards.push(...objs.map((o) => ({ ...o, row: row.id })));
    else calendars.push({ c, row: row.id, objects: objs });
  }

  const written = new Map<number, string>();
  const record = async (rowId: number, o: { href: string; etag: string | null; body: Buffer }, dest: string, ok: boolean, reason?: string) => {
    const f = describeObject(o.body);
    await gs.recordIntent({ collectionId: rowId, sourceHref: o.href, sourceEtag: o.etag, uid: f.uid, component: f.component, bytes: o.body.length, destinationHref: `${dest}#${f.uid ?? ''}` });
    if (ok) await gs.recordPut(rowId, o.href, o.etag, `"${sha(o.body)}"`);
    else await gs.recordFailed(rowId, o.href, reason ?? 'not readable');
    if (ok) counts.created++;
    else counts.failed++;
  };

  // Contacts: one vCard 3.0 file and one Outlook CSV for all of this person's address books.
  const vcf = join(folder, 'contacts.vcf');
  const csv = join(folder, 'contacts.csv');
  const vcards: string[] = [];
  const csvRows: OutlookRow[] = [];
  const cardOk: boolean[] = [];
  for (const o of cards) {
    try {
      const v3 = toVcard3(o.body.toString('utf8'));
      vcards.push(v3);
      if (!describeObject(o.body).isGroup) csvRows.push(vcardToOutlook(v3));
      cardOk.push(true);
    } catch {
      cardOk.push(false);
    }
  }
  if (cards.length) {
    writePrivate(vcf, vcards.join(''));
    writePrivate(csv, toOutlookCsv(csvRows));
  }
  for (const [i, o] of cards.entries()) await record(o.row, o, vcf, cardOk[i]!, 'not a readable vCard');
  for (const { row } of rows) if (rows.find((r) => r.row.id === row.id)?.c.kind === 'addressbook') written.set(row.id, vcf);

  // Calendars: one .ics each, with every time zone once.
  const used = new Set<string>();
  for (const cal of calendars) {
    let name = fileSafe(cal.c.displayName ?? new URL(cal.c.href).pathname.split('/').filter(Boolean).at(-1) ?? 'calendar');
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${fileSafe(cal.c.displayName ?? 'calendar')} (${i})`;
    used.add(name.toLowerCase());
    const path = join(folder, `${name}.ics`);
    const out = new ICAL.Component('vcalendar');
    out.addPropertyWithValue('version', '2.0');
    out.addPropertyWithValue('prodid', '-//mailshift//groupware export//EN');
    out.addPropertyWithValue('calscale', 'GREGORIAN');
    if (cal.c.displayName) out.addPropertyWithValue('x-wr-calname', cal.c.displayName);
    if (cal.c.description) out.addPropertyWithValue('x-wr-caldesc', cal.c.description);
    if (cal.c.color) out.addPropertyWithValue('x-apple-calendar-color', cal.c.color);
    const zones = new Set<string>();
    const oks: boolean[] = [];
    const events: ICAL.Component[] = [];
    for (const o of cal.objects) {
      try {
        const root = parseObject(o.body.toString('utf8'));
        // A copy: adding a component to `out` takes it out of `root`'s list.
        for (const sub of [...root.getAllSubcomponents()]) {
          if (sub.name === 'vtimezone') {
            const id = String(sub.getFirstPropertyValue('tzid'));
            if (zones.has(id)) continue;
            zones.add(id);
            out.addSubcomponent(sub);
          } else events.push(sub);
        }
        oks.push(true);
      } catch {
        oks.push(false);
      }
    }
    for (const e of events) out.addSubcomponent(e);
    writePrivate(path, out.toString().replace(/\r?\n/g, '\r\n') + '\r\n');
    for (const [i, o] of cal.objects.entries()) await record(cal.row, o, path, oks[i]!, 'not a readable iCalendar object');
    written.set(cal.row, path);
  }
  for (const { c, row } of rows) {
    const dest = written.get(row.id);
    if (dest) await gs.setCollectionDestination(row.id, dest);
    else if (c.kind === 'addressbook') await gs.setCollectionDestination(row.id, vcf);
    if (counts.failed === 0) await gs.setCollectionSynced(row.id, c.ctag, tokens.get(row.id) ?? null);
  }
  deps.log.info({ folder, contacts: cards.length, calendars: calendars.length }, 'groupware: files written');
  return counts;
}

/** The files the files destination wrote for a person (for their kit sheet); none without it. */
export function groupwareFilesOf(config: { groupware?: { destination: { kind: string; dir?: string } } }, person: string): string[] {
  const d = config.groupware?.destination;
  if (d?.kind !== 'files' || !d.dir) return [];
  const folder = personFolder(d.dir, person);
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((f) => /\.(vcf|csv|ics)$/.test(f)).sort();
}
