#!/usr/bin/env node
// CPU of the SQLite store's copy checkpoints alone (no servers): the statements the copier runs
// per folder (list, read pending, intent + result per batch), on a fresh job.db in a temp dir.
// For comparing store implementations; run after `npm run build`.
//
//   node bench/store-cpu.mjs [--folders 20] [--messages 1000] [--batch 100] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../dist/store/store.js';

const args = process.argv.slice(2);
const opt = (n, d) => Number(args.includes(n) ? args[args.indexOf(n) + 1] : d);
const folders = opt('--folders', 20);
const perFolder = opt('--messages', 1000);
const batch = opt('--batch', 100);
const rounds = opt('--rounds', 3);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (let round = 1; round <= rounds; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-storecpu-'));
  const store = Store.open(join(dir, 'job.db'));
  const sync = store.sync;
  const t = { list: 0, read: 0, begin: 0, finish: 0 };
  const acct = store.upsertAccount('a@acme.test', 'a@acme.test');
  for (let f = 0; f < folders; f++) {
    const path = `F${f}`;
    const fp = sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: path, destinationPath: path, sourceLogical: path, destinationLogical: path, state: 'active', notes: [] });
    const rows = Array.from({ length: perFolder }, (_, i) => ({ uid: i + 1, size: 1000 + i, flags: i % 3 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2026, 0, 1 + (i % 28))) }));
    let c = cpu();
    sync.insertListed(fp, 7n, rows);
    t.list += cpu() - c;
    c = cpu();
    const pending = sync.messages(fp, '7', ['pending']);
    t.read += cpu() - c;
    for (let i = 0; i < pending.length; i += batch) {
      const part = pending.slice(i, i + batch);
      c = cpu();
      const id = sync.beginBatch(fp, { uidValidity: 9n, uidNext: i + 1 }, part.map((m) => ({ id: m.id, messageId: `<m${m.srcUid}@acme.test>`, headerHash: `h${m.srcUid}`, flags: m.flags })));
      t.begin += cpu() - c;
      c = cpu();
      sync.finishBatch(id, 9n, part.map((m, k) => ({ id: m.id, dstUid: i + k + 1, droppedFlags: [] })));
      t.finish += cpu() - c;
    }
  }
  store.close();
  rmSync(dir, { recursive: true, force: true });
  const total = t.list + t.read + t.begin + t.finish;
  console.log(`round ${round}: ${folders * perFolder} messages, batches of ${batch}: list ${t.list.toFixed(0)} ms, read ${t.read.toFixed(0)} ms, begin ${t.begin.toFixed(0)} ms, finish ${t.finish.toFixed(0)} ms, total ${total.toFixed(0)} ms CPU`);
}
