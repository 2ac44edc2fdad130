import type { AsyncJobStore } from '../contract/async.js';
import type { KitFolder, KitStoreView } from '../kit-store.js';

// The kit's view (src/store/kit-store.ts readKitView), read through the async contract: the same
// rows, the same order (code point order, as SQLite's BINARY and PostgreSQL's "C" collation).

export async function readKitViewAsync(store: Pick<AsyncJobStore, 'accounts' | 'sync' | 'cutover' | 'phaseRuns'>): Promise<KitStoreView> {
  const users = new Map((await store.accounts()).map((a) => [a.id, a.destinationUser]));
  const rows = (await store.sync.forwardFolderTotals())
    .map((r) => ({ ...r, user: users.get(r.accountId) ?? '' }))
    .sort((a, b) => binary(a.user, b.user) || binary(a.sourcePath, b.sourcePath));
  const folders = new Map<string, KitFolder[]>();
  let anyMessage = false;
  for (const r of rows) {
    if (r.total > 0) anyMessage = true;
    const key = r.user.toLowerCase();
    const list = folders.get(key) ?? [];
    list.push({ sourcePath: r.sourcePath, destinationPath: r.destinationPath, specialUse: r.specialUse, copied: r.copied, notCopied: r.notCopied });
    folders.set(key, list);
  }
  const st = await store.cutover.state();
  const synced = (await store.phaseRuns('sync')).length > 0 || anyMessage;
  return { synced, folders, cutover: { plannedAt: st.plannedAt, confirmedAt: st.confirmedAt, finalizedAt: st.finalizedAt } };
}

const binary = (a: string, b: string) => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
};
