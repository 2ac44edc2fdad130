import { createPublicKey } from 'node:crypto';

// Parsers for the TXT records the cutover checks read (pure functions, no I/O).

/** `k=v; k2=v2` tag lists (DKIM RFC 6376 §3.2, DMARC, MTA-STS TXT, TLS-RPT). Keys lower-cased. */
export function parseTags(text: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim().toLowerCase();
    if (k) tags.set(k, part.slice(i + 1).trim());
  }
  return tags;
}

export const isSpf = (t: string) => /^v=spf1(\s|$)/i.test(t.trim());
export const isDmarc = (t: string) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(t.trim());
export const isTlsRpt = (t: string) => /^v\s*=\s*TLSRPTv1\s*(;|$)/i.test(t.trim());
export const isMtaStsTxt = (t: string) => /^v\s*=\s*STSv1\s*(;|$)/i.test(t.trim());

export interface DkimKey {
  ok: boolean;
  keyType: string;
  bits?: number;
  problem?: string;
}

/** Checks a DKIM key record: v=DKIM1 (when present), k= known, p= a public key that parses. */
export function parseDkimKey(text: string): DkimKey {
  const tags = parseTags(text);
  const v = tags.get('v');
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  if (v !== undefined && v !== 'DKIM1') return { ok: false, keyType, problem: `v=${v} (must be DKIM1)` };
  if (!tags.has('p')) return { ok: false, keyType, problem: 'no p= (public key) tag' };
  const p = tags.get('p')!.replace(/\s+/g, '');
  if (!p) return { ok: false, keyType, problem: 'p= is empty: the key is revoked' };
  if (!/^[A-Za-z0-9+/]+=*$/.test(p)) return { ok: false, keyType, problem: 'p= is not base64' };
  const der = Buffer.from(p, 'base64');
  if (keyType === 'ed25519') {
    return der.length === 32 ? { ok: true, keyType, bits: 256 } : { ok: false, keyType, problem: `ed25519 key is ${der.length} bytes, not 32` };
  }
  if (keyType !== 'rsa') return { ok: false, keyType, problem: `unknown key type k=${keyType}` };
  try {
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    const bits = key.asymmetricKeyDetails?.modulusLength;
    return { ok: true, keyType, bits };
  } catch {
    return { ok: false, keyType, problem: 'p= does not hold a valid RSA public key' };
  }
}

export interface SpfCount {
  /** DNS-querying terms counted through include: and redirect= (RFC 7208 §4.6.4). */
  lookups: number;
  problems: string[];
  /** Each counted term with where it was found, for the report. */
  terms: string[];
}

const QUERYING = new Set(['include', 'a', 'mx', 'ptr', 'exists']);

/**
 * Counts the DNS-querying terms of an SPF record recursively. `getTxt` returns the TXT strings of
 * a name. A loop (a include: chain back to itself) is reported, not followed.
 */
export async function countSpfLookups(record: string, origin: string, getTxt: (name: string) => Promise<string[]>): Promise<SpfCount> {
  const out: SpfCount = { lookups: 0, problems: [], terms: [] };
  const walk = async (rec: string, at: string, stack: string[]): Promise<void> => {
    for (const raw of rec.trim().split(/\s+/).slice(1)) {
      const term = raw.replace(/^[+\-~?]/, '');
      const lower = term.toLowerCase();
      const mech = lower.split(/[:/=]/)[0]!;
      const isRedirect = lower.startsWith('redirect=');
      if (!QUERYING.has(mech) && !isRedirect) continue;
      out.lookups++;
      out.terms.push(`${at}: ${term}`);
      if (mech !== 'include' && !isRedirect) continue;
      const target = term.slice(term.search(/[:=]/) + 1).toLowerCase().replace(/\.$/, '');
      if (target.includes('%{')) continue; // macros expand per message: cannot follow here
      if (stack.includes(target)) {
        out.problems.push(`loop: ${[...stack, target].join(' -> ')}`);
        continue;
      }
      if (out.lookups > 40) return; // far past the limit already: stop asking
      let texts: string[];
      try {
        texts = (await getTxt(target)).filter(isSpf);
      } catch (err) {
        out.problems.push(`${target}: ${(err as Error).message}`);
        continue;
      }
      if (texts.length === 0) out.problems.push(`${target} (from ${at}) has no SPF record: receivers treat this as a permanent error`);
      else if (texts.length > 1) out.problems.push(`${target} has ${texts.length} SPF records`);
      else await walk(texts[0]!, target, [...stack, target]);
    }
  };
  await walk(record, origin, [origin]);
  return out;
}

/** Whether the record names `include:<domain>` (directly; its own includes are not searched). */
export function spfIncludes(record: string, domain: string): boolean {
  const want = domain.toLowerCase().replace(/\.$/, '');
  return record
    .split(/\s+/)
    .some((t) => t.replace(/^[+\-~?]/, '').toLowerCase().replace(/\.$/, '') === `include:${want}`);
}

export interface MtaStsPolicy {
  version?: string;
  mode?: string;
  mx: string[];
  maxAge?: number;
  problems: string[];
}

/** The policy file of RFC 8461 §3.2: "key: value" lines, mx repeated. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy {
  const p: MtaStsPolicy = { mx: [], problems: [] };
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    if (k === 'version') p.version = v;
    else if (k === 'mode') p.mode = v.toLowerCase();
    else if (k === 'mx') p.mx.push(v.toLowerCase().replace(/\.$/, ''));
    else if (k === 'max_age') p.maxAge = Number(v);
  }
  if (p.version !== 'STSv1') p.problems.push(`version is ${p.version ?? 'missing'} (must be STSv1)`);
  if (!['enforce', 'testing', 'none'].includes(p.mode ?? '')) p.problems.push(`mode is ${p.mode ?? 'missing'} (enforce, testing or none)`);
  if (p.maxAge === undefined || !Number.isInteger(p.maxAge) || p.maxAge < 0) p.problems.push('max_age is missing or not a number');
  if (p.mode !== 'none' && p.mx.length === 0) p.problems.push('no mx: lines');
  return p;
}

/** RFC 8461 §4.1: "*.example.com" matches exactly one extra left-most label. */
export function mxPatternMatches(pattern: string, host: string): boolean {
  const pat = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (pat.startsWith('*.')) {
    const rest = pat.slice(2);
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === rest;
  }
  return pat === h;
}

export const policyCovers = (policy: MtaStsPolicy, host: string) => policy.mx.some((p) => mxPatternMatches(p, host));

export interface ReceivedTrace {
  from?: string;
  by?: string;
  date?: string;
}

/** The first (most recent) Received: header of a raw header block: who handed it to whom. */
export function firstReceived(header: string): ReceivedTrace | undefined {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => /^received:/i.test(l));
  if (!line) return undefined;
  const body = line.slice(line.indexOf(':') + 1).trim();
  const semi = body.lastIndexOf(';');
  const clause = semi >= 0 ? body.slice(0, semi) : body;
  const from = /(?:^|\s)from\s+(\S+)(?:\s+\(([^)]*)\))?/i.exec(clause);
  const by = /(?:^|\s)by\s+(\S+)/i.exec(clause);
  return {
    from: from ? (from[2] ? `${from[1]} (${from[2]})` : from[1]) : undefined,
    by: by?.[1],
    date: semi >= 0 ? body.slice(semi + 1).trim() : undefined,
  };
}
