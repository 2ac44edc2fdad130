/**
 * `items.map(fn)` for an async `fn`, one item at a time: reads through the async store stay in
 * the order they were written in (and a network store is not sent a burst of queries at once).
 */
export async function mapInOrder<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) out.push(await fn(items[i]!, i));
  return out;
}
