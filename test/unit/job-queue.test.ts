import { asyncView } from '../../src/store/contract/async.js';
import { describe, expect, it } from 'vitest';
import { LISTING_PRIORITY, messagesToCopy, taskWeight } from '../../src/copier/account.js';
import { jobQueue } from '../../src/copier/job-queue.js';
import { openMemoryStore } from '../../src/store/memory/index.js';

// The job-wide queue's order (src/copier/account.ts): every account's listing first, then the
// folder tasks with the most left to copy, whatever their account, so the biggest folders start
// at once and the copy does not end with one big folder running alone. Weights come from the
// store (memory twin here): open rows plus the source's messages not yet listed.

const UV = 7n;

describe('job-wide queue weighting', () => {
  it('weighs a folder pair by what is left of it: never listed, half copied, done', async () => {
    const store = openMemoryStore();
    const acct = store.upsertAccount('alice@old.test', 'alice@new.test');
    const pair = (path: string) => store.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: path, destinationPath: path, sourceLogical: path, destinationLogical: path, state: 'active', notes: [] });
    const list = (fp: number, n: number) => {
      store.sync.insertListed(fp, UV, Array.from({ length: n }, (_, i) => ({ uid: i + 1, size: 1000, flags: [], messageId: `<${fp}-${i}@acme.test>`, headerHash: `h${fp}-${i}`, internalDate: new Date(Date.UTC(2026, 0, 1, 0, i)) })));
      store.sync.setSourceWatermark(fp, { uidValidity: UV, uidNext: n + 1, listedUid: n });
    };
    const fresh = pair('INBOX');
    const half = pair('Archive');
    const done = pair('Sent');
    list(half, 300);
    list(done, 50);
    const copy = (fp: number, n: number) => {
      const rows = store.sync.messages(fp, String(UV), ['pending']).slice(0, n);
      const b = store.sync.beginBatch(fp, { uidValidity: 9n, uidNext: 1 }, rows.map((r) => ({ id: r.id, headerHash: r.headerHash!, flags: [] })));
      store.sync.finishBatch(b, 9n, rows.map((r, i) => ({ id: r.id, dstUid: i + 1 })));
    };
    copy(half, 100);
    copy(done, 50);
    expect(await messagesToCopy(asyncView(store.sync), store.sync.folderPair(fresh), 500)).toBe(500);
    // 200 listed and still open, 20 arrived on the source since the listing.
    expect(await messagesToCopy(asyncView(store.sync), store.sync.folderPair(half), 320)).toBe(220);
    expect(await messagesToCopy(asyncView(store.sync), store.sync.folderPair(done), 50)).toBe(0);
  });

  it('runs every listing first, then the most work first across accounts', async () => {
    const q = jobQueue(2, () => 0);
    const started: string[] = [];
    const folders: Record<string, [string, number][]> = {
      chan: [['Sent', 994], ['INBOX', 2490], ['Drafts', 56]],
      li: [['INBOX', 2113], ['Junk', 107]],
      mary: [['INBOX', 1625], ['Sent', 665]],
    };
    const tick = () => new Promise((r) => setTimeout(r, 2));
    await Promise.all(
      Object.entries(folders).map(async ([user, fs]) => {
        await q.add(async () => {
          started.push(`list ${user}`);
          await tick();
        }, { priority: LISTING_PRIORITY });
        await Promise.all(fs.map(([path, n]) => q.add(async () => {
          started.push(`${user} ${path}`);
          await tick();
        }, { priority: taskWeight({ toCopy: n }) })));
      }),
    );
    expect(started.slice(0, 3).sort()).toEqual(['list chan', 'list li', 'list mary']);
    // The first folder tasks run while the last listing finishes; after that, strictly by weight.
    const rest = started.slice(3);
    expect(rest.slice(0, 4)).toEqual(['chan INBOX', 'li INBOX', 'mary INBOX', 'chan Sent']);
    expect(rest.slice(-2)).toEqual(['li Junk', 'chan Drafts']);
  });
});

describe('job-wide queue with session affinity (job-queue.ts)', () => {
  // Runs the queue one task at a time and records the order; `idle` says which accounts have idle sessions when a slot frees.
  async function order(tasks: [string, string, number][], idle: (key: string) => number): Promise<string[]> {
    const q = jobQueue(1, idle, { autoStart: false });
    const ran: string[] = [];
    for (const [account, folder, n] of tasks) void q.add(async () => void ran.push(`${account} ${folder}`), { priority: n, affinity: account });
    q.start();
    await q.onIdle();
    return ran;
  }
  const tasks: [string, string, number][] = [
    ['chan', 'INBOX', 2490],
    ['li', 'INBOX', 2113],
    ['mary', 'INBOX', 1625],
    ['chan', 'Sent', 994],
    ['mary', 'Sent', 665],
    ['li', 'Junk', 107],
    ['chan', 'Drafts', 56],
    ['li', 'Spam', 56],
  ];

  it('with no idle sessions anywhere: strictly the most work first, first come first among equals', async () => {
    expect(await order(tasks, () => 0)).toEqual(tasks.map(([a, f]) => `${a} ${f}`));
  });

  it("a task of the account whose sessions are idle goes first when it is at least half the biggest waiting's size", async () => {
    // Each task's account has idle sessions once it has run (as a finished folder task leaves them).
    let last = '';
    const seq: string[] = [];
    const q = jobQueue(1, (key) => (key === last ? 2 : 0), { autoStart: false });
    for (const [account, folder, n] of tasks) void q.add(async () => {
      seq.push(`${account} ${folder}`);
      last = account;
    }, { priority: n, affinity: account });
    q.start();
    await q.onIdle();
    // chan INBOX (2490) first; chan Sent (994) is under half of li INBOX (2113): li goes; li Junk
    // (107) is far below mary INBOX: mary; then mary Sent (665) within half of chan Sent (994).
    expect(seq).toEqual(['chan INBOX', 'li INBOX', 'mary INBOX', 'mary Sent', 'chan Sent', 'chan Drafts', 'li Junk', 'li Spam']);
  });

  it('prefers an account idle on both servers over one idle on one', async () => {
    const seq: string[] = [];
    const q = jobQueue(1, (key) => ({ b: 1, c: 2 } as Record<string, number>)[key] ?? 0, { autoStart: false });
    for (const [account, n] of [['a', 100], ['b', 90], ['c', 80]] as const) void q.add(async () => void seq.push(account), { priority: n, affinity: account });
    q.start();
    await q.onIdle();
    expect(seq).toEqual(['c', 'b', 'a']);
  });
});
