// Builds the raw bytes of one planned message. A pure function of the plan: the same spec
// always gives the same bytes, so copies and duplicates are simply built twice.
import { mix, randomBytes, Rng } from './prng.js';
import {
  ATTACHMENT_KINDS,
  ATTACHMENT_NAMES,
  MONTHS_EN,
  PHRASES,
  type Lang,
} from './phrases.js';
import {
  address,
  base64Lines,
  type Charset,
  CRLF,
  encodeCharset,
  encodeWords,
  foldHeader,
  header,
  headerText,
  isAscii,
  quotedPrintable,
  rfc2231,
  rfc5322Date,
} from './mime.js';
import type { MessageSpec } from './plan.js';
import { DOMAIN, type TextVariant, type UserProfile, variantLang } from './presets.js';

export interface Person {
  name: string;
  /** Chinese name in Traditional and Simplified script (Big5 has only the first, GB2312 the second). */
  zh?: readonly [string, string];
  addr: string;
  company: string;
}

const CONTACTS: readonly Person[] = [
  { name: 'Peter Ho', zh: ['何志偉', '何志伟'], addr: 'peter.ho@harbour-trading.test', company: 'Harbour Trading Co.' },
  { name: 'Wang Fang', zh: ['王芳', '王芳'], addr: 'wang.fang@szfactory.test', company: 'Shenzhen Precision Factory' },
  { name: 'Wong Chi Keung', zh: ['黃志強', '黄志强'], addr: 'ck.wong@kowloon-logistics.test', company: 'Kowloon Logistics Ltd.' },
  { name: 'Sarah Tan', addr: 'sarah.tan@lionpack.test', company: 'Lion Packaging Pte Ltd' },
  { name: 'Liu Yang', zh: ['劉洋', '刘洋'], addr: 'liu.yang@dg-plastics.test', company: 'Dongguan Plastics' },
  { name: 'Accounts Payable', addr: 'ap@northwind.test', company: 'Northwind Retail' },
  { name: 'Kenji Sato', addr: 'k.sato@osaka-parts.test', company: 'Osaka Parts K.K.' },
  { name: 'Chen Jing', zh: ['陳靜', '陈静'], addr: 'chenjing@hz-textile.test', company: 'Hangzhou Textile Group' },
];

const COLLEAGUES: readonly Person[] = [
  { name: 'Chan Tai Man', zh: ['陳大文', '陈大文'], addr: `chan.taiman@${DOMAIN}`, company: 'Acme Trading' },
  { name: 'Li Wei', zh: ['李偉', '李伟'], addr: `li.wei@${DOMAIN}`, company: 'Acme Trading' },
  { name: 'Mary Wong', zh: ['黃美玲', '黄美玲'], addr: `mary.wong@${DOMAIN}`, company: 'Acme Trading' },
  { name: 'Zhang Min', zh: ['張敏', '张敏'], addr: `zhang.min@${DOMAIN}`, company: 'Acme Trading' },
  { name: 'David Lau', zh: ['劉志明', '刘志明'], addr: `david.lau@${DOMAIN}`, company: 'Acme Trading' },
  { name: 'IT Helpdesk', addr: `helpdesk@${DOMAIN}`, company: 'Acme Trading' },
];

const SPAMMERS: readonly Person[] = [
  { name: 'Best Deals', addr: 'promo@deals-4u.test', company: '' },
  { name: 'Security Team', addr: 'no-reply@secure-verify.test', company: '' },
  { name: 'Offer Centre', zh: ['優惠中心', '优惠中心'], addr: 'offer@cheap-offer.test', company: '' },
];

const MAILERS = ['Microsoft Outlook 16.0', 'Foxmail 7.2.25.228[cn]', 'Apple Mail (2.3774.600.62)', undefined, undefined];
const ZONES = [480, 480, 480, 480, 480, 480, 0, -420, 540, 60];

export interface UserContext {
  profile: UserProfile;
  addr: string;
  plan: readonly MessageSpec[];
}

interface Identity {
  variant: TextVariant;
  baseSubject: string;
  messageId: string;
}

function fillSubject(s: string, rng: Rng): string {
  return s
    .replace('{n}', String(rng.int(10000, 99999)))
    .replace('{m}', MONTHS_EN[rng.int(0, 11)] as string)
    .replace('{v}', String(rng.int(1, 9)));
}

/** What other messages need to know about a message: its language, subject and Message-ID. */
function identity(ctx: UserContext, spec: MessageSpec): Identity {
  const rng = new Rng(mix(spec.seed, 1));
  const variant = spec.variant ?? rng.weighted(ctx.profile.mix);
  const phrases = PHRASES[variantLang(variant)];
  const list = spec.folder === 'Junk' ? phrases.spamSubjects : phrases.subjects;
  const baseSubject = fillSubject(rng.pick(list), rng);
  const t = spec.internalDate;
  const stamp = t.toISOString().replace(/\D/g, '').slice(0, 14);
  const style = rng.int(0, 2);
  const host = rng.pick(['mail', 'smtp', 'mx01', 'outlook']);
  const messageId =
    style === 0 ? `<${stamp}${rng.int(100000, 999999)}@${host}.${DOMAIN}>`
    : style === 1 ? `<${rng.hex(8).toUpperCase()}.${rng.hex(6).toUpperCase()}@${DOMAIN}>`
    : `<${rng.hex(12)}-${rng.hex(4)}-${rng.hex(4)}@${host}.example-mail.test>`;
  return { variant, baseSubject, messageId };
}

function charsetOf(variant: TextVariant): Charset {
  return variant === 'big5' ? 'big5' : variant === 'gb2312' ? 'gb2312' : 'utf-8';
}

// ---------- text ----------

interface Sentence {
  text: string;
  width: number;
  bytes: number;
}
const sentenceCache = new Map<Lang, Sentence[]>();
function sentences(lang: Lang): Sentence[] {
  let s = sentenceCache.get(lang);
  if (!s) {
    s = PHRASES[lang].sentences.map((text) => ({ text, width: displayWidth(text), bytes: Buffer.byteLength(text) }));
    sentenceCache.set(lang, s);
  }
  return s;
}

function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += (ch.codePointAt(0) as number) >= 0x2e80 ? 2 : 1;
  return w;
}

interface Text {
  paragraphs: string[][]; // lines per paragraph
  quoted: string[]; // quoted lines, without '> '
  quoteIntro?: string;
  greeting: string;
  closing: string;
  signature: string[];
}

/** Packs whole sentences into lines of at most 76 columns (how a mail client wraps plain text). */
function paragraph(rng: Rng, lang: Lang, count: number): { lines: string[]; bytes: number } {
  const pool = sentences(lang);
  const joiner = lang === 'en' ? ' ' : '';
  const lines: string[] = [];
  let line = '';
  let width = 0;
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    const s = rng.pick(pool);
    const extra = line ? joiner.length : 0;
    if (line && width + extra + s.width > 76) {
      lines.push(line);
      line = '';
      width = 0;
    }
    line += (line ? joiner : '') + s.text;
    width += (width ? extra : 0) + s.width;
    bytes += s.bytes + 2;
  }
  if (line) lines.push(line);
  return { lines, bytes };
}

function composeText(rng: Rng, lang: Lang, budget: number, sender: Person, quoteFrom: Person | undefined, quoteDate: string): Text {
  const ph = PHRASES[lang];
  const paragraphs: string[][] = [];
  const quoted: string[] = [];
  const mainBudget = quoteFrom ? budget * 0.6 : budget;
  let used = 0;
  do {
    const p = paragraph(rng, lang, rng.int(2, 5));
    paragraphs.push(p.lines);
    used += p.bytes;
  } while (used < mainBudget);
  let quoteIntro: string | undefined;
  if (quoteFrom) {
    const who = personName(quoteFrom, lang);
    quoteIntro = ph.quoteIntro.replace('{d}', quoteDate).replace('{n}', who);
    while (used < budget) {
      const p = paragraph(rng, lang, rng.int(2, 4));
      quoted.push(...p.lines, '');
      used += p.bytes;
    }
  }
  const display = lang !== 'en' && sender.zh ? `${personName(sender, lang)} ${sender.name}` : sender.name;
  return {
    paragraphs,
    quoted,
    ...(quoteIntro ? { quoteIntro } : {}),
    greeting: rng.pick(ph.greetings),
    closing: rng.pick(ph.closings),
    signature: ['-- ', display, sender.company, `Tel: +852 ${rng.int(2000, 3999)} ${rng.int(1000, 9999)}`],
  };
}

function plainLines(t: Text): string[] {
  const out = [t.greeting, ''];
  for (const p of t.paragraphs) out.push(...p, '');
  out.push(t.closing, '');
  out.push(...t.signature);
  if (t.quoteIntro) {
    out.push('', t.quoteIntro);
    for (const q of t.quoted) out.push(q ? `> ${q}` : '>');
  }
  return out;
}

function htmlLines(t: Text, charsetLabel: string, font: string): string[] {
  const out = [
    '<html>',
    '<head>',
    `<meta http-equiv="Content-Type" content="text/html; charset=${charsetLabel}">`,
    '</head>',
    `<body><div style="font-family: ${font}; font-size: 14px;">`,
    `<p>${t.greeting}</p>`,
  ];
  for (const p of t.paragraphs) out.push('<p>', ...p.map((l) => `${l}<br>`), '</p>');
  out.push(`<p>${t.closing}</p>`, '<p style="color:#666">', ...t.signature.slice(1).map((l) => `${l}<br>`), '</p>');
  if (t.quoteIntro) {
    out.push('<div>', `${t.quoteIntro}<br>`, '<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">');
    out.push(...t.quoted.map((l) => (l ? `${l}<br>` : '<br>')));
    out.push('</blockquote>', '</div>');
  }
  out.push('</div></body>', '</html>');
  return out;
}

// ---------- parts ----------

type Cte = '7bit' | '8bit' | 'quoted-printable' | 'base64';

function encodeBody(text: Buffer, cte: Cte): Buffer {
  if (cte === 'base64') return base64Lines(text);
  if (cte === 'quoted-printable') return quotedPrintable(text);
  return text;
}

function textPart(lines: string[], subtype: 'plain' | 'html', charset: Charset, label: string, cte: Cte): { headers: string; body: Buffer } {
  const text = encodeCharset(lines.join(CRLF) + CRLF, charset);
  const flowed = subtype === 'plain' && cte !== 'base64' && charset === 'utf-8' ? '; format=flowed' : '';
  return {
    headers: `Content-Type: text/${subtype}; charset="${label}"${flowed}${CRLF}Content-Transfer-Encoding: ${cte}${CRLF}`,
    body: encodeBody(text, cte),
  };
}

function multipart(subtype: 'mixed' | 'alternative', boundary: string, parts: { headers: string; body: Buffer }[], preamble: boolean): { headers: string; body: Buffer } {
  const chunks: Buffer[] = [];
  if (preamble) chunks.push(Buffer.from(`This is a multi-part message in MIME format.${CRLF}${CRLF}`));
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}${CRLF}${p.headers}${CRLF}`, 'utf8'), p.body);
    if (p.body.length > 0 && p.body[p.body.length - 1] !== 10) chunks.push(Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return {
    headers: `Content-Type: multipart/${subtype};${CRLF}\tboundary="${boundary}"${CRLF}`,
    body: Buffer.concat(chunks),
  };
}

const B64_RATIO = (4 / 3) * (78 / 76);

function attachmentPart(rng: Rng, seed: number, encodedBytes: number, lang: Lang, forceNonAscii: boolean): { headers: string; body: Buffer } {
  const kind = rng.pick(ATTACHMENT_KINDS);
  const nameLang: Lang = forceNonAscii ? (lang === 'en' ? 'hant' : lang) : lang;
  const base = rng.pick(ATTACHMENT_NAMES[nameLang]);
  const filename = `${base}${rng.chance(0.5) ? `_${rng.int(2020, 2025)}${String(rng.int(1, 12)).padStart(2, '0')}` : ''}.${kind.ext}`;
  const raw = randomBytes(seed, Math.max(16, Math.floor(encodedBytes / B64_RATIO)));
  Buffer.from(kind.magic, 'latin1').copy(raw, 0);
  let params: string;
  if (isAscii(filename)) {
    params = `Content-Type: ${kind.type};${CRLF}\tname="${filename}"${CRLF}Content-Disposition: attachment;${CRLF}\tfilename="${filename}"${CRLF}`;
  } else {
    const words = encodeWords(filename, 'utf-8').join(' ');
    // Outlook/Foxmail put encoded-words in both; Thunderbird uses RFC 2231 for filename.
    const disp = forceNonAscii || rng.chance(0.5) ? `filename*=${rfc2231(filename)}` : `filename="${words}"`;
    params = `Content-Type: ${kind.type};${CRLF}\tname="${words}"${CRLF}Content-Disposition: attachment;${CRLF}\t${disp}${CRLF}`;
  }
  return { headers: `${params}Content-Transfer-Encoding: base64${CRLF}`, body: base64Lines(raw) };
}

function pickCte(rng: Rng, variant: TextVariant): Cte {
  switch (variant) {
    case 'en':
      return rng.chance(0.7) ? '7bit' : 'quoted-printable';
    case 'hant':
    case 'hans':
      return rng.weighted({ base64: 45, 'quoted-printable': 35, '8bit': 20 });
    case 'big5':
      return rng.chance(0.6) ? 'base64' : '8bit';
    case 'gb2312':
      return rng.chance(0.7) ? 'base64' : '8bit';
  }
}

function expansion(cte: Cte, variant: TextVariant): number {
  if (cte === 'base64') return B64_RATIO;
  if (cte === 'quoted-printable') return variant === 'en' ? 1.03 : 2.7;
  return 1;
}

// ---------- the message ----------

function personName(p: Person, lang: Lang): string {
  if (lang === 'en' || !p.zh) return p.name;
  return lang === 'hant' ? p.zh[0] : p.zh[1];
}

export function buildMessage(ctx: UserContext, spec: MessageSpec): Buffer {
  if (spec.copyOf !== undefined) return buildMessage(ctx, ctx.plan[spec.copyOf] as MessageSpec);

  const id = identity(ctx, spec);
  const rng = new Rng(mix(spec.seed, 2));
  const ref = spec.replyTo !== undefined ? (ctx.plan[spec.replyTo] as MessageSpec) : undefined;
  const refId = ref ? identity(ctx, ref) : undefined;
  const variant = refId && !spec.variant ? refId.variant : id.variant;
  const lang = variantLang(variant);
  const ph = PHRASES[lang];
  let charset = charsetOf(variant);
  const upper = rng.chance(0.4);
  const label = (charset === 'utf-8' ? (upper ? 'UTF-8' : 'utf-8') : upper ? charset.toUpperCase() : charset);

  const me: Person = { name: ctx.profile.name, zh: ctx.profile.zh, addr: ctx.addr, company: 'Acme Trading Ltd.' };
  const outgoing =
    spec.folder === ctx.profile.sentFolder || spec.folder === 'Drafts' || (!['INBOX', 'Junk', 'Trash'].includes(spec.folder) && rng.chance(0.3));
  const junk = spec.folder === 'Junk';
  const others = [...CONTACTS, ...COLLEAGUES.filter((c) => c.addr !== ctx.addr)];
  const counterpart = junk ? rng.pick(SPAMMERS) : rng.pick(others);
  const from = outgoing ? me : counterpart;
  const to: Person[] = outgoing ? [counterpart] : [me];
  if (!junk && rng.chance(0.2)) to.push(rng.pick(others));
  const cc: Person[] = !junk && rng.chance(0.25) ? [rng.pick(COLLEAGUES.filter((c) => c.addr !== ctx.addr))] : [];

  let subject = id.baseSubject;
  if (ref && refId) subject = (rng.chance(0.85) ? ph.replyPrefix : ph.forwardPrefix) + refId.baseSubject;
  const messageId = spec.messageIdOf !== undefined ? identity(ctx, ctx.plan[spec.messageIdOf] as MessageSpec).messageId : id.messageId;

  const zone = rng.pick(ZONES);
  const sentAt = new Date(spec.internalDate.getTime() - (outgoing ? 0 : rng.int(2, 600) * 1000));
  const edge = spec.edge;
  const raw8 = edge === 'raw-8bit-headers';
  if (raw8) charset = 'utf-8';

  // ---- headers ----
  let h = '';
  if (!outgoing) {
    const ip = `198.51.100.${rng.int(2, 250)}`;
    const host = from.addr.split('@')[1] as string;
    h += `Return-Path: <${from.addr}>${CRLF}`;
    h += header('Received', `from mx.${DOMAIN} (mx.${DOMAIN} [192.0.2.25]) by imap.${DOMAIN} with LMTP id ${rng.hex(16)} for <${ctx.addr}>; ${rfc5322Date(spec.internalDate, 480)}`);
    h += header('Received', `from mail.${host} (mail.${host} [${ip}]) by mx.${DOMAIN} (Postfix) with ESMTPS id ${rng.hex(10).toUpperCase()} for <${ctx.addr}>; ${rfc5322Date(sentAt, 480)}`);
  }
  h += `Date: ${rfc5322Date(sentAt, zone)}${CRLF}`;
  const addrList = (people: Person[]): string[] =>
    people.map((p, i) => (raw8 ? `${personName(p, 'hant')} <${p.addr}>` : address(personName(p, lang), p.addr, charset)) + (i < people.length - 1 ? ',' : ''));
  if (raw8) {
    h += `From: ${personName(from, 'hant')} <${from.addr}>${CRLF}`;
    h += `To: ${addrList(to).join(' ')}${CRLF}`;
    h += `Subject: ${subject}${CRLF}`;
  } else if (edge === 'long-folded-header') {
    h += foldHeader('From', [address(personName(from, lang), from.addr, charset)]);
    const many: Person[] = [];
    for (let k = 0; k < 40; k++) {
      const c = (k % 3 === 0 ? CONTACTS : COLLEAGUES)[k % 6] as Person;
      many.push({ ...c, addr: c.addr.replace('@', `+list${k}@`) });
    }
    h += foldHeader('To', addrList([...to, ...many]));
    const longSubject = `${subject} ${ph.sentences.slice(0, 8).join(lang === 'en' ? ' ' : '')}`;
    h += foldHeader('Subject', headerText(longSubject, charset));
  } else {
    h += foldHeader('From', addrList([from]));
    h += foldHeader('To', addrList(to));
    if (cc.length) h += foldHeader('Cc', addrList(cc));
    h += foldHeader('Subject', headerText(subject, charset));
  }
  if (edge !== 'no-message-id') h += `Message-ID: ${messageId}${CRLF}`;
  if (ref && refId) {
    h += `In-Reply-To: ${refId.messageId}${CRLF}`;
    h += `References: ${refId.messageId}${CRLF}`;
  }
  if (edge === 'long-folded-header') {
    const ids: string[] = [];
    for (let k = 0; k < 30; k++) ids.push(`<${rng.hex(16)}.${k}@thread.${DOMAIN}>`);
    h += foldHeader('References', ids);
  }
  const mailer = rng.pick(MAILERS);
  if (mailer) h += `X-Mailer: ${mailer}${CRLF}`;
  if (spec.flags.includes('\\Flagged') && rng.chance(0.5)) h += `X-Priority: 1${CRLF}`;
  h += `MIME-Version: 1.0${CRLF}`;

  if (edge === 'empty-body') {
    h += `Content-Type: text/plain; charset="utf-8"${CRLF}Content-Transfer-Encoding: 7bit${CRLF}`;
    return Buffer.from(h + CRLF, 'utf8');
  }

  // ---- body ----
  const quoteFrom = ref ? (outgoing ? counterpart : me) : undefined;
  const quoteDate = ref ? rfc5322Date(ref.internalDate, 480) : '';
  const font = lang === 'en' ? 'Calibri, Arial, sans-serif' : lang === 'hant' ? '新細明體, PMingLiU' : '微软雅黑, Microsoft YaHei';
  let cte = raw8 ? '8bit' : pickCte(rng, variant);
  if (spec.kind !== 'normal') cte = variant === 'en' ? 'quoted-printable' : 'base64'; // keep big messages' text small and plain

  const structure: 'plain' | 'alternative' = raw8 || rng.chance(0.4) ? 'plain' : 'alternative';
  const attachments: { headers: string; body: Buffer }[] = [];
  const headerBytes = Buffer.byteLength(h) + 200;
  let attachmentBytes = 0;
  if (spec.kind === 'attachment' || spec.kind === 'huge') {
    const total = Math.max(0, spec.size - headerBytes - 6000);
    const count = spec.kind === 'huge' || rng.chance(0.8) ? 1 : 2;
    for (let k = 0; k < count; k++) {
      const share = count === 1 ? total : k === 0 ? Math.floor(total * 0.6) : total - Math.floor(total * 0.6);
      attachments.push(attachmentPart(rng, mix(spec.seed, 3, k), share, lang, false));
    }
  } else if (edge === 'non-ascii-attachment-name' || rng.chance(0.12)) {
    const encoded = Math.min(rng.int(3000, 16000), Math.floor(spec.size * 0.5));
    attachments.push(attachmentPart(rng, mix(spec.seed, 3), encoded, lang, edge === 'non-ascii-attachment-name'));
  }
  for (const a of attachments) attachmentBytes += a.body.length + a.headers.length;

  const textTarget = spec.kind === 'normal' ? Math.max(300, spec.size - headerBytes - attachmentBytes) : rng.int(800, 4000);
  const legacy = charset === 'big5' || charset === 'gb2312';
  const perPart = (structure === 'alternative' ? 2.3 : 1) * expansion(cte as Cte, variant) * (legacy ? 0.67 : 1);
  const text = composeText(rng, lang, textTarget / perPart, from, quoteFrom, quoteDate);
  const plainCte: Cte = cte === '7bit' && !isAscii(plainLines(text).join('')) ? 'quoted-printable' : (cte as Cte);
  const plain = textPart(plainLines(text), 'plain', charset, label, plainCte);
  const bodyPart =
    structure === 'plain'
      ? plain
      : multipart('alternative', `----=_Part_${rng.hex(8)}_${rng.hex(8)}`, [plain, textPart(htmlLines(text, label, font), 'html', charset, label, plainCte === '7bit' ? 'quoted-printable' : plainCte)], false);
  const top = attachments.length ? multipart('mixed', `=_NextPart_${rng.hex(4)}_${rng.hex(4)}_${rng.hex(8)}`, [bodyPart, ...attachments], true) : bodyPart;
  return Buffer.concat([Buffer.from(h + top.headers + CRLF, 'utf8'), top.body]);
}
