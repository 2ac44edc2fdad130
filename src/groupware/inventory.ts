import type { GroupwareConfig } from '../config/groupware-schema.js';
import type { DavCollectionInfo } from './dav.js';
import { describeObject } from './objects.js';
import { wantedCollection, type GroupwareSource } from './source.js';

// The read-only inventory of one account's contacts and calendars (`groupware sync --dry-run`):
// what there is, how big, and what will not arrive as it is.

export interface CollectionInventory {
  name: string;
  kind: 'addressbook' | 'calendar';
  href: string;
  copied: boolean;
  contacts: number;
  groups: number;
  photos: number;
  events: number;
  recurring: number;
  withExceptions: number;
  withAttachments: number;
  tasks: number;
  other: number;
  bytes: number;
  largest: number;
}

export interface AccountInventory {
  user: string;
  collections: CollectionInventory[];
  notes: string[];
}

export async function inventoryAccount(user: string, source: GroupwareSource, g: GroupwareConfig, dst: { addressbook: boolean; calendar: boolean } | 'files'): Promise<AccountInventory> {
  const out: AccountInventory = { user, collections: [], notes: [] };
  // Every collection, also those `include:` leaves out, so the operator sees what stays behind.
  const all: DavCollectionInfo[] = await source.collections();
  for (const c of all) {
    const inv: CollectionInventory = { name: c.displayName ?? c.href, kind: c.kind, href: c.href, copied: wantedCollection(c, g.include), contacts: 0, groups: 0, photos: 0, events: 0, recurring: 0, withExceptions: 0, withAttachments: 0, tasks: 0, other: 0, bytes: 0, largest: 0 };
    for (const item of (await source.list(c, null)).items) {
      const { body } = await source.get(item.href);
      const f = describeObject(body);
      inv.bytes += body.length;
      inv.largest = Math.max(inv.largest, body.length);
      if (f.component === 'VCARD') {
        if (f.isGroup) inv.groups++;
        else inv.contacts++;
        if (f.hasPhoto) inv.photos++;
      } else if (f.component === 'VEVENT') {
        inv.events++;
        if (f.recurring) inv.recurring++;
        if (f.exceptions) inv.withExceptions++;
        if (f.attachments) inv.withAttachments++;
      } else if (f.component === 'VTODO') inv.tasks++;
      else inv.other++;
    }
    out.collections.push(inv);
    if (!inv.copied) out.notes.push(`"${inv.name}" holds only tasks and is not copied (add "tasks" to groupware.include)`);
    if (dst !== 'files' && !dst[c.kind] && inv.copied) out.notes.push(`"${inv.name}": the destination has no ${c.kind === 'addressbook' ? 'CardDAV address book' : 'CalDAV calendar'} home; it cannot take this collection`);
    if (dst === 'files' && inv.groups) out.notes.push(`"${inv.name}": ${inv.groups} contact group(s) are in contacts.vcf only (Outlook's CSV has no groups)`);
    if (dst === 'files' && inv.tasks && inv.copied) out.notes.push(`"${inv.name}": ${inv.tasks} task(s) go into the .ics file; Outlook on the web imports events only`);
  }
  return out;
}

export function inventoryLines(a: AccountInventory): string[] {
  const lines = [`${a.user}:`];
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  for (const c of a.collections) {
    const what =
      c.kind === 'addressbook'
        ? `${c.contacts} contact(s), ${c.groups} group(s), ${c.photos} with photo`
        : `${c.events} event(s) (${c.recurring} recurring, ${c.withExceptions} with exceptions, ${c.withAttachments} with attachments), ${c.tasks} task(s)`;
    lines.push(`  ${c.kind === 'addressbook' ? 'address book' : 'calendar'} "${c.name}": ${what}; ${kib(c.bytes)}, largest ${kib(c.largest)}${c.copied ? '' : ' (not copied)'}`);
  }
  for (const n of a.notes) lines.push(`  note: ${n}`);
  return lines;
}
