import { describe, expect, it } from 'vitest';
import { resolveGroupware } from '../../src/config/groupware-schema.js';
import { describeObject, parseObject, sameContent, splitExport } from '../../src/groupware/objects.js';
import { OUTLOOK_COLUMNS, parseCsv, toOutlookCsv } from '../../src/groupware/outlook-csv.js';
import { fold, outlookToVcard, toVcard3, vcardToOutlook } from '../../src/groupware/vcard.js';
import { weeklyMeeting } from '../../src/sandbox/groupware-seed.js';

// Pure logic of the groupware copy: export-file checks, CSV, vCard conversions, the config rules.

describe('splitExport', () => {
  it('splits a multi-card file and names the line of the first bad line', () => {
    const ok = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nFN:B\r\nEND:VCARD\r\n';
    const r = splitExport(ok, 'VCARD');
    expect('blocks' in r && r.blocks.map((b) => [describeObject(b.text).uid, b.line])).toEqual([['a', 1], ['b', 6]]);
    expect(splitExport('BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\nhello world\n', 'VCARD')).toEqual({ error: 'not a vCard content line', line: 5 });
    expect(splitExport('BEGIN:VCARD\nVERSION:3.0\nFN:A\n', 'VCARD')).toMatchObject({ line: 1, error: 'BEGIN:VCARD is never closed' });
    expect(splitExport('BEGIN:VCALENDAR\nEND:VCALENDAR\n', 'VCARD')).toMatchObject({ line: 1, error: 'expected BEGIN:VCARD, found BEGIN:VCALENDAR' });
    expect(splitExport('Name,Email\nA,a@b\n', 'VCALENDAR')).toMatchObject({ line: 1 });
  });

  it('describes a recurring event with its exception in one resource', () => {
    const f = describeObject(weeklyMeeting('w1', 'Weekly', 'o@x', ['a@x']));
    expect(f).toMatchObject({ uid: 'w1', component: 'VEVENT', recurring: true, exceptions: 1, timezones: ['Asia/Hong_Kong'] });
  });
});

describe('Outlook CSV and vCard', () => {
  it('writes Outlook\'s header and reads it back, quoting commas, quotes and new lines', () => {
    const text = toOutlookCsv([{ 'First Name': '大文', 'Last Name': '陳', Notes: 'line 1\nline "2", end', 'E-mail Address': 'a@b.hk' }]);
    expect(text.startsWith('\uFEFFTitle,First Name,Middle Name,Last Name,')).toBe(true);
    const rows = parseCsv(text);
    if (!Array.isArray(rows)) throw new Error(rows.error);
    expect(rows[0]!.cells).toEqual([...OUTLOOK_COLUMNS]);
    expect(rows[1]!.cells[OUTLOOK_COLUMNS.indexOf('Notes')]).toBe('line 1\nline "2", end');
    expect(rows).toHaveLength(2);
    expect(parseCsv('a,"b\n')).toEqual({ error: 'a quoted cell is never closed', line: 1 });
  });

  it('converts a vCard to an Outlook row and a row back to a vCard 3.0 with a stable UID', () => {
    const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:陳大文\r\nN:陳;大文;;;\r\nORG:Acme;Sales\r\nEMAIL;TYPE=INTERNET:dw@acme.hk\r\nTEL;TYPE=CELL:+852 91234567\r\nEND:VCARD\r\n';
    const row = vcardToOutlook(card);
    expect(row).toMatchObject({ 'First Name': '大文', 'Last Name': '陳', Company: 'Acme', Department: 'Sales', 'E-mail Address': 'dw@acme.hk', 'Mobile Phone': '+852 91234567' });
    const back = outlookToVcard(row as Record<string, string>);
    expect(back).toBe(outlookToVcard(row as Record<string, string>));
    const c = parseObject(back);
    expect(c.getFirstPropertyValue('fn')).toBe('大文 陳');
    expect(c.getFirstPropertyValue('email')).toBe('dw@acme.hk');
  });

  it('turns a vCard 4.0 into 3.0 (photo, group) and keeps a 3.0 card as it is', () => {
    const v4 = 'BEGIN:VCARD\r\nVERSION:4.0\r\nUID:g\r\nFN:Team\r\nKIND:group\r\nMEMBER:urn:uuid:a\r\nPHOTO:data:image/jpeg;base64,AAAA\r\nEND:VCARD\r\n';
    const v3 = toVcard3(v4);
    expect(v3).toContain('VERSION:3.0\r\n');
    expect(v3).toContain('X-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a\r\nPHOTO;ENCODING=b;TYPE=JPEG:AAAA\r\n');
    const three = 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:k\r\nFN:K\r\nEND:VCARD\r\n';
    expect(toVcard3(three)).toBe(three);
  });

  it('folds at 75 octets without splitting a Chinese character', () => {
    const line = 'NOTE:' + '陳'.repeat(60);
    const folded = fold(line).split('\r\n');
    expect(folded.every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(folded.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(line);
  });

  it('sameContent: equal bytes, or equal lines once folding and line ends are undone', () => {
    expect(sameContent(Buffer.from('A:1\r\nB:2\r\n'), Buffer.from('A:1\nB:\n 2\n'))).toBe(true);
    expect(sameContent(Buffer.from('A:1\r\n'), Buffer.from('A:2\r\n'))).toBe(false);
  });
});

describe('groupware config', () => {
  it('accepts http:// on loopback only, resolves files: against the config folder', () => {
    expect(resolveGroupware('m.yaml', '/jobs', { source: { url: 'http://127.0.0.1:5232' }, destination: { files: 'out' }, include: ['contacts'] })).toEqual({
      source: { kind: 'dav', url: 'http://127.0.0.1:5232/' },
      destination: { kind: 'files', dir: '/jobs/out' },
      include: ['contacts'],
    });
    expect(() => resolveGroupware('m.yaml', '/jobs', { source: { url: 'http://dav.example.com/' }, destination: { files: 'out' }, include: ['contacts'] })).toThrow(
      'm.yaml: groupware.source.url is http:// on dav.example.com; only https:// is accepted except on a loopback address',
    );
    expect(() => resolveGroupware('m.yaml', '/jobs', { source: { files: 'a' }, destination: { files: 'b' }, include: ['contacts'] })).toThrow(/one side must be a DAV server/);
  });
});
