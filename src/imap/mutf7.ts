// Mailbox names on the wire (RFC 3501 5.1.3, "modified UTF-7"): printable US-ASCII stands for
// itself except "&", which is written "&-"; any other run of characters is UTF-16BE in a
// modified base64 (',' instead of '/', no padding) between "&" and "-". Servers that enabled
// UTF8=ACCEPT (RFC 6855) or speak IMAP4rev2 take UTF-8 names as they are instead.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

const printable = (code: number) => code >= 0x20 && code <= 0x7e;

/** A mailbox name in modified UTF-7. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let run: number[] = [];
  const flush = () => {
    if (!run.length) return;
    const bytes = Buffer.alloc(run.length * 2);
    run.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    run = [];
  };
  for (let i = 0; i < name.length; i++) {
    const u = name.charCodeAt(i); // UTF-16 code units: surrogate pairs go through as they are
    if (printable(u)) {
      flush();
      out += u === 0x26 ? '&-' : name[i];
    } else {
      run.push(u);
    }
  }
  flush();
  return out;
}

/** The name a modified UTF-7 mailbox name stands for; throws on a malformed shift sequence. */
export function decodeMailboxName(wire: string): string {
  let out = '';
  for (let i = 0; i < wire.length; i++) {
    const ch = wire[i]!;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw new ImapProtocolError(`malformed modified UTF-7 mailbox name: ${wire.slice(0, 80)}`);
    const b64 = wire.slice(i + 1, end);
    i = end;
    if (!b64) {
      out += '&';
      continue;
    }
    if ([...b64].some((c) => !B64.includes(c))) throw new ImapProtocolError(`malformed modified UTF-7 mailbox name: ${wire.slice(0, 80)}`);
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2) throw new ImapProtocolError(`malformed modified UTF-7 mailbox name: ${wire.slice(0, 80)}`);
    for (let j = 0; j < bytes.length; j += 2) out += String.fromCharCode(bytes.readUInt16BE(j));
  }
  return out;
}

/** What the server expects for this name: UTF-8 as is where it accepts it, else modified UTF-7. */
export function wireMailboxName(name: string, utf8: boolean): string {
  if (utf8) return name;
  // Nothing to encode: the common case, and names that are already plain ASCII without '&'.
  return /[&\u0000-\u001f\u007f-\uffff]/.test(name) ? encodeMailboxName(name) : name;
}

import { ImapProtocolError } from '../errors.js';