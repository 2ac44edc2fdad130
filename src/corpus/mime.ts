// Low-level MIME encoding for the corpus: RFC 2047 encoded-words, header folding,
// quoted-printable and base64 bodies. Everything emits CRLF and keeps lines well under 998 bytes.
import iconv from 'iconv-lite';

export type Charset = 'utf-8' | 'big5' | 'gb2312' | 'us-ascii';

export const CRLF = '\r\n';

export function encodeCharset(text: string, charset: Charset): Buffer {
  if (charset === 'big5' || charset === 'gb2312') return iconv.encode(text, charset);
  return Buffer.from(text, 'utf8');
}

export function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

/**
 * RFC 2047 B-encoding split into encoded-words of at most 75 characters, never splitting a
 * character (multi-byte sequences in UTF-8, Big5 and GB2312 must stay inside one word).
 */
export function encodeWords(text: string, charset: Charset): string[] {
  const label = charset === 'utf-8' ? 'UTF-8' : charset;
  const overhead = `=?${label}?B??=`.length;
  const maxBytes = Math.floor((75 - overhead) / 4) * 3;
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  for (const ch of text) {
    const n = encodeCharset(ch, charset).length;
    if (chunkBytes + n > maxBytes && chunk) {
      words.push(`=?${label}?B?${encodeCharset(chunk, charset).toString('base64')}?=`);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += ch;
    chunkBytes += n;
  }
  if (chunk) words.push(`=?${label}?B?${encodeCharset(chunk, charset).toString('base64')}?=`);
  return words;
}

/** A header value as it goes on the wire: ASCII as is, anything else as encoded-words. */
export function headerText(text: string, charset: Charset): string[] {
  if (isAscii(text)) return text.split(' ').filter((t) => t.length > 0);
  return encodeWords(text, charset === 'us-ascii' ? 'utf-8' : charset);
}

/** `"Display Name" <addr>` with the name encoded when needed. */
export function address(name: string | undefined, addr: string, charset: Charset): string {
  if (!name) return `<${addr}>`;
  if (isAscii(name)) return /[,.;:"]/.test(name) ? `"${name}" <${addr}>` : `${name} <${addr}>`;
  return `${encodeWords(name, charset === 'us-ascii' ? 'utf-8' : charset).join(' ')} <${addr}>`;
}

/**
 * Folds `Name: tok tok tok` at the whitespace between tokens so no physical line exceeds `width`
 * (unless a single token is longer; encoded-words never are). Separators such as ',' belong to
 * the tokens themselves.
 */
export function foldHeader(name: string, tokens: readonly string[], width = 76): string {
  let out = `${name}:`;
  let lineLen = out.length;
  for (const tok of tokens) {
    if (lineLen + 1 + tok.length > width && lineLen > name.length + 1) {
      out += `${CRLF} ${tok}`;
      lineLen = 1 + tok.length;
    } else {
      out += ` ${tok}`;
      lineLen += 1 + tok.length;
    }
  }
  return out + CRLF;
}

/** One header line, folded at spaces in the value when it is long. */
export function header(name: string, value: string): string {
  if (name.length + 2 + value.length <= 76) return `${name}: ${value}${CRLF}`;
  return foldHeader(name, value.split(' ').filter((t) => t.length > 0));
}

const B64_LINE = 76;

/** Raw bytes per encoded chunk: a multiple of 57 (one 76-character line) so lines never straddle chunks. */
const B64_CHUNK = 57 * 1024;

/**
 * Base64 with 76-character CRLF lines, encoded chunk by chunk with buffer copies: fast for
 * 25 MB payloads and without a second full-size copy of the encoded text.
 */
export function base64Lines(raw: Buffer): Buffer {
  const encodedLen = Math.ceil(raw.length / 3) * 4;
  const lines = Math.ceil(encodedLen / B64_LINE);
  const out = Buffer.allocUnsafe(encodedLen + lines * 2);
  let o = 0;
  for (let c = 0; c < raw.length; c += B64_CHUNK) {
    const b64 = Buffer.from(raw.toString('base64', c, Math.min(c + B64_CHUNK, raw.length)), 'latin1');
    for (let i = 0; i < b64.length; i += B64_LINE) {
      o += b64.copy(out, o, i, Math.min(i + B64_LINE, b64.length));
      out[o++] = 13;
      out[o++] = 10;
    }
  }
  return out.subarray(0, o);
}

const HEX = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * Quoted-printable (RFC 2045) of text whose lines are separated by CRLF: hard line breaks stay
 * CRLF, lines get soft breaks ('=' CRLF) before 76 characters, trailing whitespace is encoded.
 */
export function quotedPrintable(text: Buffer): Buffer {
  const out = Buffer.allocUnsafe(text.length * 3 + Math.ceil((text.length * 3) / 73) * 3 + 16);
  let o = 0;
  let col = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text[i] as number;
    if (c === 13 && text[i + 1] === 10) {
      out[o++] = 13;
      out[o++] = 10;
      i++;
      col = 0;
      continue;
    }
    const atLineEnd = i + 1 === n || (text[i + 1] === 13 && text[i + 2] === 10);
    const literal = (c >= 33 && c <= 126 && c !== 61) || ((c === 32 || c === 9) && !atLineEnd);
    const need = literal ? 1 : 3;
    if (col + need > 75) {
      out[o++] = 61;
      out[o++] = 13;
      out[o++] = 10;
      col = 0;
    }
    if (literal) {
      out[o++] = c;
    } else {
      out[o++] = 61;
      out[o++] = HEX[c >> 4] as number;
      out[o++] = HEX[c & 15] as number;
    }
    col += need;
  }
  return out.subarray(0, o);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in a given zone offset (minutes east of UTC), e.g. `Tue, 03 Jun 2025 14:22:10 +0800`. */
export function rfc5322Date(d: Date, offsetMinutes: number): string {
  const local = new Date(d.getTime() + offsetMinutes * 60_000);
  const p2 = (x: number): string => String(x).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${DAYS[local.getUTCDay()]}, ${p2(local.getUTCDate())} ${MONS[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())} ${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`
  );
}

/** RFC 2231 extended parameter value: `UTF-8''%E5%A0%B1...` */
export function rfc2231(value: string): string {
  return `UTF-8''${encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
