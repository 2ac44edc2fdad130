// sync.since / --since / --max-age: which listed messages are copied in this run. A pure function
// applied where the copier takes the pending rows: the messages outside the window keep their
// rows (pending, visible in status as remaining) and a run without the window copies them.

/**
 * The rows received on or after `since`, newest first (people get their recent mail first, as
 * Microsoft's migration does); every row, in listing order, without `since`. A row without a
 * date is kept: better copied than left out by a guess.
 */
export function inDateWindow<T extends { internalDate: string | null }>(rows: T[], since: Date | undefined): T[] {
  if (!since) return rows;
  const cut = since.getTime();
  const time = (r: T) => (r.internalDate ? Date.parse(r.internalDate) : Number.NaN);
  return rows.filter((r) => !(time(r) < cut)).sort((a, b) => (time(b) || Infinity) - (time(a) || Infinity));
}
