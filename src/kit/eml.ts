import { createHash } from 'node:crypto';

// A minimal RFC 5322 / MIME writer for the announcement e-mails: multipart/alternative with a
// UTF-8 text and HTML part (base64), RFC 2047 encoded-words for non-ASCII headers, CRLF lines.

export interface EmlInput {
  from: { name?: string; address: string };
  to?: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
  messageId: string;
  lang: string;
  /** Files attached after the text (a multipart/mixed message then wraps the alternative). */
  attachments?: EmlAttachment[];
}

export interface EmlAttachment {
  filename: string;
  /** e.g. "text/calendar; method=PUBLISH" or "text/html". */
  contentType: string;
  content: string | Buffer;
}

const CRLF = '\r\n';

/**
 * A header value: printable ASCII is folded at spaces (RFC 5322 2.2.3); anything else becomes
 * RFC 2047 B-encoded words, each within 75 characters, one per folded line.
 */
export function encodeWords(value: string, headerName = 'Subject'): string {
  if (/^[\x20-\x7e]*$/.test(value)) return foldAscii(value, headerName.length + 2);
  const words: string[] = [];
  let chunk = '';
  for (const ch of value) {
    // 39 bytes of UTF-8 give 52 base64 characters: "=?UTF-8?B?" + 52 + "?=" = 64, which
    // keeps even the first line ("Subject: " + word) under 78 characters.
    if (Buffer.byteLength(chunk + ch) > 39) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

function foldAscii(value: string, used: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of value.split(/(?= )/)) {
    if (line && used + line.length + word.length > 76) {
      lines.push(line);
      line = '';
      used = 0;
    }
    line += word;
  }
  lines.push(line);
  return lines.join(CRLF);
}

function base64Lines(s: string): string {
  const b = Buffer.from(s, 'utf8').toString('base64');
  return (b.match(/.{1,76}/g) ?? ['']).join(CRLF);
}

function rfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function mailbox(m: EmlInput['from']): string {
  if (!m.name) return `<${m.address}>`;
  const name = /^[A-Za-z0-9 !#$%&'*+\-/=?^_`{|}~.]*$/.test(m.name) ? `"${m.name}"` : encodeWords(m.name, 'From');
  const last = name.split(CRLF).at(-1)!;
  // Fold before the address when the display name already fills the line.
  return `${name}${'From: '.length + last.length + m.address.length + 3 > 78 ? CRLF : ''} <${m.address}>`;
}

/** RFC 2231 filename parameter for a non-ASCII name, plain quoted otherwise. */
function filenameParam(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)) return `filename="${name}"`;
  return `filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function buildEml(m: EmlInput): string {
  const boundary = `=_mailshift_${createHash('sha256').update(m.messageId).digest('hex').slice(0, 24)}`;
  const mixed = `=_mailshift_mixed_${createHash('sha256').update(m.messageId).digest('hex').slice(0, 20)}`;
  const attachments = m.attachments ?? [];
  const headers = [
    `From: ${mailbox(m.from)}`,
    `To: ${m.to ?? 'undisclosed-recipients:;'}`,
    `Subject: ${encodeWords(m.subject)}`,
    `Date: ${rfc5322Date(m.date)}`,
    `Message-ID: <${m.messageId}>`,
    `MIME-Version: 1.0`,
    `Content-Language: ${m.lang}`,
    // Outlook opens a file with this header as a draft, ready to send.
    `X-Unsent: 1`,
    attachments.length ? `Content-Type: multipart/mixed;${CRLF} boundary="${mixed}"` : `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=UTF-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(body)].join(CRLF);
  const alternative = [part('text/plain', m.text.replace(/\r?\n/g, CRLF)), part('text/html', m.html), `--${boundary}--`];
  if (!attachments.length) return [headers.join(CRLF), '', 'This is a multi-part message in MIME format.', ...alternative, ''].join(CRLF);
  const files = attachments.map((a) =>
    [
      `--${mixed}`,
      `Content-Type: ${a.contentType}${/charset=/i.test(a.contentType) || Buffer.isBuffer(a.content) ? '' : '; charset=UTF-8'}`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; ${filenameParam(a.filename)}`,
      '',
      (Buffer.isBuffer(a.content) ? a.content : Buffer.from(a.content, 'utf8')).toString('base64').match(/.{1,76}/g)!.join(CRLF),
    ].join(CRLF),
  );
  return [
    headers.join(CRLF),
    '',
    'This is a multi-part message in MIME format.',
    `--${mixed}`,
    `Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`,
    '',
    ...alternative,
    ...files,
    `--${mixed}--`,
    '',
  ].join(CRLF);
}
