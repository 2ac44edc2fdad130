import ICAL from 'ical.js';

// What one vCard or calendar resource is, read with ical.js: its UID, its main component, and the
// facts the inventory counts (groups, photos, recurrences with exceptions, attachments).

export interface ObjectFacts {
  uid: string | null;
  /** VCARD, VEVENT, VTODO, VJOURNAL. */
  component: string;
  isGroup: boolean;
  hasPhoto: boolean;
  recurring: boolean;
  exceptions: number;
  attachments: number;
  timezones: string[];
}

/** Parses a body (vCard or iCalendar); throws with ical.js's message when it is not one. */
export function parseObject(text: string): ICAL.Component {
  const jcal = ICAL.parse(text);
  const first = Array.isArray(jcal) && typeof jcal[0] === 'string' ? jcal : (jcal as unknown[])[0];
  return new ICAL.Component(first as unknown[]);
}

export function describeObject(body: Buffer | string): ObjectFacts {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const facts: ObjectFacts = { uid: null, component: 'UNKNOWN', isGroup: false, hasPhoto: false, recurring: false, exceptions: 0, attachments: 0, timezones: [] };
  let root: ICAL.Component;
  try {
    root = parseObject(text);
  } catch {
    return facts;
  }
  if (root.name === 'vcard') {
    facts.component = 'VCARD';
    facts.uid = str(root.getFirstPropertyValue('uid'));
    const kind = (str(root.getFirstPropertyValue('kind')) ?? str(root.getFirstPropertyValue('x-addressbookserver-kind')) ?? '').toLowerCase();
    facts.isGroup = kind === 'group';
    facts.hasPhoto = root.hasProperty('photo');
    return facts;
  }
  const comps = root.getAllSubcomponents().filter((c) => c.name !== 'vtimezone');
  facts.timezones = root.getAllSubcomponents('vtimezone').map((t) => str(t.getFirstPropertyValue('tzid')) ?? '').filter(Boolean);
  const main = comps.find((c) => !c.hasProperty('recurrence-id')) ?? comps[0];
  if (!main) return facts;
  facts.component = main.name.toUpperCase();
  facts.uid = str(main.getFirstPropertyValue('uid'));
  facts.recurring = comps.some((c) => c.hasProperty('rrule') || c.hasProperty('rdate'));
  facts.exceptions = comps.filter((c) => c.hasProperty('recurrence-id')).length;
  facts.attachments = comps.reduce((n, c) => n + c.getAllProperties('attach').length, 0);
  return facts;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * Same content? Bytes first; otherwise the same content lines once folding and line endings are
 * undone (a server may refold or reorder). Used when a PUT finds an object already there.
 */
export function sameContent(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  const norm = (x: Buffer) =>
    x
      .toString('utf8')
      .replace(/\r\n/g, '\n')
      .replace(/\n[ \t]/g, '')
      .split('\n')
      .filter((l) => l && !/^(PRODID|DTSTAMP|REV)[:;]/i.test(l))
      .sort()
      .join('\n');
  return norm(a) === norm(b);
}

/** One component of a multi-object export file, with where it starts. */
export interface SplitObject {
  text: string;
  line: number;
}

/**
 * Checks an export file's lines and splits it into BEGIN:x … END:x blocks. A line that is not a
 * content line (name[;params]:value), a fold, or blank — or an unbalanced BEGIN/END — is an error
 * naming its line. Each block is then parsed by ical.js (an error names the block's first line).
 */
export function splitExport(text: string, outer: 'VCARD' | 'VCALENDAR'): { blocks: SplitObject[] } | { error: string; line: number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const blocks: SplitObject[] = [];
  const stack: string[] = [];
  let start = 0;
  let buf: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const n = i + 1;
    if (l === '') continue;
    if (/^[ \t]/.test(l)) {
      if (!stack.length) return { error: 'a folded line outside any BEGIN/END block', line: n };
      buf.push(l);
      continue;
    }
    if (!/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)?(;[^:]*)?:/.test(l)) return { error: `not a ${outer === 'VCARD' ? 'vCard' : 'iCalendar'} content line`, line: n };
    const m = /^(BEGIN|END):(.+)$/i.exec(l.trim());
    if (m) {
      const name = m[2]!.toUpperCase();
      if (m[1]!.toUpperCase() === 'BEGIN') {
        if (!stack.length) {
          if (name !== outer) return { error: `expected BEGIN:${outer}, found BEGIN:${name}`, line: n };
          start = n;
          buf = [];
        }
        stack.push(name);
      } else {
        if (stack.at(-1) !== name) return { error: `END:${name} does not close BEGIN:${stack.at(-1) ?? '(nothing)'}`, line: n };
        stack.pop();
      }
      buf.push(l);
      if (!stack.length) {
        const block = buf.join('\r\n') + '\r\n';
        try {
          parseObject(block);
        } catch (err) {
          return { error: `not valid ${outer === 'VCARD' ? 'vCard' : 'iCalendar'} (${(err as Error).message.split('\n')[0]})`, line: start };
        }
        blocks.push({ text: block, line: start });
      }
      continue;
    }
    if (!stack.length) return { error: `a line outside BEGIN:${outer} … END:${outer}`, line: n };
    buf.push(l);
  }
  if (stack.length) return { error: `BEGIN:${stack.at(-1)} is never closed`, line: start };
  if (!blocks.length) return { error: `no BEGIN:${outer} found`, line: 1 };
  return { blocks };
}
