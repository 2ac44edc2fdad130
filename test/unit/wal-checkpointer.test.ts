import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';

// A copying store checkpoints its WAL on a worker thread (src/store/wal-checkpointer.ts): the
// main connection's autocheckpoint is off, so without the worker the WAL would only grow.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('WAL checkpoints off the main thread', () => {
  it('a copy of 6,000 messages in batches of 50 keeps the WAL small, closes promptly and leaves every row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wal-'));
    dirs.push(dir);
    const path = join(dir, 'job.db');
    const store = Store.open(path);
    const sync = store.sync;
    const acct = store.upsertAccount('a@old.test', 'a@new.test');
    const fp = sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    sync.insertListed(fp, 7n, Array.from({ length: 6000 }, (_, i) => ({ uid: i + 1, size: 1000, flags: ['\\Seen'] })));
    const pending = sync.messages(fp, '7', ['pending']);
    let largest = 0;
    for (let i = 0; i < pending.length; i += 50) {
      const part = pending.slice(i, i + 50);
      const batch = sync.beginBatch(fp, { uidValidity: 9n, uidNext: i + 1 }, part.map((m) => ({ id: m.id, messageId: `<m${m.srcUid}@acme.test>`, headerHash: 'h'.repeat(64), flags: m.flags })));
      await sync.durable();
      sync.finishBatch(batch, 9n, part.map((m, k) => ({ id: m.id, dstUid: i + k + 1 })));
      // Room for the worker between bursts, as the network gives it in a real copy.
      if (i % 1000 === 0) await sleep(300);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    // Every commit written since the last checkpoint stays in the WAL until one runs: without
    // checkpoints this workload leaves it at about 10 MB.
    expect(largest).toBeLessThan(8 * 1024 * 1024);
    const t0 = Date.now();
    store.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    // The main connection closed last: it checkpointed and removed the WAL, as before.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = Store.open(path);
    expect(again.check()).toEqual([]);
    expect(again.sync.copiedTotals()).toEqual({ copied: 6000, withoutDstUid: 0 });
    expect(again.sync.messages(fp, '7').map((m) => [m.srcUid, m.state, m.dstUid])).toEqual(pending.map((m, i) => [m.srcUid, 'copied', i + 1]));
    again.close();
  });

  it('a store that never syncs closes as before, and one closed twice does not wait again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-wal-'));
    dirs.push(dir);
    const path = join(dir, 'job.db');
    const a = Store.open(path);
    a.upsertAccount('a@old.test', 'a@new.test');
    a.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const b = Store.open(path);
    b.upsertAccount('b@old.test', 'b@new.test');
    await b.syncToDisk();
    b.close();
    const t0 = Date.now();
    b.close();
    expect(Date.now() - t0).toBeLessThan(100);
    const again = Store.open(path);
    expect(again.accounts().map((r) => r.sourceUser)).toEqual(['a@old.test', 'b@old.test']);
    again.close();
  });
});
