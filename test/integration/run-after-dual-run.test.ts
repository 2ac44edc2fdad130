import { describe, expect, it } from 'vitest';
import { closeClient, openClient, readAll, seedMessages, snapshotDigest, type SeedMessage } from '../support/dovecot.js';
import { dualRunJob } from '../support/dualrun-fixture.js';

// `run` on a job that already had a standalone sync and dual-run pass, while the source lived on
// (new mail, messages moved between folders): its sync step catches up the way dual-run does,
// so the moved messages are moved on the destination, not copied a second time into their new
// folder, and the verify that follows is clean. Before, `run` went straight to verify and
// stopped with "verify found N missing"; the next `run` then ran a plain sync.

function mail(tag: string, n: number, folder: (i: number) => string): SeedMessage[] {
  return Array.from({ length: n }, (_x, i) => {
    const date = new Date(Date.UTC(2025, 10, 1, 0, 0, i));
    return { folder: folder(i), raw: Buffer.from(`Message-ID: <${tag}-${i}@acme.test>\r\nSubject: ${tag} ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'body line\r\n'.repeat(1 + ((i * 13) % 50))}`), flags: i % 3 ? ['\\Seen'] : [], internalDate: date };
  });
}

describe('run after a standalone sync and dual-run', () => {
  it('catches up with one dual-run pass (moves followed, new mail once), verifies clean and stops at the switch-time gate', async () => {
    const job = await dualRunJob('run-after-dual');
    const { pair, user } = job;
    const folders = [{ path: 'INBOX' }, { path: 'Projects' }];
    await seedMessages(pair.source, user.user, user.password, mail('base', 40, (i) => (i % 4 ? 'INBOX' : 'Projects')), { folders });
    for (const args of [['sync'], ['dual-run', '--once']]) {
      const r = await job.cli(args, { timeoutMs: 180_000 });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    // The source lives on: 6 new messages, 3 moved from INBOX into Projects.
    await seedMessages(pair.source, user.user, user.password, mail('late', 6, () => 'INBOX'), { folders });
    const c = await openClient(pair.source, user.user, user.password);
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids = (await c.search({ all: true }, { uid: true })) || [];
      expect(await c.messageMove(uids.slice(0, 3).join(','), 'Projects', { uid: true })).toBeTruthy();
    } finally {
      lock.release();
    }
    await closeClient(c);

    const run = await job.cli(['run'], { timeoutMs: 300_000 });
    expect(run.stdout + run.stderr).not.toMatch(/verify found|internal error|\n\s+at /);
    expect(run.code, run.stdout + run.stderr).toBe(4);
    expect(run.stdout + run.stderr).toMatch(/caught up in one dual-run pass: 6 new message\(s\), 3 moved/);
    expect(run.stdout + run.stderr).toMatch(/choose the switch time/);

    const st = JSON.parse((await job.cli(['status', '--json'])).stdout) as { accounts: { folders: { source: string; destination: string; state: string }[] }[] };
    const where = new Map(st.accounts[0]!.folders.filter((f) => f.state === 'active').map((f) => [f.source, f.destination]));
    const [src, dst] = await Promise.all([readAll(pair.source, user.user, user.password, { hashOnly: true }), readAll(pair.destination, user.user, user.password, { hashOnly: true })]);
    expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
    expect(dst.reduce((n, f) => n + f.messages.length, 0)).toBe(46);
  }, 400_000);
});
