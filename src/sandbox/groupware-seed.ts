/**
 * Generated contacts and calendars for tests and the demo, PUT into a DAV server (Radicale):
 * Chinese and English names, a contact photo, a contact group, recurring events with an
 * exception (RECURRENCE-ID in the same resource) and a public-holiday EXDATE, VTIMEZONEs
 * Asia/Hong_Kong and Asia/Shanghai, all-day events, attendees, a task, and optionally a 2 MB
 * attachment. Deterministic for a given seed.
 */
import { randomBytes } from 'node:crypto';
import { Rng } from '../corpus/prng.js';
import { DavSession } from '../groupware/dav.js';
import { fold } from '../groupware/vcard.js';
import { Secret } from '../secret.js';
import { SandboxError } from '../errors.js';

export interface GroupwareSeedOptions {
  contacts?: number;
  events?: number;
  /** Bytes of one event's binary attachment (0: none). */
  attachmentBytes?: number;
  seed?: number;
  /** Company name for the contacts' ORG and the shared calendar. */
  company?: string;
  /** Resource name ("work/") and display name ("工作 Work") of the calendar. */
  calendarName?: string;
  calendarTitle?: string;
}

export interface SeededObject {
  collection: string;
  href: string;
  uid: string;
}

const SURNAMES = ['陳', '李', '王', '張', '黃', '林', '劉', '吳'];
const GIVEN = ['大文', '美玲', '志明', '嘉欣', '偉強', '淑芬', '家豪', '詠詩'];
const ENGLISH = ['Alice Wong', 'Bob Chan', 'Carol Leung', 'David Ho', 'Emily Tsang', 'Frank Lau', 'Grace Yip', 'Henry Cheung'];

const TZ: Record<string, string> = {
  'Asia/Hong_Kong': ['BEGIN:VTIMEZONE', 'TZID:Asia/Hong_Kong', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0800', 'TZOFFSETTO:+0800', 'TZNAME:HKT', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n'),
  'Asia/Shanghai': ['BEGIN:VTIMEZONE', 'TZID:Asia/Shanghai', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0800', 'TZOFFSETTO:+0800', 'TZNAME:CST', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n'),
};

const crlf = (lines: string[]) => lines.map(fold).join('\r\n') + '\r\n';
const pad = (n: number) => String(n).padStart(2, '0');

export function contactCard(uid: string, i: number, rng: Rng, company: string, opts: { photo?: boolean } = {}): string {
  const chinese = i % 2 === 0;
  const surname = rng.pick(SURNAMES);
  const given = rng.pick(GIVEN);
  const eng = rng.pick(ENGLISH);
  const [first, last] = chinese ? [given, surname] : eng.split(' ');
  const fn = chinese ? `${surname}${given}` : eng;
  const email = `${chinese ? 'staff' : first!.toLowerCase()}${i}@example.com.hk`;
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, `N:${last};${first};;;`, `ORG:${company};${chinese ? '銷售部' : 'Sales'}`, `TITLE:${chinese ? '經理' : 'Manager'}`, `EMAIL;TYPE=INTERNET,WORK:${email}`, `TEL;TYPE=CELL:+852 9${String(1000000 + i * 7919).slice(-7)}`, `ADR;TYPE=WORK:;;${i} Queen's Road Central;Hong Kong;;;Hong Kong`];
  if (opts.photo) lines.push(`PHOTO;ENCODING=b;TYPE=JPEG:${Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytesFrom(rng, 3000), Buffer.from([0xff, 0xd9])]).toString('base64')}`);
  lines.push('END:VCARD');
  return crlf(lines);
}

function randomBytesFrom(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

export function groupCard(uid: string, name: string, members: string[]): string {
  return crlf(['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${name}`, `N:${name};;;;`, 'X-ADDRESSBOOKSERVER-KIND:group', ...members.map((m) => `X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:${m}`), 'END:VCARD']);
}

/** The weekly meeting: Mondays 10:00 Hong Kong time, one occurrence moved, one skipped for a public holiday. */
export function weeklyMeeting(uid: string, title: string, organizer: string, attendees: string[]): string {
  return crlf([
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//mailshift//sandbox//EN', TZ['Asia/Hong_Kong']!,
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${title}`, 'DTSTART;TZID=Asia/Hong_Kong:20260105T100000', 'DTEND;TZID=Asia/Hong_Kong:20260105T110000',
    'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=30',
    // Easter Monday 2026 (6 April) is a Hong Kong public holiday: no meeting.
    'EXDATE;TZID=Asia/Hong_Kong:20260406T100000',
    `ORGANIZER;CN=Organizer:mailto:${organizer}`, ...attendees.map((a) => `ATTENDEE;CN=${a.split('@')[0]};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:${a}`),
    'LOCATION:會議室 A / Room A', 'END:VEVENT',
    'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Asia/Hong_Kong:20260216T100000', `SUMMARY:${title} (moved: Lunar New Year)`,
    'DTSTART;TZID=Asia/Hong_Kong:20260218T140000', 'DTEND;TZID=Asia/Hong_Kong:20260218T150000', `ORGANIZER;CN=Organizer:mailto:${organizer}`, 'END:VEVENT',
    'END:VCALENDAR',
  ]);
}

export function eventObject(uid: string, i: number, rng: Rng, opts: { attachmentBytes?: number; attendees?: string[] } = {}): string {
  const day = 1 + (i % 27);
  const month = 1 + (i % 12);
  const kind = i % 4;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//mailshift//sandbox//EN'];
  const ev = ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20260101T000000Z'];
  if (kind === 0) {
    ev.push(`SUMMARY:公眾假期 Holiday ${i}`, `DTSTART;VALUE=DATE:2026${pad(month)}${pad(day)}`, `DTEND;VALUE=DATE:2026${pad(month)}${pad(day + 1)}`);
  } else {
    const tz = kind === 1 ? 'Asia/Shanghai' : 'Asia/Hong_Kong';
    lines.push(TZ[tz]!);
    const h = rng.int(9, 17);
    ev.push(`SUMMARY:${kind === 1 ? '上海客戶會議' : 'Client call'} ${i}`, `DTSTART;TZID=${tz}:2026${pad(month)}${pad(day)}T${pad(h)}0000`, `DTEND;TZID=${tz}:2026${pad(month)}${pad(day)}T${pad(h + 1)}0000`);
    for (const a of opts.attendees ?? []) ev.push(`ATTENDEE;CN=${a.split('@')[0]};PARTSTAT=ACCEPTED:mailto:${a}`);
  }
  if (opts.attachmentBytes) ev.push(`ATTACH;FMTTYPE=application/pdf;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=report-${i}.pdf:${randomBytes(opts.attachmentBytes).toString('base64')}`);
  ev.push('END:VEVENT');
  return crlf([...lines, ...ev, 'END:VCALENDAR']);
}

export function taskObject(uid: string, title: string): string {
  return crlf(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//mailshift//sandbox//EN', 'BEGIN:VTODO', `UID:${uid}`, 'DTSTAMP:20260101T000000Z', `SUMMARY:${title}`, 'DUE;VALUE=DATE:20260315', 'STATUS:NEEDS-ACTION', 'END:VTODO', 'END:VCALENDAR']);
}

export async function putObject(dav: DavSession, href: string, body: string): Promise<void> {
  const r = await dav.put(href, Buffer.from(body), href.endsWith('.vcf') ? 'text/vcard; charset=utf-8' : 'text/calendar; charset=utf-8', { create: true });
  if (r.status !== 201 && r.status !== 204) throw new SandboxError(`seed PUT ${href}: ${r.reason}`);
}

/** Creates an address book and a calendar (plus a tasks list) for one user and fills them. */
export async function seedGroupware(baseUrl: string, user: string, password: string, opts: GroupwareSeedOptions = {}): Promise<SeededObject[]> {
  const rng = new Rng(opts.seed ?? 1);
  const company = opts.company ?? 'Acme Trading 亞洲貿易';
  const dav = new DavSession(baseUrl, user, new Secret(password));
  // Discovery also makes Radicale create the user's principal collection.
  const home = await dav.discoverHome('addressbook');
  const book = new URL('contacts/', home).href;
  const cal = new URL(opts.calendarName ?? 'work/', home).href;
  const tasks = new URL('tasks/', home).href;
  const mk = async (url: string, c: Parameters<DavSession['create']>[1]) => {
    const r = await dav.create(url, c);
    if (!r.ok) throw new SandboxError(`seed: cannot create ${url}: ${r.reason}`);
  };
  await mk(book, { kind: 'addressbook', displayName: '通訊錄 Contacts', description: `${company} staff and clients`, color: null, components: [] });
  await mk(cal, { kind: 'calendar', displayName: opts.calendarTitle ?? '工作 Work', description: '共享日曆 shared calendar', color: '#1E90FFFF', components: ['VEVENT'] });
  await mk(tasks, { kind: 'calendar', displayName: '待辦 Tasks', description: null, color: '#FF8C00FF', components: ['VTODO'] });
  const out: SeededObject[] = [];
  const put = async (collection: string, name: string, body: string, uid: string) => {
    const href = new URL(name, collection).href;
    await putObject(dav, href, body);
    out.push({ collection, href, uid });
  };
  const nContacts = opts.contacts ?? 10;
  const uids: string[] = [];
  for (let i = 0; i < nContacts; i++) {
    const uid = `contact-${user.split('@')[0]}-${i}-${rng.hex(8)}`;
    uids.push(uid);
    await put(book, `${uid}.vcf`, contactCard(uid, i, rng, company, { photo: i === 0 }), uid);
  }
  const gid = `group-${user.split('@')[0]}-${rng.hex(8)}`;
  await put(book, `${gid}.vcf`, groupCard(gid, '銷售團隊 Sales team', uids.slice(0, 3)), gid);
  const meeting = `weekly-${user.split('@')[0]}-${rng.hex(8)}`;
  await put(cal, `${meeting}.ics`, weeklyMeeting(meeting, '每週例會 Weekly meeting', `${user}`, ['alice@example.com.hk', 'bob@example.com.hk']), meeting);
  const nEvents = opts.events ?? 10;
  for (let i = 0; i < nEvents; i++) {
    const uid = `event-${user.split('@')[0]}-${i}-${rng.hex(8)}`;
    await put(cal, `${uid}.ics`, eventObject(uid, i, rng, { attendees: i % 3 === 0 ? ['carol@example.com.hk'] : [], attachmentBytes: i === 1 ? opts.attachmentBytes : 0 }), uid);
  }
  const tid = `task-${user.split('@')[0]}-${rng.hex(8)}`;
  await put(tasks, `${tid}.ics`, taskObject(tid, '提交季度報告 Quarterly report'), tid);
  return out;
}
