import type { AsyncJobStore } from '../contract/async.js';
import { kitViewOf, type KitStoreView } from '../kit-store.js';

// The kit's view (src/store/kit-store.ts), read through the async contract: the same rows and
// the same order (code point order, as SQLite's BINARY and PostgreSQL's "C" collation).

export async function readKitViewAsync(store: Pick<AsyncJobStore, 'accounts' | 'sync' | 'cutover' | 'phaseRuns'>): Promise<KitStoreView> {
  const [accounts, totals, state, syncRuns] = await Promise.all([store.accounts(), store.sync.forwardFolderTotals(), store.cutover.state(), store.phaseRuns('sync')]);
  return kitViewOf(accounts, totals, state, syncRuns.length > 0);
}
