// What each server can do, and what a missing capability costs the migration.
import type { ImapFlow } from 'imapflow';
import type { Side } from '../config/types.js';
import type { CapabilityReport, MissingCapability, NamespaceInfo } from './types.js';

/** The capabilities mailshift uses, with the cost of their absence, per side. */
const COSTS: { name: string; sides: Side[]; cost: string }[] = [
  { name: 'IMAP4rev1', sides: ['source', 'destination'], cost: 'not a standard IMAP server: expect failures' },
  { name: 'UIDPLUS', sides: ['destination'], cost: 'no destination UIDs on APPEND: exactly-once reconciliation after a crash needs a header search per message (slower resume)' },
  { name: 'CONDSTORE', sides: ['source', 'destination'], cost: 'flag changes during dual-run are found by a full flag scan of every folder instead of a cheap delta' },
  { name: 'QRESYNC', sides: ['source'], cost: 'expunges during dual-run are found by comparing UID lists instead of VANISHED responses' },
  { name: 'MOVE', sides: ['source', 'destination'], cost: 'none for the copy (mailshift never moves); moves users make in dual-run appear as copy + delete' },
  { name: 'SPECIAL-USE', sides: ['source', 'destination'], cost: 'Sent/Trash/Junk/Drafts are matched by name instead of by flag: check the mapping preview' },
  { name: 'NAMESPACE', sides: ['source', 'destination'], cost: 'the folder prefix and separator are guessed from LIST' },
  { name: 'APPENDLIMIT', sides: ['destination'], cost: 'the largest accepted message is unknown: over-size messages are found only when they are refused (the preset limit is used if known)' },
  { name: 'QUOTA', sides: ['destination'], cost: 'free space on the destination cannot be checked before the copy' },
  { name: 'ID', sides: ['source', 'destination'], cost: 'none, unless the provider requires IMAP ID (NetEase): then SELECT fails' },
  { name: 'LITERAL+', sides: ['destination'], cost: 'one extra round trip per APPEND (slower uploads)' },
  { name: 'MULTIAPPEND', sides: ['destination'], cost: 'one APPEND command per message instead of batches: roughly 3x slower uploads' },
];

export const CHECKED_CAPABILITIES = [...COSTS.map((c) => c.name), 'IMAP4rev2', 'STATUS=SIZE', 'LITERAL-'];

export function capabilityReport(side: Side, client: ImapFlow): CapabilityReport {
  const caps = client.capabilities;
  const list = [...caps.keys()].sort();
  const has = (n: string) => caps.has(n) || (n === 'LITERAL+' && caps.has('LITERAL-')) || (n === 'IMAP4rev1' && caps.has('IMAP4rev2'));
  const checked: Record<string, boolean> = {};
  for (const n of CHECKED_CAPABILITIES) checked[n] = caps.has(n);
  const missing: MissingCapability[] = COSTS.filter((c) => c.sides.includes(side) && !has(c.name)).map((c) => ({ name: c.name, cost: c.cost }));
  const al = caps.get('APPENDLIMIT');
  const ns = client.namespaces;
  const conv = (l: { prefix: string; delimiter: string | null | undefined }[] | false | undefined): NamespaceInfo[] =>
    l ? l.map((n) => ({ prefix: n.prefix, delimiter: n.delimiter ?? null })) : [];
  return {
    side,
    list,
    checked,
    appendLimit: typeof al === 'number' && al > 0 ? al : undefined,
    statusSize: caps.has('STATUS=SIZE') || caps.has('IMAP4rev2'),
    missing,
    namespaces: { personal: conv(ns?.personal ?? (client.namespace ? [client.namespace] : [])), other: conv(ns?.other), shared: conv(ns?.shared) },
    delimiter: client.namespace?.delimiter ?? undefined,
  };
}
