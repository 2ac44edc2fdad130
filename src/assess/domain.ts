import { CATALOGUES } from '../kit/catalogue/index.js';
import { PLAIN_EN, sayWith, type Msg } from '../i18n/msg.js';
// The domain's current mail DNS (MX with TTL, SPF, DMARC, autodiscover) and the first cutover
// advice. Uses the project's TTL-aware DNS client (src/dns) against cutover.dns.resolvers, or the
// system's resolvers. A DNS failure never fails the assessment: it is reported as such.
import { getServers } from 'node:dns';
import { findPreset } from '../config/presets.js';
import type { JobConfig } from '../config/types.js';
import { lookup, parseServers, type LookupResult } from '../dns/resolver.js';
import type { DnsRecordSet, DomainSnapshot } from './types.js';
import { InputError } from '../errors.js';

const WANTED_MX_TTL = 300;

export async function snapshotDomain(config: JobConfig, opts: { signal?: AbortSignal } = {}): Promise<DomainSnapshot> {
  const domain = config.domain;
  const specs = config.cutover.dns?.resolvers ?? getServers().map((s) => (s.includes(':') && !s.startsWith('[') ? `[${s}]` : s));
  const timeoutMs = config.cutover.dns?.timeoutMs ?? 2000;
  const snap: DomainSnapshot = {
    domain,
    resolvers: specs,
    via: 'mailshift-dns',
    mx: { values: [] },
    spf: { values: [] },
    dmarc: { values: [] },
    autodiscover: { values: [] },
    advice: [],
  };
  let servers;
  try {
    servers = parseServers(specs);
    if (!servers.length) throw new InputError('no DNS resolver configured');
  } catch (err) {
    const e = `DNS not checked: ${(err as Error).message}`;
    snap.mx.error = snap.spf.error = snap.dmarc.error = snap.autodiscover.error = e;
    snap.advice.push(CATALOGUES.en.findings.dns.notCheckedAdvice);
    snap.adviceNotes = [{ key: 'notCheckedAdvice' }];
    return snap;
  }
  const q = (name: string, type: 'MX' | 'TXT' | 'CNAME' | 'SRV') => lookup(servers, name, type, { timeoutMs, signal: opts.signal });
  const [mx, txt, dmarc, adCname, adSrv] = await Promise.allSettled([
    q(domain, 'MX'),
    q(domain, 'TXT'),
    q(`_dmarc.${domain}`, 'TXT'),
    q(`autodiscover.${domain}`, 'CNAME'),
    q(`_autodiscover._tcp.${domain}`, 'SRV'),
  ]);
  snap.mx = collect(mx, (r) => (r.type === 'MX' ? [{ exchange: r.exchange, priority: r.priority }] : []));
  snap.mx.values.sort((a, b) => a.priority - b.priority);
  snap.spf = collect(txt, (r) => (r.type === 'TXT' && /^v=spf1\b/i.test(r.text) ? [r.text] : []));
  snap.dmarc = collect(dmarc, (r) => (r.type === 'TXT' && /^v=DMARC1\b/i.test(r.text) ? [r.text] : []));
  const cn = collect(adCname, (r) => (r.type === 'CNAME' ? [`CNAME ${r.value}`] : []));
  const srv = collect(adSrv, (r) => (r.type === 'SRV' ? [`SRV ${r.priority} ${r.weight} ${r.port} ${r.target}`] : []));
  snap.autodiscover = { values: [...cn.values, ...srv.values], ttl: cn.ttl ?? srv.ttl, error: cn.error && srv.error ? cn.error : undefined };
  snap.adviceNotes = adviceNotes(snap, config);
  snap.advice = snap.adviceNotes.map((m) => sayWith(CATALOGUES.en.findings.dns, m, PLAIN_EN));
  return snap;
}

function collect<T>(r: PromiseSettledResult<LookupResult>, pick: (rec: LookupResult['records'][number]) => T[]): DnsRecordSet<T> {
  if (r.status === 'rejected') return { values: [], error: `no answer: ${(r.reason as Error)?.message ?? String(r.reason)}` };
  const recs = r.value.records;
  const values = recs.flatMap(pick);
  const ttls = recs.filter((x) => pick(x).length).map((x) => x.ttl);
  return { values, ttl: ttls.length ? Math.max(...ttls) : undefined, error: r.value.rcode === 'NXDOMAIN' ? 'NXDOMAIN (the name does not exist)' : undefined };
}

/** The first cutover advice from what DNS shows now, in English (JSON). Exported for unit tests. */
export function adviseCutover(snap: DomainSnapshot, config: Pick<JobConfig, 'source' | 'destination' | 'cutover'>): string[] {
  return adviceNotes(snap, config).map((m) => sayWith(CATALOGUES.en.findings.dns, m, PLAIN_EN));
}

/** The same advice as catalogue messages (findings.dns), for pages in other languages. */
export function adviceNotes(snap: DomainSnapshot, config: Pick<JobConfig, 'source' | 'destination' | 'cutover'>): Msg[] {
  const advice: Msg[] = [];
  const m = (key: keyof typeof CATALOGUES.en.findings.dns, vars?: Msg['vars']) => advice.push({ key, vars });
  const dst = findPreset(config.destination.preset);
  const src = findPreset(config.source.preset);
  if (snap.mx.error && !snap.mx.values.length) {
    m('mxUnread', { error: snap.mx.error });
  } else if (!snap.mx.values.length) {
    m('noMx', { domain: snap.domain });
  } else {
    const want = String(config.cutover.maxTtl ?? WANTED_MX_TTL);
    if (snap.mx.ttl === undefined) m('ttlUnknown', { want });
    else if (snap.mx.ttl > Number(want)) {
      const hours = Math.max(24, Math.ceil((2 * snap.mx.ttl) / 3600));
      m('ttlLower', { ttl: String(snap.mx.ttl), want, hours: String(hours) });
    } else m('ttlOk', { ttl: String(snap.mx.ttl) });
    const srcMx = src?.dns?.mx?.map((x) => x.exchange.toLowerCase()) ?? [];
    const current = snap.mx.values.map((x) => x.exchange.toLowerCase());
    if (srcMx.length && !current.some((c) => srcMx.includes(c))) m('mxElsewhere', { provider: src!.name, expected: srcMx.join(', '), current: current.join(', ') });
    const newMx = config.cutover.mx?.map((x) => x.host) ?? dst?.dns?.mx?.map((x) => x.exchange);
    if (newMx?.length) m('mxBecomes', { mx: newMx.join(', ') });
  }
  const include = config.cutover.spfInclude ?? dst?.dns?.spfInclude;
  if (!snap.spf.values.length) {
    const error = snap.spf.error;
    if (error) m(include ? 'noSpfErrorInclude' : 'noSpfError', { error, ...(include ? { include } : {}) });
    else m(include ? 'noSpfInclude' : 'noSpf', include ? { include } : undefined);
  } else if (snap.spf.values.length > 1) m('spfMany');
  else if (include && !snap.spf.values[0]!.includes(`include:${include}`)) m('spfAdd', { include });
  if (!snap.dmarc.values.length) m('noDmarc');
  else if (/p=(reject|quarantine)/i.test(snap.dmarc.values[0]!)) m('dmarcEnforcing');
  const ad = config.cutover.autodiscover ?? dst?.dns?.autodiscover;
  if (ad && !snap.autodiscover.values.some((v) => v.toLowerCase().includes(ad.toLowerCase()))) m('autodiscover', { domain: snap.domain, target: ad });
  return advice;
}
