import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { base64Lines, encodeWords, foldHeader, quotedPrintable, rfc5322Date } from '../../src/corpus/mime.js';
import { randomBytes } from '../../src/corpus/prng.js';

function decodeQp(s: string): Buffer {
  const noSoft = s.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < noSoft.length; i++) {
    if (noSoft[i] === '=') {
      out.push(parseInt(noSoft.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(noSoft.charCodeAt(i));
  }
  return Buffer.from(out);
}

describe('corpus MIME helpers', () => {
  it('quoted-printable round-trips UTF-8 and Big5 text, lines <= 76, trailing space encoded', () => {
    for (const text of ['Hello world  \r\nsecond = line\t\r\n', '觀塘倉庫已收到貨物，狀況良好。'.repeat(20) + '\r\n-- \r\n']) {
      for (const buf of [Buffer.from(text, 'utf8'), iconv.encode(text, 'big5')]) {
        const qp = quotedPrintable(buf).toString('latin1');
        expect(decodeQp(qp).equals(buf)).toBe(true);
        for (const line of qp.split('\r\n')) {
          expect(line.length).toBeLessThanOrEqual(76);
          expect(line).not.toMatch(/[ \t]$/);
          expect(line).toMatch(/^[\x21-\x7e \t]*$/);
        }
      }
    }
  });

  it('base64 lines are 76 characters with CRLF and decode to the input', () => {
    for (const n of [0, 1, 56, 57, 58, 57 * 1024, 57 * 1024 + 1, 300_001]) {
      const raw = randomBytes(n + 1, n);
      const enc = base64Lines(raw).toString('latin1');
      const lines = enc.split('\r\n');
      expect(lines.pop()).toBe('');
      for (const l of lines.slice(0, -1)) expect(l.length).toBe(76);
      expect(Buffer.from(lines.join(''), 'base64').equals(raw)).toBe(true);
    }
  });

  it('encoded-words are <= 75 characters, never split a character, and decode back', () => {
    const text = '第三季訂單報價：觀塘倉庫已收到貨物，狀況良好。請於星期五前寄回已簽署的合約。';
    for (const charset of ['utf-8', 'big5'] as const) {
      const words = encodeWords(text, charset);
      expect(words.length).toBeGreaterThan(1);
      let decoded = '';
      for (const w of words) {
        expect(w.length).toBeLessThanOrEqual(75);
        const m = w.match(/^=\?([^?]+)\?B\?([^?]*)\?=$/)!;
        decoded += iconv.decode(Buffer.from(m[2]!, 'base64'), m[1]!);
      }
      expect(decoded).toBe(text);
    }
    const gb = encodeWords('发货时间表更新', 'gb2312');
    expect(gb[0]).toMatch(/^=\?gb2312\?B\?/);
  });

  it('folds headers at token boundaries under 78 columns', () => {
    const tokens = Array.from({ length: 30 }, (_, i) => `person${i} <person${i}@example.test>,`);
    const folded = foldHeader('To', tokens);
    expect(folded.endsWith('\r\n')).toBe(true);
    const lines = folded.slice(0, -2).split('\r\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const [i, l] of lines.entries()) {
      expect(l.length).toBeLessThanOrEqual(76);
      if (i > 0) expect(l.startsWith(' ')).toBe(true);
    }
    expect(folded.replace(/\r\n /g, ' ')).toBe(`To: ${tokens.join(' ')}\r\n`);
  });

  it('formats RFC 5322 dates in the given zone', () => {
    const d = new Date(Date.UTC(2025, 5, 3, 6, 22, 10));
    expect(rfc5322Date(d, 480)).toBe('Tue, 03 Jun 2025 14:22:10 +0800');
    expect(rfc5322Date(d, -420)).toBe('Mon, 02 Jun 2025 23:22:10 -0700');
    expect(rfc5322Date(d, 0)).toBe('Tue, 03 Jun 2025 06:22:10 +0000');
  });
});
