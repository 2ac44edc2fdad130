import { describe, expect, it } from 'vitest';
import { ResponseFramer, type RawResponse } from '../../src/imap/bulk/framer.js';
import { applySelectData, firstLine, parseCapabilityList, parseFetch, parseSearch, parseStatus, parseTagged, type SelectedState } from '../../src/imap/bulk/parse.js';
import { appendResult } from '../../src/imap/bulk/commands.js';
import { parseImapDateTime as parseInternalDate } from '../../src/imap/datetime.js';

/** The tagged answer for `tag`, a BYE as an Error, or undefined (what BulkConnection decides). */
function readTagged(tag: string, r: RawResponse) {
  const line = firstLine(r);
  if (/^\* BYE/i.test(line)) return new Error(line);
  const t = parseTagged(line);
  return t && t.tag === tag ? t.result : undefined;
}

// The bulk path's framing and FETCH parsing, fed the byte streams a server sends, split at
// every possible place.

const body1 = Buffer.from('Message-ID: <a@x>\r\nSubject: one\r\n\r\nbody with ) and { and "quotes"\r\n');
const body2 = Buffer.concat([Buffer.from('Subject: two\r\n\r\n'), Buffer.from([0xe4, 0xbd, 0xa0, 0x0d, 0x0a])]);
const stream = Buffer.concat([
  Buffer.from('* 1 FETCH (UID 7 FLAGS (\\Seen $Label1 \\Recent) INTERNALDATE " 2-Mar-2025 09:05:01 +0800" BODY[] {' + body1.length + '}\r\n'),
  body1,
  Buffer.from(')\r\n* 3 EXISTS\r\n'),
  Buffer.from('* 2 FETCH (MODSEQ (12) BODY[] {' + body2.length + '}\r\n'),
  body2,
  Buffer.from(' INTERNALDATE "28-Feb-2024 23:59:59 -0130" UID 9 FLAGS ())\r\n'),
  Buffer.from('* 4 FETCH (UID 11 FLAGS (\\Flagged))\r\n'),
  Buffer.from('* 5 FETCH (UID 12 BODY[] NIL FLAGS ())\r\n'),
  Buffer.from('M1 OK Fetch completed (0.001 + 0.000 secs).\r\n'),
  Buffer.from('* 6 EXISTS\r\n'),
]);

function frame(chunks: Buffer[]): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  const f = new ResponseFramer((r) => void responses.push(r));
  for (const c of chunks) f.push(c);
  // What came after the tagged answer: framed too (the connection is ours), returned as text.
  const at = responses.findIndex((r) => readTagged('M1', r) !== undefined);
  if (at < 0) throw new Error('no tagged answer');
  const rest = responses.slice(at + 1).flatMap((r) => r.segments);
  return { responses: responses.slice(0, at + 1), rest: Buffer.concat(rest) };
}

describe('ResponseFramer + parseFetch', () => {
  it('frames and parses the same stream however it is split', () => {
    const expectWhole = (chunks: Buffer[]) => {
      const { responses, rest } = frame(chunks);
      expect(rest.toString()).toBe('* 6 EXISTS\r\n');
      const tagged = readTagged('M1', responses.at(-1)!);
      expect(tagged).toEqual({ status: 'OK', text: 'Fetch completed (0.001 + 0.000 secs).' });
      const msgs = responses.map((r) => parseFetch(r)).filter((m) => m !== undefined);
      expect(msgs.map((m) => m!.uid)).toEqual([7, 9, 12]);
      expect(Buffer.concat(msgs[0]!.source!).equals(body1)).toBe(true);
      expect(msgs[0]!.flags).toEqual(['$Label1', '\\Seen']);
      expect(msgs[0]!.internalDate!.toISOString()).toBe('2025-03-02T01:05:01.000Z');
      expect(Buffer.concat(msgs[1]!.source!).equals(body2)).toBe(true);
      expect(msgs[1]!.flags).toEqual([]);
      expect(msgs[1]!.internalDate!.toISOString()).toBe('2024-02-29T01:29:59.000Z');
      // NIL body: the server cannot give the message; it is reported, not invented.
      expect(msgs[2]!.source).toBeUndefined();
    };
    expectWhole([stream]);
    for (let cut = 1; cut < stream.length; cut++) expectWhole([stream.subarray(0, cut), stream.subarray(cut)]);
    expectWhole([...stream].map((b) => Buffer.from([b])));
  });

  it('the listing form: sizes, and flag-only updates are not mistaken for listed messages', () => {
    const { responses } = frame([
      Buffer.from('* 1 FETCH (UID 3 FLAGS (\\Seen) INTERNALDATE "01-Jan-2026 10:00:00 +0000" RFC822.SIZE 1234)\r\n* 2 FETCH (FLAGS (\\Deleted) UID 4)\r\nM1 OK done\r\n'),
    ]);
    const listed = responses.map((r) => parseFetch(r, 'size')).filter((m) => m !== undefined);
    expect(listed).toEqual([{ uid: 3, flags: ['\\Seen'], internalDate: new Date('2026-01-01T10:00:00Z'), size: 1234 }]);
    // Nor is a listing answer a body.
    expect(responses.map((r) => parseFetch(r, 'body')).filter((m) => m !== undefined)).toEqual([]);
  });

  it('reads a tagged NO with its response code, and BYE as a connection failure', () => {
    const no = frame([Buffer.from('* 3 EXISTS\r\nM1 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n')]).responses.at(-1)!;
    expect(readTagged('M1', no)).toEqual({ status: 'NO', code: 'OVERQUOTA', text: 'Quota exceeded (mailbox for user is full)' });
    const ok = frame([Buffer.from('M1 OK [APPENDUID 1700000000 4:6] Append completed.\r\n')]).responses[0]!;
    expect(readTagged('M1', ok)).toEqual({ status: 'OK', code: 'APPENDUID 1700000000 4:6', text: 'Append completed.' });
    const bye = frame([Buffer.from('* BYE Server shutting down.\r\n')]).responses[0]!;
    expect(readTagged('M1', bye)).toBeInstanceOf(Error);
  });

  it('refuses an endless line instead of buffering it', () => {
    const f = new ResponseFramer(() => undefined);
    const junk = Buffer.alloc(1024 * 1024, 0x41);
    expect(() => {
      for (let i = 0; i < 6; i++) f.push(junk);
    }).toThrow(/over 4 MiB/);
  });

  it('parses RFC 3501 dates and rejects malformed ones', () => {
    expect(parseInternalDate('17-Jul-1996 02:44:25 -0700')?.toISOString()).toBe('1996-07-17T09:44:25.000Z');
    expect(parseInternalDate(' 1-Jan-2026 00:00:00 +0000')?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseInternalDate('1-Foo-2026 00:00:00 +0000')).toBeUndefined();
    expect(parseInternalDate('yesterday')).toBeUndefined();
  });

  it('reads what SELECT, SEARCH, STATUS and CAPABILITY answers carry', () => {
    const st: Partial<SelectedState> = {};
    for (const l of [
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1)',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label1 \\*)] Flags permitted.',
      '* OK [UIDVALIDITY 1700000001] UIDs valid',
      '* OK [UIDNEXT 42] Predicted next UID',
      '* OK [HIGHESTMODSEQ 9000000000] Highest',
    ])
      expect(applySelectData(l, st)).toBe(true);
    expect(applySelectData('* 3 RECENT', st)).toBe(false);
    expect(st.uidValidity).toBe(1700000001n);
    expect(st.uidNext).toBe(42);
    expect(st.highestModseq).toBe(9000000000n);
    expect(st.permanentFlags!.has('\\*')).toBe(true);
    expect(st.flags!.has('$Label1')).toBe(true);
    expect(parseSearch('* SEARCH 1 5 9')).toEqual([1, 5, 9]);
    expect(parseSearch('* SEARCH')).toEqual([]);
    expect(parseSearch('* 3 EXISTS')).toBeUndefined();
    const status = frame([Buffer.from('* STATUS "INBOX.&W6JiNg-" (UIDNEXT 17 MESSAGES 4)\r\nM1 OK done\r\n')]).responses[0]!;
    expect(parseStatus(status)).toEqual(new Map([['UIDNEXT', 17n], ['MESSAGES', 4n]]));
    const caps = parseCapabilityList('CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND APPENDLIMIT=1000 UIDPLUS');
    expect([...caps.keys()]).toEqual(['IMAP4rev1', 'LITERAL+', 'MULTIAPPEND', 'APPENDLIMIT', 'UIDPLUS']);
    expect(caps.get('APPENDLIMIT')).toBe(1000);
  });

  it('reads BODY[HEADER] answers, and literal8 (~{n}) bodies', () => {
    const head = Buffer.from('Message-ID: <h@x>\r\nSubject: hi\r\n\r\n');
    const body = Buffer.from('Subject: nul\r\n\r\na\0b\r\n');
    const { responses } = frame([
      Buffer.from(`* 1 FETCH (UID 3 RFC822.SIZE 99 BODY[HEADER] {${head.length}}\r\n`),
      head,
      Buffer.from(`)\r\n* 2 FETCH (UID 4 BINARY[] ~{${body.length}}\r\n`),
      body,
      Buffer.from(')\r\nM1 OK done\r\n'),
    ]);
    const h = responses.map((r) => parseFetch(r, 'header')).filter((m) => m !== undefined);
    expect(h.map((m) => [m!.uid, m!.size, m!.headers!.equals(head)])).toEqual([[3, 99, true]]);
    const b = responses.map((r) => parseFetch(r, 'body')).filter((m) => m !== undefined);
    expect(b.map((m) => [m!.uid, Buffer.concat(m!.source!).equals(body)])).toEqual([[4, true]]);
  });

  it('pairs APPENDUID sets with the batch only when they account for every message', () => {
    expect(appendResult({ status: 'OK', code: 'APPENDUID 123 45:47', text: '' }, 3)).toEqual({ uidValidity: 123n, uids: [45, 46, 47] });
    expect(appendResult({ status: 'OK', code: 'APPENDUID 123 45:47', text: '' }, 4)).toEqual({ uidValidity: 123n });
    expect(appendResult({ status: 'OK', text: 'done' }, 1)).toEqual({});
  });
});
