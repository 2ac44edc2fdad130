// iCalendar (RFC 5545) events for the kit's e-mails: the switch window and the training
// session. METHOD:PUBLISH, no organizer or attendees: a calendar entry people add, not a meeting
// request that expects replies. Times are written in UTC (the "Z" form), which every client
// shows in its own time zone.

export interface IcsEvent {
  uid: string;
  start: Date;
  /** Minutes; ignored for an all-day event. */
  minutes: number;
  allDay?: boolean;
  summary: string;
  description: string;
  location?: string;
  stamp: Date;
}

const CRLF = '\r\n';

const utc = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const day = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');

/** TEXT value escaping (RFC 5545 3.3.11). */
export function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1). */
export function foldLine(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const b = Buffer.byteLength(ch);
    const limit = out.length === 0 ? 75 : 74; // continuation lines start with a space
    if (bytes + b > limit) {
      out.push(cur);
      cur = '';
      bytes = 0;
    }
    cur += ch;
    bytes += b;
  }
  out.push(cur);
  return out.join(CRLF + ' ');
}

export function buildIcs(e: IcsEvent): string {
  const end = new Date(e.start.getTime() + (e.allDay ? 86_400_000 : e.minutes * 60_000));
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//mailshift//staff kit//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `DTSTAMP:${utc(e.stamp)}`,
    e.allDay ? `DTSTART;VALUE=DATE:${day(e.start)}` : `DTSTART:${utc(e.start)}`,
    e.allDay ? `DTEND;VALUE=DATE:${day(end)}` : `DTEND:${utc(end)}`,
    `SUMMARY:${icsText(e.summary)}`,
    `DESCRIPTION:${icsText(e.description)}`,
    ...(e.location ? [`LOCATION:${icsText(e.location)}`] : []),
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(foldLine).join(CRLF) + CRLF;
}
