import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_PRESETS,
  type CorpusMessage,
  type CorpusUser,
  EDGE_CASES,
  EMPTY_FOLDERS,
  type EdgeCaseId,
  generateCorpus,
} from '../../src/corpus/index.js';
import { ATTACHMENT_NAMES, PHRASES } from '../../src/corpus/phrases.js';

const KB = 1024;
const MB = 1024 * 1024;

function hashCorpus(users: CorpusUser[]): string {
  const h = createHash('sha256');
  for (const u of users) {
    h.update(`${u.user}\0${u.password}\0${JSON.stringify(u.folders)}\0`);
    for (const m of u.messages()) {
      h.update(`${m.folder}\0${m.flags.join(' ')}\0${m.internalDate.toISOString()}\0`);
      h.update(m.raw);
    }
  }
  return h.digest('hex');
}

function headerBlock(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  return raw.subarray(0, end < 0 ? raw.length : end + 2).toString('latin1');
}

/** Unfolded header values by lower-case name. */
function headers(raw: Buffer): Map<string, string[]> {
  const map = new Map<string, string[]>();
  const unfolded = headerBlock(raw).replace(/\r\n[ \t]/g, ' ');
  for (const line of unfolded.split('\r\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).toLowerCase();
    map.set(k, [...(map.get(k) ?? []), line.slice(i + 1).trim()]);
  }
  return map;
}

/** Bare LF, bare CR, NUL and over-long lines: what an IMAP server would reject or rewrite. */
function wireProblems(raw: Buffer): string[] {
  const problems: string[] = [];
  let lineStart = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0) problems.push(`NUL at ${i}`);
    else if (c === 10 && raw[i - 1] !== 13) problems.push(`bare LF at ${i}`);
    else if (c === 13 && raw[i + 1] !== 10) problems.push(`bare CR at ${i}`);
    if (c === 10) {
      if (i - 1 - lineStart > 998) problems.push(`line of ${i - 1 - lineStart} bytes at ${lineStart}`);
      lineStart = i + 1;
    }
    if (problems.length > 3) break;
  }
  if (raw.length - lineStart > 998) problems.push('last line over 998 bytes');
  return problems;
}

function byEdge(messages: CorpusMessage[]): Map<EdgeCaseId, CorpusMessage[]> {
  const map = new Map<EdgeCaseId, CorpusMessage[]>();
  for (const m of messages) if (m.edgeCase) map.set(m.edgeCase, [...(map.get(m.edgeCase) ?? []), m]);
  return map;
}

const hasCjk = (s: string): boolean => /[\u4e00-\u9fff]/.test(s);

describe('corpus generator', () => {
  it('is deterministic: the same seed gives the same bytes (tiny and small), another seed differs', () => {
    expect(hashCorpus(generateCorpus('tiny', 1))).toBe(hashCorpus(generateCorpus('tiny', 1)));
    expect(hashCorpus(generateCorpus('tiny', 2))).not.toBe(hashCorpus(generateCorpus('tiny', 1)));
    const t0 = performance.now();
    const a = hashCorpus(generateCorpus('small', 7));
    const seconds = (performance.now() - t0) / 1000;
    expect(hashCorpus(generateCorpus('small', 7))).toBe(a);
    console.log(`corpus: small generated and hashed in ${seconds.toFixed(2)} s`);
  });

  it('re-iterating a user yields the same messages, and messageCount matches', () => {
    const [u] = generateCorpus('tiny');
    const first = [...u!.messages()];
    const second = [...u!.messages()];
    expect(first.length).toBe(u!.messageCount);
    expect(second.map((m) => m.raw.toString('base64'))).toEqual(first.map((m) => m.raw.toString('base64')));
  });

  it('presets have the documented users and counts', () => {
    for (const name of ['tiny', 'small', 'medium'] as const) {
      const users = generateCorpus(name);
      const p = CORPUS_PRESETS[name];
      expect(users.length).toBe(p.users);
      expect(users.map((u) => u.messageCount)).toEqual(p.messagesPerUser);
      expect(new Set(users.map((u) => u.user)).size).toBe(users.length);
      for (const u of users) {
        expect(u.user).toMatch(/^[a-z]+\.[a-z]+@acme\.test$/);
        expect(u.password.length).toBeGreaterThanOrEqual(12);
      }
    }
    expect(generateCorpus('small').reduce((s, u) => s + u.messageCount, 0)).toBe(2000);
    expect(generateCorpus('medium').reduce((s, u) => s + u.messageCount, 0)).toBe(20000);
    expect(generateCorpus('tiny', 3)[0]!.password).not.toBe(generateCorpus('tiny', 4)[0]!.password);
  });

  it('every tiny message is valid MIME on the wire: CRLF only, lines <= 998 bytes, parses with decoded text', async () => {
    for (const u of generateCorpus('tiny')) {
      for (const m of u.messages()) {
        expect(wireProblems(m.raw), `${u.user} ${m.folder}`).toEqual([]);
        const h = headers(m.raw);
        for (const name of ['from', 'to', 'subject', 'date', 'mime-version', 'content-type']) expect(h.has(name), name).toBe(true);
        if (m.edgeCase !== 'no-message-id') expect(h.get('message-id')?.[0]).toMatch(/^<[^<>\s]+@[^<>\s]+>$/);
        const parsed = await simpleParser(m.raw);
        expect(parsed.subject, 'subject decodes').toBeTruthy();
        expect(parsed.subject).not.toMatch(/[?\ufffd]/);
        expect(parsed.date?.getTime()).toBeLessThanOrEqual(m.internalDate.getTime());
        if (m.edgeCase !== 'empty-body') {
          expect(parsed.text?.length ?? 0).toBeGreaterThan(50);
          expect(parsed.text).not.toContain('\ufffd');
        }
        for (const a of parsed.attachments) expect(a.size).toBeGreaterThan(1000);
      }
    }
  });

  it('every small message is CRLF-only with lines <= 998 bytes, and a sample parses as MIME', async () => {
    let i = 0;
    for (const u of generateCorpus('small')) {
      for (const m of u.messages()) {
        expect(wireProblems(m.raw), `${u.user} #${i}`).toEqual([]);
        if (i % 25 === 0 && m.raw.length < 3 * MB && m.edgeCase !== 'empty-body') {
          const parsed = await simpleParser(m.raw);
          expect(parsed.subject).not.toMatch(/\ufffd/);
          expect(parsed.text?.length ?? 0).toBeGreaterThan(50);
        }
        i++;
      }
    }
  });

  it('Message-IDs are unique except in the duplicate edge cases; replies point at earlier messages', () => {
    for (const u of generateCorpus('small')) {
      const seen = new Map<string, CorpusMessage[]>();
      let replies = 0;
      for (const m of u.messages()) {
        const h = headers(m.raw);
        const id = h.get('message-id')?.[0];
        if (id) seen.set(id, [...(seen.get(id) ?? []), m]);
        const parent = h.get('in-reply-to')?.[0];
        if (parent) {
          replies++;
          expect(seen.has(parent), `${u.user}: reply to an unknown ${parent}`).toBe(true);
        }
      }
      const dups = [...seen.values()].filter((l) => l.length > 1);
      expect(dups.map((l) => l.map((m) => m.edgeCase).sort())).toEqual(
        expect.arrayContaining([
          ['duplicate-message-id-same-folder', 'duplicate-message-id-same-folder'],
          ['duplicate-message-id-across-folders', 'duplicate-message-id-across-folders'],
          ['byte-identical-duplicate', 'byte-identical-duplicate'],
        ]),
      );
      expect(dups.length).toBe(3);
      expect(replies).toBeGreaterThan(u.messageCount * 0.15);
    }
  });

  it('has the size mix of real mail (small) and keeps tiny small', () => {
    const sizes: number[] = [];
    for (const u of generateCorpus('small')) for (const m of u.messages()) sizes.push(m.raw.length);
    sizes.sort((a, b) => a - b);
    const pct = (p: number): number => sizes[Math.floor(p * (sizes.length - 1))]!;
    const total = sizes.reduce((s, x) => s + x, 0);
    console.log(`corpus: small = ${sizes.length} messages, ${(total / MB).toFixed(1)} MB, p10 ${pct(0.1)} p50 ${pct(0.5)} p90 ${pct(0.9)} max ${pct(1)}`);
    expect(sizes.length).toBe(2000);
    expect(pct(0.1)).toBeGreaterThanOrEqual(2 * KB);
    expect(pct(0.5)).toBeGreaterThan(5 * KB);
    expect(pct(0.5)).toBeLessThan(15 * KB);
    expect(sizes.filter((s) => s >= 1.5 * KB && s <= 32 * KB).length / sizes.length).toBeGreaterThan(0.85);
    const withAttachment = sizes.filter((s) => s >= 90 * KB && s <= 2.2 * MB).length;
    const planned = CORPUS_PRESETS.small.attachmentMessagesPerUser.reduce((s, x) => s + x, 0);
    expect(withAttachment).toBeGreaterThanOrEqual(planned);
    expect(withAttachment).toBeLessThan(planned * 1.5);
    const huge = sizes.filter((s) => s >= 10 * MB);
    expect(huge.length).toBe(2);
    for (const s of huge) expect(s).toBeLessThanOrEqual(26 * MB);

    const tiny: number[] = [];
    for (const u of generateCorpus('tiny')) for (const m of u.messages()) tiny.push(m.raw.length);
    expect(Math.max(...tiny)).toBeLessThanOrEqual(250 * KB);
    expect(tiny.filter((s) => s >= 150 * KB).length).toBeGreaterThanOrEqual(1);
  });

  it('has the folder layout: special-use, nested non-ASCII, a name with a space, empty parents', () => {
    const users = generateCorpus('small');
    for (const u of users) {
      const paths = u.folders.map((f) => f.path);
      for (const p of ['INBOX', 'Drafts', 'Trash', 'Junk', 'Archive', '客戶/2024', '客戶/2025', '项目/深圳', 'Projects/Q3 Reports']) expect(paths).toContain(p);
      expect(u.folders.filter((f) => f.specialUse).map((f) => f.specialUse).sort()).toEqual(['\\Archive', '\\Drafts', '\\Junk', '\\Sent', '\\Trash']);
      for (const p of paths.filter((x) => x.includes('/'))) expect(paths.indexOf(p.split('/')[0]!)).toBeLessThan(paths.indexOf(p));
      const counts = new Map<string, number>();
      for (const m of u.messages()) counts.set(m.folder, (counts.get(m.folder) ?? 0) + 1);
      for (const folder of counts.keys()) expect(paths).toContain(folder);
      for (const p of EMPTY_FOLDERS) expect(counts.get(p) ?? 0, p).toBe(0);
      for (const p of paths.filter((x) => !(EMPTY_FOLDERS as readonly string[]).includes(x))) expect(counts.get(p) ?? 0, p).toBeGreaterThan(0);
    }
    expect(users.map((u) => u.folders.find((f) => f.specialUse === '\\Sent')!.path)).toContain('已傳送');
  });

  it('has flags, keywords and five years of whole-second internal dates', () => {
    const flags = new Map<string, number>();
    let total = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const u of generateCorpus('small')) {
      for (const m of u.messages()) {
        total++;
        for (const f of m.flags) flags.set(f, (flags.get(f) ?? 0) + 1);
        expect([...m.flags].sort()).toEqual(m.flags);
        if (m.folder === 'Drafts') expect(m.flags).toContain('\\Draft');
        else expect(m.flags).not.toContain('\\Draft');
        const t = m.internalDate.getTime();
        expect(t % 1000).toBe(0);
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    }
    expect(flags.get('\\Seen')! / total).toBeGreaterThan(0.7);
    for (const f of ['\\Answered', '\\Flagged', '\\Draft', '$Forwarded', '$Label1', 'Important', 'NonJunk']) expect(flags.get(f) ?? 0, f).toBeGreaterThan(0);
    const years = (max - min) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(4.9);
    expect(years).toBeLessThanOrEqual(5);
    expect(max).toBeLessThan(Date.UTC(2026, 0, 1));
  });

  it('contains Traditional and Simplified Chinese in UTF-8, Big5 and GB2312', async () => {
    const seen = { utf8: 0, big5: 0, gb2312: 0 };
    for (const u of generateCorpus('small')) {
      for (const m of u.messages()) {
        const h = headerBlock(m.raw);
        if (/=\?utf-8\?B\?/i.test(h)) seen.utf8++;
        if (/=\?big5\?B\?/i.test(h)) seen.big5++;
        if (/=\?gb2312\?B\?/i.test(h)) seen.gb2312++;
      }
    }
    expect(seen.utf8).toBeGreaterThan(500);
    expect(seen.big5).toBeGreaterThan(50);
    expect(seen.gb2312).toBeGreaterThan(50);
  });

  it('phrase tables round-trip through Big5 (Traditional) and strict GB2312 (Simplified)', () => {
    for (const [lang, charset] of [['hant', 'big5'], ['hans', 'gb2312']] as const) {
      const p = PHRASES[lang];
      const all = [...p.subjects, ...p.spamSubjects, ...p.greetings, ...p.sentences, ...p.closings, p.replyPrefix, p.forwardPrefix, p.quoteIntro, ...ATTACHMENT_NAMES[lang]];
      for (const s of all) {
        const bytes = iconv.encode(s, charset);
        expect(iconv.decode(bytes, charset), s).toBe(s);
        if (charset === 'gb2312') {
          // GBK extensions (lead 0x81–0xA0 or trail < 0xA1) are not GB2312.
          for (let i = 0; i < bytes.length; i++) {
            if (bytes[i]! < 0x80) continue;
            expect(bytes[i]! >= 0xa1 && bytes[i + 1]! >= 0xa1, s).toBe(true);
            i++;
          }
        }
      }
    }
  });

  for (const preset of ['tiny', 'small'] as const) {
    it(`every user of ${preset} has every edge case, each with its defining property`, async () => {
      for (const u of generateCorpus(preset)) {
        const messages = [...u.messages()];
        const edges = byEdge(messages);
        for (const e of EDGE_CASES) expect(edges.get(e.id)?.length ?? 0, `${u.user} ${e.id}`).toBe(e.messagesPerUser);
        const get = (id: EdgeCaseId): CorpusMessage[] => edges.get(id)!;

        const noId = get('no-message-id');
        for (const m of noId) expect(headers(m.raw).has('message-id')).toBe(false);
        expect(noId[0]!.raw.equals(noId[1]!.raw)).toBe(false);
        expect(messages.filter((m) => !headers(m.raw).has('message-id')).length).toBe(2);

        const [d1, d2] = get('duplicate-message-id-same-folder') as [CorpusMessage, CorpusMessage];
        expect(d1.folder).toBe(d2.folder);
        expect(headers(d1.raw).get('message-id')).toEqual(headers(d2.raw).get('message-id'));
        expect(d1.raw.equals(d2.raw)).toBe(false);

        const [c1, c2] = get('duplicate-message-id-across-folders') as [CorpusMessage, CorpusMessage];
        expect(c1.folder).not.toBe(c2.folder);
        expect(c1.raw.equals(c2.raw)).toBe(true);
        expect(c1.internalDate.getTime()).toBe(c2.internalDate.getTime());
        expect(c1.flags).not.toEqual(c2.flags);
        expect(headers(c1.raw).get('message-id')?.[0]).toMatch(/^<.+>$/);

        const [b1, b2] = get('byte-identical-duplicate') as [CorpusMessage, CorpusMessage];
        expect(b1.folder).toBe(b2.folder);
        expect(b1.raw.equals(b2.raw)).toBe(true);
        expect(b1.flags).toEqual(b2.flags);
        expect(b1.internalDate.getTime()).toBe(b2.internalDate.getTime());

        const raw8 = get('raw-8bit-headers')[0]!;
        const rawHeader = raw8.raw.subarray(0, raw8.raw.indexOf('\r\n\r\n'));
        expect(rawHeader.some((b) => b >= 0x80)).toBe(true);
        const subject = rawHeader.toString('utf8').match(/^Subject: (.*)$/m)![1]!;
        expect(subject).not.toContain('=?');
        expect(hasCjk(subject)).toBe(true);
        expect((await simpleParser(raw8.raw)).subject).toBe(subject.trim());

        const empty = get('empty-body')[0]!;
        expect(empty.raw.indexOf('\r\n\r\n')).toBe(empty.raw.length - 4);

        const long = get('long-folded-header')[0]!;
        expect(wireProblems(long.raw)).toEqual([]);
        expect(Math.max(...[...headers(long.raw).values()].flat().map((v) => v.length))).toBeGreaterThan(998);

        for (const [id, charset] of [['big5-charset', 'big5'], ['gb2312-charset', 'gb2312']] as const) {
          const m = get(id)[0]!;
          const h = headerBlock(m.raw);
          expect(h).toMatch(new RegExp(`Subject: =\\?${charset}\\?B\\?`, 'i'));
          expect(m.raw.toString('latin1')).toMatch(new RegExp(`charset="${charset}"`, 'i'));
          const parsed = await simpleParser(m.raw);
          expect(hasCjk(parsed.subject ?? '')).toBe(true);
          expect(parsed.subject).not.toMatch(/[?\ufffd]/);
          expect(hasCjk(parsed.text ?? '')).toBe(true);
          expect(parsed.text).not.toMatch(/[?\ufffd]/);
        }

        const att = get('non-ascii-attachment-name')[0]!;
        const parsedAtt = await simpleParser(att.raw);
        expect(parsedAtt.attachments.length).toBe(1);
        expect(hasCjk(parsedAtt.attachments[0]!.filename ?? '')).toBe(true);
        expect(att.raw.toString('latin1')).toContain("filename*=UTF-8''%");

        for (const f of EMPTY_FOLDERS) {
          expect(u.folders.map((x) => x.path)).toContain(f);
          expect(messages.some((m) => m.folder === f)).toBe(false);
        }
      }
    });
  }
});
