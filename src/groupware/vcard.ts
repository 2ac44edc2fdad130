import { createHash } from 'node:crypto';
import type ICAL from 'ical.js';
import { parseObject } from './objects.js';
import type { OutlookRow } from './outlook-csv.js';

// vCard conversions for the files destination and source: to vCard 3.0 (what Outlook and Apple
// import), to and from Outlook's contacts CSV.

const unfold = (text: string) => text.replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter(Boolean);

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 6350 3.2). */
export function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > (out.length ? 74 : 75)) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n ');
}

/**
 * One vCard as vCard 3.0 text. A 3.0 card is kept as it is (CRLF line ends); a 4.0 card gets
 * VERSION:3.0, its data: URI photo as inline base64, and KIND/MEMBER as Apple's group properties.
 */
export function toVcard3(text: string): string {
  const lines = unfold(text);
  const version = lines.find((l) => /^VERSION:/i.test(l))?.slice(8).trim();
  if (version === '3.0' || version === '2.1') return lines.map(fold).join('\r\n') + '\r\n';
  const out = lines.map((l) => {
    if (/^VERSION:/i.test(l)) return 'VERSION:3.0';
    const photo = /^PHOTO(;[^:]*)?:data:image\/(\w+);base64,(.*)$/i.exec(l);
    if (photo) return `PHOTO;ENCODING=b;TYPE=${photo[2]!.toUpperCase()}:${photo[3]}`;
    if (/^KIND:group$/i.test(l)) return 'X-ADDRESSBOOKSERVER-KIND:group';
    if (/^MEMBER[;:]/i.test(l)) return 'X-ADDRESSBOOKSERVER-MEMBER:' + l.slice(l.indexOf(':') + 1);
    return l;
  });
  return out.map(fold).join('\r\n') + '\r\n';
}

const first = (c: ICAL.Component, name: string): string => {
  const v = c.getFirstPropertyValue(name);
  return v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
};

function typesOf(p: ICAL.Property): string[] {
  const t = p.getParameter('type');
  return (Array.isArray(t) ? t : t ? [t] : []).flatMap((x) => String(x).toLowerCase().split(','));
}

/** One contact (not a group) as an Outlook CSV row. */
export function vcardToOutlook(text: string): OutlookRow {
  const c = parseObject(text);
  const row: OutlookRow = {};
  const n = c.getFirstPropertyValue('n') as unknown;
  const parts = Array.isArray(n) ? n.map((x) => (Array.isArray(x) ? x.join(' ') : String(x ?? ''))) : [];
  row['Last Name'] = parts[0] ?? '';
  row['First Name'] = parts[1] ?? '';
  row['Middle Name'] = parts[2] ?? '';
  row['Title'] = parts[3] ?? '';
  row['Suffix'] = parts[4] ?? '';
  if (!row['First Name'] && !row['Last Name']) row['First Name'] = first(c, 'fn');
  const org = c.getFirstPropertyValue('org') as unknown;
  const orgParts = Array.isArray(org) ? org.map(String) : org ? [String(org)] : [];
  row['Company'] = orgParts[0] ?? '';
  row['Department'] = orgParts[1] ?? '';
  row['Job Title'] = first(c, 'title');
  const emails = c.getAllProperties('email');
  (['E-mail', 'E-mail 2', 'E-mail 3'] as const).forEach((k, i) => {
    const e = emails[i];
    if (!e) return;
    row[`${k} Address` as 'E-mail Address'] = String(e.getFirstValue());
    row[`${k} Type` as 'E-mail Type'] = 'SMTP';
    row[`${k} Display Name` as 'E-mail Display Name'] = `${first(c, 'fn')} (${String(e.getFirstValue())})`;
  });
  for (const t of c.getAllProperties('tel')) {
    const ty = typesOf(t);
    const v = String(t.getFirstValue()).replace(/^tel:/, '');
    const key = ty.includes('cell') ? 'Mobile Phone' : ty.includes('fax') ? (ty.includes('home') ? 'Home Fax' : 'Business Fax') : ty.includes('home') ? 'Home Phone' : ty.includes('work') ? 'Business Phone' : 'Other Phone';
    if (!row[key]) row[key] = v;
    else if (key === 'Business Phone' && !row['Business Phone 2']) row['Business Phone 2'] = v;
  }
  for (const a of c.getAllProperties('adr')) {
    const v = a.getFirstValue() as unknown;
    const f = Array.isArray(v) ? v.map((x) => (Array.isArray(x) ? x.join(' ') : String(x ?? ''))) : [];
    const prefix = typesOf(a).includes('home') ? 'Home' : typesOf(a).includes('work') ? 'Business' : 'Other';
    if (row[`${prefix} Street` as 'Home Street']) continue;
    row[`${prefix} Street` as 'Home Street'] = f[2] ?? '';
    row[`${prefix} City` as 'Home City'] = f[3] ?? '';
    row[`${prefix} State` as 'Home State'] = f[4] ?? '';
    row[`${prefix} Postal Code` as 'Home Postal Code'] = f[5] ?? '';
    row[`${prefix} Country/Region` as 'Home Country/Region'] = f[6] ?? '';
  }
  const bday = first(c, 'bday');
  if (bday) row['Birthday'] = bday.slice(0, 10);
  row['Notes'] = first(c, 'note');
  row['Web Page'] = first(c, 'url');
  const cats = c.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
  if (cats.length) row['Categories'] = cats.join(';');
  return row;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/([,;])/g, '\\$1');

/** An Outlook CSV row (header → value) as a vCard 3.0; the UID is derived from the row so a re-run maps it to the same object. */
export function outlookToVcard(row: Record<string, string>): string {
  const g = (k: string) => (row[k] ?? '').trim();
  const fn = [g('First Name'), g('Middle Name'), g('Last Name')].filter(Boolean).join(' ') || g('E-mail Display Name') || g('E-mail Address') || g('Company');
  const uid = 'mailshift-csv-' + createHash('sha256').update(JSON.stringify(Object.entries(row).filter(([, v]) => v).sort())).digest('hex').slice(0, 24);
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${esc(fn)}`, `N:${[g('Last Name'), g('First Name'), g('Middle Name'), g('Title'), g('Suffix')].map(esc).join(';')}`];
  if (g('Company') || g('Department')) lines.push(`ORG:${esc(g('Company'))}${g('Department') ? ';' + esc(g('Department')) : ''}`);
  if (g('Job Title')) lines.push(`TITLE:${esc(g('Job Title'))}`);
  for (const k of ['E-mail Address', 'E-mail 2 Address', 'E-mail 3 Address']) if (g(k)) lines.push(`EMAIL;TYPE=INTERNET:${g(k)}`);
  const tels: [string, string][] = [['Mobile Phone', 'CELL'], ['Business Phone', 'WORK'], ['Business Phone 2', 'WORK'], ['Home Phone', 'HOME'], ['Business Fax', 'WORK,FAX'], ['Home Fax', 'HOME,FAX'], ['Other Phone', 'VOICE'], ['Primary Phone', 'PREF']];
  for (const [k, t] of tels) if (g(k)) lines.push(`TEL;TYPE=${t}:${g(k)}`);
  for (const [p, t] of [['Business', 'WORK'], ['Home', 'HOME'], ['Other', 'OTHER']] as const) {
    const f = ['Street', 'City', 'State', 'Postal Code', 'Country/Region'].map((x) => g(`${p} ${x}`));
    if (f.some(Boolean)) lines.push(`ADR;TYPE=${t}:;;${f.map(esc).join(';')}`);
  }
  if (g('Birthday')) lines.push(`BDAY:${g('Birthday')}`);
  if (g('Notes')) lines.push(`NOTE:${esc(g('Notes'))}`);
  if (g('Web Page')) lines.push(`URL:${g('Web Page')}`);
  if (g('Categories')) lines.push(`CATEGORIES:${g('Categories').split(';').map(esc).join(',')}`);
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n') + '\r\n';
}
