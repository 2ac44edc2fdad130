// The domain's current mail DNS (MX with TTL, SPF, DMARC, autodiscover) and the first cutover
// advice. Uses the project's TTL-aware DNS client (src/dns) against cutover.dns.resolvers, or the
// system's resolvers. A DNS failure never fails the assessment: it is reported as such.
import { getServers } from 'node:dns';
import { findPreset } from '../config/presets.js';
import type { JobConfig } from '../config/types.js';
import { lookup, parseServers, type LookupResult } from '../dns/resolver.js';
import type { DnsRecordSet, DomainSnapshot } from './types.js';

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
    if (!servers.length) throw new Error('no DNS resolver configured');
  } catch (err) {
    const e = `DNS not checked: ${(err as Error).message}`;
    snap.mx.error = snap.spf.error = snap.dmarc.error = snap.autodiscover.error = e;
    snap.advice.push('DNS could not be checked: set cutover.dns.resolvers in the config');
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
  snap.advice = adviseCutover(snap, config);
  return snap;
}

function collect<T>(r: PromiseSettledResult<LookupResult>, pick: (rec: LookupResult['records'][number]) => T[]): DnsRecordSet<T> {
  if (r.status === 'rejected') return { values: [], error: `no answer: ${(r.reason as Error)?.message ?? String(r.reason)}` };
  const recs = r.value.records;
  const values = recs.flatMap(pick);
  const ttls = recs.filter((x) => pick(x).length).map((x) => x.ttl);
  return { values, ttl: ttls.length ? Math.max(...ttls) : undefined, error: r.value.rcode === 'NXDOMAIN' ? 'NXDOMAIN (the name does not exist)' : undefined };
}

/** The first cutover advice from what DNS shows now. Exported for unit tests. */
export function adviseCutover(snap: DomainSnapshot, config: Pick<JobConfig, 'source' | 'destination' | 'cutover'>): string[] {
  const advice: string[] = [];
  const dst = findPreset(config.destination.preset);
  const src = findPreset(config.source.preset);
  if (snap.mx.error && !snap.mx.values.length) {
    advice.push(`MX records could not be read (${snap.mx.error}); check DNS before planning the cutover`);
  } else if (!snap.mx.values.length) {
    advice.push(`${snap.domain} has no MX records: mail for it is not delivered anywhere today; publish the destination's MX at cutover`);
  } else {
    const want = config.cutover.maxTtl ?? WANTED_MX_TTL;
    if (snap.mx.ttl === undefined) advice.push(`MX TTL unknown: make sure it is at most ${want} s at least 24 h before the switch`);
    else if (snap.mx.ttl > want) {
      const hours = Math.max(24, Math.ceil((2 * snap.mx.ttl) / 3600));
      advice.push(`lower the MX TTL from ${snap.mx.ttl} s to ${want} s at least ${hours} h before the switch, so the change spreads within minutes`);
    } else advice.push(`MX TTL is ${snap.mx.ttl} s: short enough for a quick switch`);
    const srcMx = src?.dns?.mx?.map((m) => m.exchange.toLowerCase()) ?? [];
    const current = snap.mx.values.map((m) => m.exchange.toLowerCase());
    if (srcMx.length && !current.some((c) => srcMx.includes(c))) advice.push(`the MX does not point at ${src!.name} (${srcMx.join(', ')}) but at ${current.join(', ')}: confirm where mail is delivered today`);
    const newMx = config.cutover.mx?.map((m) => m.host) ?? dst?.dns?.mx?.map((m) => m.exchange);
    if (newMx?.length) advice.push(`at the switch, the MX becomes ${newMx.join(', ')}`);
  }
  const include = config.cutover.spfInclude ?? dst?.dns?.spfInclude;
  if (!snap.spf.values.length) advice.push(`no SPF record${snap.spf.error ? ` (${snap.spf.error})` : ''}: publish one${include ? ` with include:${include}` : ''} before the switch`);
  else if (snap.spf.values.length > 1) advice.push('more than one SPF record: receivers treat that as an error (permerror); merge them into one');
  else if (include && !snap.spf.values[0]!.includes(`include:${include}`))
    advice.push(`add include:${include} to the SPF record before the switch (keep the old provider's include until the cutover is finalized)`);
  if (!snap.dmarc.values.length) advice.push('no DMARC record: consider publishing "v=DMARC1; p=none; rua=…" to watch delivery during the migration');
  else if (/p=(reject|quarantine)/i.test(snap.dmarc.values[0]!)) advice.push('DMARC policy is enforcing: set up DKIM for the destination before the switch, or mail sent from it may be rejected');
  const ad = config.cutover.autodiscover ?? dst?.dns?.autodiscover;
  if (ad && !snap.autodiscover.values.some((v) => v.toLowerCase().includes(ad.toLowerCase()))) advice.push(`at the switch, point autodiscover.${snap.domain} (CNAME) at ${ad} so mail clients find the new server`);
  return advice;
}
