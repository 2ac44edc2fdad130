// Pure decisions of the flag pass: what to do with one destination copy whose source flags
// changed. No I/O here, so every rule is unit-tested on its own.

/** Flags as the pass compares them: no \Recent (server-owned), de-duplicated, sorted. */
export function normFlags(flags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const f of flags) {
    if (f.toLowerCase() === '\\recent') continue;
    if (!seen.has(f.toLowerCase())) seen.set(f.toLowerCase(), f);
  }
  return [...seen.values()].sort();
}

/** IMAP flags and keywords are case-insensitive. */
export function sameFlags(a: Iterable<string>, b: Iterable<string>): boolean {
  const x = normFlags(a).map((f) => f.toLowerCase()).sort();
  const y = normFlags(b).map((f) => f.toLowerCase()).sort();
  return x.length === y.length && x.every((f, i) => f === y[i]);
}

const minus = (a: string[], b: string[]) => {
  const drop = new Set(b.map((f) => f.toLowerCase()));
  return a.filter((f) => !drop.has(f.toLowerCase()));
};

/** Splits flags into those the destination folder stores (PERMANENTFLAGS, `\*` = any keyword) and the rest. */
export function acceptedFlags(flags: string[], permanent: Iterable<string> | undefined): { keep: string[]; dropped: string[] } {
  const perm = new Set([...(permanent ?? [])].map((f) => f.toLowerCase()));
  if (perm.size === 0) return { keep: normFlags(flags), dropped: [] };
  const keep: string[] = [];
  const dropped: string[] = [];
  for (const f of normFlags(flags)) {
    const ok = perm.has(f.toLowerCase()) || (!f.startsWith('\\') && perm.has('\\*'));
    (ok ? keep : dropped).push(f);
  }
  return { keep, dropped };
}

export type FlagDecision =
  /** The source flags are what was last written: nothing to do. */
  | { kind: 'unchanged' }
  /** The destination copy still holds what mailshift wrote: bring it to the new source flags. */
  | { kind: 'apply'; add: string[]; remove: string[]; written: string[]; dropped: string[] }
  /** The destination already shows the new source flags (the user did the same on both sides). */
  | { kind: 'in-sync'; dropped: string[] }
  /** The user changed the destination copy: the destination wins, nothing is written. */
  | { kind: 'kept' };

/**
 * @param stored   source flags when the copy was last written (messages.flags)
 * @param storedDropped  those of `stored` the destination refused (messages.dropped_flags)
 * @param source   the source's flags now
 * @param dest     the destination copy's flags now
 * @param permanent the destination folder's PERMANENTFLAGS
 */
export function decideFlags(stored: string[], storedDropped: string[], source: string[], dest: string[], permanent: Iterable<string> | undefined): FlagDecision {
  if (sameFlags(stored, source)) return { kind: 'unchanged' };
  // \Deleted is a flag like any other here (issue 13): the user marked the message on the
  // source, so the copy shows the same mark. mailshift itself never expunges for it.
  const [src, old, now] = [source, stored, dest].map((f) => normFlags(f));
  const { keep, dropped } = acceptedFlags(src!, permanent);
  if (sameFlags(now!, keep)) return { kind: 'in-sync', dropped };
  const lastWritten = minus(old!, storedDropped);
  if (!sameFlags(now!, lastWritten)) return { kind: 'kept' };
  return { kind: 'apply', add: minus(keep, now!), remove: minus(now!, keep), written: keep, dropped };
}
