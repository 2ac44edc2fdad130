import { createHash } from 'node:crypto';
import { exactHeaderHash, headerBlock, identityOf } from '../copier/identity.js';

const EIGHT_BIT = /[\x80-\xff]/;

/**
 * How verify recognises "the same message" on both servers without trusting UIDs or sizes:
 * the Message-ID and the sync's normalised header hash (src/copier/identity.ts, so verify and the
 * checkpoint agree on what "the same" means). INTERNALDATE is compared separately so a server
 * that lost it shows up as "altered", not as one message missing plus one extra.
 * These are the fields the copier hashes; verify fetches only them (BODY.PEEK[HEADER.FIELDS]).
 * Both sides are fetched the same way, so the comparison holds even if the copier's list changes;
 * keep the two lists equal so verify's hashes also equal the checkpoint's header_hash.
 */
export const IDENTITY_HEADERS = ['message-id', 'date', 'from', 'to', 'cc', 'subject', 'in-reply-to'] as const;

export interface MessageIdentity {
  uid: number;
  /** Message-ID as the copier normalises it (no brackets, lower case), absent when the message has none. */
  messageId?: string;
  /** INTERNALDATE as ISO-8601 to the second (IMAP's resolution). */
  internalDate?: string;
  headerHash: string;
  /** The header hash with 8-bit bytes kept (exactHeaderHash): differs when the destination rewrote them. */
  headerExact?: string;
  size: number;
  /** Flags and keywords as on the server, sorted, without \Recent. */
  flags: string[];
  /** sha256 of the full RFC822 bytes (--deep only). */
  sha256?: string;
  /** Subject, for humans reading the differences (not part of the identity). */
  subject?: string;
}

/** The match key: Message-ID plus header hash. Two messages with the same key are the same message. */
export function identityKey(m: Pick<MessageIdentity, 'messageId' | 'headerHash'>): string {
  return `${m.messageId ?? ''}\u0000${m.headerHash}`;
}

/** Splits a raw header block into unfolded [lower-case name, value] pairs, in order. */
export function parseHeaderFields(block: Buffer | string): [string, string][] {
  const text = typeof block === 'string' ? block : block.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const head = end >= 0 ? text.slice(0, end) : text;
  const out: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) {
      out[out.length - 1]![1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return out;
}

export { normalizeMessageId } from '../copier/identity.js';

/** The copier's header hash of a header block (or a whole message). */
export function headerHash(block: Buffer | string): string {
  return identityOf(typeof block === 'string' ? Buffer.from(block, 'latin1') : block).headerHash;
}

/** Identity of one message from what one FETCH returns (the identity header fields). */
export function identityFromFetch(m: {
  uid: number;
  headers?: Buffer;
  internalDate?: Date | string;
  size?: number;
  flags?: Set<string> | string[];
  source?: Buffer;
}): MessageIdentity {
  const headers = m.headers ?? m.source ?? Buffer.alloc(0);
  const id = identityOf(headers);
  return {
    uid: m.uid,
    messageId: id.messageId,
    internalDate: isoSecond(m.internalDate),
    headerHash: id.headerHash,
    // Only 8-bit header bytes can make the two differ: the header block is hashed again only then.
    headerExact: EIGHT_BIT.test(headerBlock(headers).toString('latin1')) ? exactHeaderHash(headers) : id.headerHash,
    size: m.size ?? m.source?.length ?? 0,
    flags: normalizeFlags(m.flags ? [...m.flags] : []),
    sha256: m.source ? sha256(m.source) : undefined,
    // Read as UTF-8 for people (RFC 6532 headers); the hash above works on bytes.
    subject: decodeSubject(parseHeaderFields(headers.toString('utf8')).find(([k]) => k === 'subject')?.[1]),
  };
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isoSecond(d: Date | string | undefined): string | undefined {
  if (d === undefined || d === null) return undefined;
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return undefined;
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function normalizeFlags(flags: Iterable<string>): string[] {
  return [...new Set([...flags].filter((f) => f.toLowerCase() !== '\\recent'))].sort();
}

/** A readable subject for lists of differences; RFC 2047 words are decoded when simple. */
function decodeSubject(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const decoded = value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=\s*/g, (_all, charset: string, enc: string, text: string) => {
    try {
      const buf = enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset.toLowerCase() === 'utf8' ? 'utf-8' : charset).decode(buf);
    } catch {
      return text;
    }
  });
  return decoded.length > 120 ? decoded.slice(0, 117) + '...' : decoded;
}
