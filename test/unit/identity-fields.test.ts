import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { headerBlock, identityOf, normalizeMessageId, parseHeaders } from '../../src/copier/identity.js';

// identityOf reads only the hashed fields, without parseHeaders' regex pass over the block. Its
// hash must stay exactly what parseHeaders gives (8-bit header bytes read as 'x'): stores written
// by earlier versions hold it, and reconciliation after a crash compares against them.
const HASHED = ['message-id', 'date', 'from', 'to', 'cc', 'subject', 'in-reply-to'];
function reference(raw: Buffer): { messageId?: string; headerHash: string } {
  const h = parseHeaders(Buffer.from(headerBlock(raw).toString('latin1').replace(/[\x80-\xff]/g, 'x'), 'latin1'));
  const hash = createHash('sha256');
  for (const name of HASHED) for (const v of h.get(name) ?? []) hash.update(`${name}:${v.replace(/\s+/g, ' ').trim().toLowerCase()}\n`);
  const messageId = normalizeMessageId(h.get('message-id')?.[0]);
  return { ...(messageId ? { messageId } : {}), headerHash: hash.digest('hex').slice(0, 32) };
}

// headerBlock as it was before it stopped searching past the first CRLF CRLF.
function referenceBlock(raw: Buffer, limit = 16 * 1024): Buffer {
  const head = raw.subarray(0, limit + 4);
  let end = head.indexOf('\r\n\r\n');
  let sep = 4;
  const lf = head.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    sep = 2;
  }
  return raw.subarray(0, Math.min(end < 0 ? raw.length : end + sep, limit));
}

describe('identityOf', () => {
  it('hashes every message of the tiny corpus as parseHeaders does', () => {
    let n = 0;
    for (const u of generateCorpus('tiny')) {
      for (const m of u.messages()) {
        expect(identityOf(m.raw)).toEqual(reference(m.raw));
        expect(headerBlock(m.raw).equals(referenceBlock(m.raw))).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThan(50);
  });

  it('agrees on folding, bare LF, stray CR, odd spacing and fields without a blank line', () => {
    const cases = [
      'Subject: a\r\n b\r\n\tc\r\nFrom: x\r\n\r\nbody',
      'subject: one\nSUBJECT: two\n\nbody\n',
      ' From: leading space\r\nTo:  y \r\n\r\n',
      'Message-ID: <A@B>\r\nX-Other: 1\r\n  folded other\r\nCc: c\r\r\n\r\n',
      'Subject\r\n : colon on the fold\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000',
      'To: a\r\n\r\n  b\r\nFrom: after blank\r\n',
      'In-Reply-To: <x@y>\r\n \r\n \tmore\r\nSubject: \xa0nbsp\xa0\r\n\r\n',
      '',
      '\r\n',
      'no colon at all',
      ':empty name\r\nFrom: f\r\n',
      'From: a\rb\r\nTo: t\n\r\n',
    ];
    for (const c of cases) {
      const raw = Buffer.from(c, 'latin1');
      expect(identityOf(raw), JSON.stringify(c)).toEqual(reference(raw));
    }
  });

  it('agrees on random header blocks built from the awkward bytes', () => {
    const parts = ['From', 'to', 'Cc', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'X', ':', ' ', '\t', '\r', '\n', '\r\n', 'a', '<m@x>', '\xa0', '\xe9'];
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let j = rnd(40); j > 0; j--) s += parts[rnd(parts.length)];
      const raw = Buffer.from(s, 'latin1');
      expect(identityOf(raw), JSON.stringify(s)).toEqual(reference(raw));
      expect(headerBlock(raw).equals(referenceBlock(raw)), JSON.stringify(s)).toBe(true);
      expect(headerBlock(raw, 9).equals(referenceBlock(raw, 9)), JSON.stringify(s)).toBe(true);
    }
  });

  it('a message whose 8-bit header bytes Cyrus stored as X has the identity of the source message', () => {
    const head = 'Message-ID: <m1@acme.test>\r\nFrom: P\xe9ter <p@acme.test>\r\nSubject: Caf\xc3\xa9 r\xc3\xa9union \xe4\xbc\x9a\r\nX-Note: \xe9t\xe9\r\n\r\n';
    const source = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from('caf\xc3\xa9 body\r\n', 'latin1')]);
    const munged = Buffer.from(source);
    for (let i = 0; i < head.length; i++) if (munged[i]! >= 0x80) munged[i] = 0x58;
    expect(identityOf(munged)).toEqual(identityOf(source));
    // ... and it is still a different identity from a message with another subject.
    const other = Buffer.from(head.replace('Caf', 'Tea'), 'latin1');
    expect(identityOf(other).headerHash).not.toBe(identityOf(source).headerHash);
  });
});
