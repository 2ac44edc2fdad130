import type { DnsServer } from '../dns/client.js';
import { lookupAt } from '../dns/resolver.js';
import type { ServerRow } from '../store/cutover-store.js';
import { formatMx, sameMxSet, type MxHost } from './settings.js';

// One round of the propagation watch: ask every authoritative server and resolver for the MX
// set and classify the answer as old, new, mixed or error.

export interface WatchedServer {
  server: DnsServer;
  kind: 'authoritative' | 'resolver';
}

export interface PollEntry {
  address: string;
  kind: WatchedServer['kind'];
  state: ServerRow['state'];
  answer: string;
  mx: MxHost[];
}

export function classify(mx: MxHost[], newMx: MxHost[]): 'old' | 'new' | 'mixed' {
  if (sameMxSet(mx, newMx)) return 'new';
  const hosts = new Set(newMx.map((m) => m.host));
  return mx.some((m) => hosts.has(m.host)) ? 'mixed' : 'old';
}

export async function pollMx(servers: WatchedServer[], domain: string, newMx: MxHost[], opts: { timeoutMs: number; signal?: AbortSignal }): Promise<PollEntry[]> {
  return Promise.all(
    servers.map(async ({ server, kind }): Promise<PollEntry> => {
      try {
        const r = await lookupAt(server, domain, 'MX', { ...opts, attempts: 1 });
        const mx = r.records.flatMap((x) => (x.type === 'MX' ? [{ host: x.exchange, priority: x.priority }] : []));
        return { address: server.label, kind, state: classify(mx, newMx), answer: formatMx(mx), mx };
      } catch (err) {
        return { address: server.label, kind, state: 'error', answer: (err as Error).message, mx: [] };
      }
    }),
  );
}

/** The live table: one line per server with its state and the moment it flipped. */
export function renderTable(rows: ServerRow[], at: Date): string[] {
  const w = Math.max(8, ...rows.map((r) => r.address.length));
  const lines = [`MX propagation at ${at.toISOString()} (${rows.filter((r) => r.state === 'new').length}/${rows.length} on the new MX)`];
  for (const r of rows) {
    lines.push(`  ${r.kind.padEnd(13)} ${r.address.padEnd(w)}  ${r.state.padEnd(5)}  ${r.flippedAt ? `flipped ${r.flippedAt}` : ''}${r.state !== 'new' ? `  ${r.answer ?? ''}` : ''}`);
  }
  return lines;
}
