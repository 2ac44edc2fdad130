import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JobConfig } from '../config/types.js';
import { findPreset } from '../config/presets.js';
import { InputError } from '../errors.js';
import { parseServer, type DnsServer } from '../dns/client.js';
import { PUBLIC_RESOLVERS } from '../dns/resolver.js';

// The cutover config with every default filled in: preset values, defaults, files read.

export interface MxHost {
  host: string;
  priority: number;
}

export interface CutoverSettings {
  domain: string;
  /** Planned T from the config, if given. */
  at?: Date;
  /** The new provider's MX set; empty when neither config nor preset knows it. */
  mx: MxHost[];
  /** The old MX set when the config gives it (otherwise the store's snapshot is used). */
  oldMx?: MxHost[];
  spfInclude?: string;
  oldSpfInclude?: string;
  dkimSelectors: string[];
  autodiscover?: string;
  imapHost?: string;
  submissionHost?: string;
  maxTtl: number;
  resolvers: DnsServer[];
  /** Empty: find the domain's NS by lookup. */
  authoritative: DnsServer[];
  dnsTimeoutMs: number;
  smtp: { port: number; hostMap: Record<string, { host: string; port: number }>; ca?: string; heloName: string; mailFrom: string; timeoutMs: number };
  mtaSts: { hostMap: Record<string, { host: string; port: number }>; ca?: string; timeoutMs: number };
}

export function parseTime(value: string | Date, what: string): Date {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new InputError(`${what}: "${String(value)}" is not a date and time (e.g. 2026-12-05T10:00:00+08:00)`);
  return d;
}

export function resolveCutoverSettings(config: JobConfig): CutoverSettings {
  const c = config.cutover;
  const dst = findPreset(config.destination.preset);
  const src = findPreset(config.source.preset);
  const file = (p: string | undefined, what: string) => {
    if (!p) return undefined;
    const path = resolve(config.configDir, p);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new InputError(`cutover.${what}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  const servers = (specs: string[], what: string) =>
    specs.map((s) => {
      try {
        return parseServer(s);
      } catch (err) {
        throw new InputError(`cutover.dns.${what}: ${(err as Error).message}`);
      }
    });
  const hostMap = (m: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k.toLowerCase(), { host: parseServer(v).host, port: parseServer(v).port }]));
  return {
    domain: config.domain,
    at: c.at === undefined ? undefined : parseTime(c.at, 'cutover.at'),
    mx: (c.mx ?? dst?.dns?.mx?.map((m) => ({ host: m.exchange, priority: m.priority })) ?? []).map(normMx),
    oldMx: (c.oldMx ?? src?.dns?.mx?.map((m) => ({ host: m.exchange, priority: m.priority })))?.map(normMx),
    spfInclude: c.spfInclude ?? dst?.dns?.spfInclude,
    oldSpfInclude: c.oldSpfInclude ?? src?.dns?.spfInclude,
    dkimSelectors: c.dkimSelectors ?? dst?.dns?.dkimSelectors ?? [],
    autodiscover: c.autodiscover ?? dst?.dns?.autodiscover,
    imapHost: c.imapHost ?? dst?.imap?.host,
    submissionHost: c.submissionHost ?? dst?.smtp?.host,
    maxTtl: c.maxTtl ?? 300,
    resolvers: servers(c.dns?.resolvers ?? PUBLIC_RESOLVERS, 'resolvers'),
    authoritative: servers(c.dns?.authoritative ?? [], 'authoritative'),
    dnsTimeoutMs: c.dns?.timeoutMs ?? 3000,
    smtp: {
      port: c.smtp?.port ?? 25,
      hostMap: hostMap(c.smtp?.hostMap),
      ca: file(c.smtp?.caFile, 'smtp.caFile'),
      heloName: c.smtp?.heloName ?? 'mailshift.local',
      mailFrom: c.smtp?.mailFrom ?? '',
      timeoutMs: c.smtp?.timeoutMs ?? 15000,
    },
    mtaSts: { hostMap: hostMap(c.mtaSts?.hostMap), ca: file(c.mtaSts?.caFile, 'mtaSts.caFile'), timeoutMs: c.mtaSts?.timeoutMs ?? 15000 },
  };
}

export const normMx = (m: MxHost): MxHost => ({ host: m.host.toLowerCase().replace(/\.$/, ''), priority: m.priority });

/** Same hosts with the same priorities, in any order. */
export function sameMxSet(a: MxHost[], b: MxHost[]): boolean {
  const key = (l: MxHost[]) => l.map((m) => `${m.priority} ${normMx(m).host}`).sort().join(',');
  return key(a) === key(b);
}

export const formatMx = (l: MxHost[]) => (l.length ? [...l].sort((x, y) => x.priority - y.priority).map((m) => `${m.priority} ${m.host}`).join(', ') : '(none)');
