/**
 * Expands an IMAP UID set as servers return it in APPENDUID/COPYUID ("45:54", "45,47:50"), in
 * order. RFC 4315 lets a range be written high:low; it still means the same UIDs ascending.
 */
export function parseUidSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.trim().split(',')) {
    const m = /^(\d+)(?::(\d+))?$/.exec(part.trim());
    if (!m) throw new ImapProtocolError(`not a UID set: "${set}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    if (hi - lo > 10_000_000) throw new ImapProtocolError(`UID range too large: "${part}"`);
    for (let u = lo; u <= hi; u++) out.push(u);
  }
  return out;
}

/** Compresses ascending-or-not UIDs into a set string for UID FETCH ("1:3,7"). */
export function toUidSet(uids: number[]): string {
  const s = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? String(s[i]) : `${s[i]}:${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

import { ImapProtocolError } from '../errors.js';