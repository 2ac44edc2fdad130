import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { generateCorpus, type CorpusUser } from '../../src/corpus/index.js';
import { runDualRun } from '../../src/phases/dual-run.js';
import { runSync } from '../../src/phases/sync.js';
import { Store } from '../../src/store/store.js';
import type { AsyncJobStore } from '../../src/store/contract/async.js';
import { BIN, runCli } from '../support/cli.js';
import { jobContext } from '../support/job-context.js';
import {
  closeClient,
  openClient,
  readAll,
  seedMessages,
  seedUser,
  snapshotDigest,
  startPair,
  type DovecotPair,
  type FolderSnapshot,
} from '../support/dovecot.js';

// The dual-run delta loop against two live Dovecot servers ('/' + no prefix -> '.' + 'INBOX.'):
// after a sync, users keep working on both sides and each pass brings the destination up to date.

interface Job {
  dir: string;
  config: string;
}

function makeJob(pair: DovecotPair, users: { user: string; password: string }[]): Job {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-dual-run-'));
  const config = join(dir, 'mailshift.json');
  const server = (port: number) => ({ preset: 'dovecot', host: '127.0.0.1', port, tls: 'none', allowInsecure: true });
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
  writeFileSync(config, JSON.stringify({ job: 'dual-run-test', domain: 'acme.test', source: server(pair.source.port), destination: server(pair.destination.port), accounts: 'accounts.csv' }));
  return { dir, config };
}

const context = (job: Job) => jobContext(job.config);

async function seed(pair: DovecotPair): Promise<CorpusUser[]> {
  const users = generateCorpus('tiny');
  for (const u of users) {
    await pair.destination.addUser(u.user, u.password);
    await seedUser(pair.source, u);
  }
  return users;
}

/** Source digest with each folder renamed to where the sync maps it, so it compares with the destination's. */
async function mappedDigest(store: AsyncJobStore, user: string, src: FolderSnapshot[]): Promise<string[]> {
  const accountId = (await store.accounts()).find((a) => a.sourceUser === user)!.id;
  const where = new Map((await store.sync.folderPairs(accountId, 'forward')).filter((p) => p.state === 'active').map((p) => [p.sourceLogical, p.destinationLogical]));
  return snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` });
}

async function withClient<T>(server: DovecotPair['source'], u: { user: string; password: string }, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await openClient(server, u.user, u.password);
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}

/** Everything a user could see change on one server: bytes, flags, dates, UIDNEXT and HIGHESTMODSEQ. */
const fingerprint = (snap: FolderSnapshot[]) => snap.map((f) => ({ path: f.path, uidNext: f.uidNext, modseq: String(f.highestModseq), digest: snapshotDigest([f]) }));

const msg = (id: string, subject: string) =>
  Buffer.from(`Message-ID: <${id}@acme.test>\r\nFrom: Peter <p@acme.test>\r\nTo: staff@acme.test\r\nSubject: ${subject}\r\nDate: Mon, 02 Mar 2026 09:00:00 +0800\r\n\r\n${subject}\r\n`);

describe('dual-run', () => {
  it('keeps the destination current: new mail and folders once, source flag changes, destination changes win, source deletions kept, no-change pass writes nothing', async () => {
    const pair = await startPair();
    const users = await seed(pair);
    const [alice, bob] = users as [CorpusUser, CorpusUser];
    const job = makeJob(pair, users);
    const { ctx, close } = context(job);
    try {
      const sync = await runSync(ctx);
      expect(sync.complete, JSON.stringify(sync.accounts)).toBe(true);

      // (e) the first pass after a sync reads every flag (no watermark yet) and changes nothing.
      const before = await readAll(pair.destination, alice.user, alice.password, { hashOnly: true });
      const srcBefore = await readAll(pair.source, alice.user, alice.password, { hashOnly: true });
      const first = await runDualRun(ctx, { once: true });
      expect(first.passes).toHaveLength(1);
      expect(first.passes[0]).toMatchObject({ copied: 0, newFolders: 0, flagsApplied: 0, destinationKept: 0, sourceDeleted: 0, complete: true, errors: [] });
      expect(first.complete).toBe(true);
      expect(fingerprint(await readAll(pair.destination, alice.user, alice.password, { hashOnly: true }))).toEqual(fingerprint(before));
      expect(fingerprint(await readAll(pair.source, alice.user, alice.password, { hashOnly: true }))).toEqual(fingerprint(srcBefore));
      expect(snapshotDigest(before)).toEqual(await mappedDigest(ctx.store, alice.user, srcBefore));

      // Users at work on both sides.
      const inbox = srcBefore.find((f) => f.path === 'INBOX')!.messages;
      // Messages unique by bytes (the corpus has byte-identical twins), read and not flagged.
      const count = (sha: string) => srcBefore.flatMap((f) => f.messages).filter((m) => m.sha256 === sha).length;
      const seen = inbox.filter((m) => m.flags.includes('\\Seen') && !m.flags.includes('\\Flagged') && count(m.sha256) === 1);
      expect(seen.length).toBeGreaterThanOrEqual(5);
      const [a, b, c, d, e] = seen as [(typeof seen)[0], (typeof seen)[0], (typeof seen)[0], (typeof seen)[0], (typeof seen)[0]];
      await withClient(pair.source, alice, async (cl) => {
        await cl.mailboxOpen('INBOX');
        await cl.messageFlagsAdd(String(a.uid), ['\\Flagged'], { uid: true }); // (b) add \Flagged
        await cl.messageFlagsRemove(String(b.uid), ['\\Seen'], { uid: true }); // (b) remove \Seen
        await cl.messageFlagsAdd(String(c.uid), ['$Project'], { uid: true }); // (b) add a keyword
        await cl.messageFlagsAdd(String(d.uid), ['\\Flagged', '$Source'], { uid: true }); // (c) also changed on the destination
        await cl.messageDelete(String(e.uid), { uid: true }); // (d) deleted on the source
      });
      // (c) the user marks d unread on the destination.
      const fp = (await ctx.store.sync.folderPairs((await ctx.store.accounts()).find((x) => x.sourceUser === alice.user)!.id, 'forward')).find((p) => p.sourceLogical === 'INBOX')!;
      const dRow = (await ctx.store.sync.messages(fp.id, fp.srcUidvalidity!, ['copied'])).find((r) => r.srcUid === d.uid)!;
      await withClient(pair.destination, alice, async (cl) => {
        await cl.mailboxOpen('INBOX');
        await cl.messageFlagsRemove(String(dRow.dstUid), ['\\Seen'], { uid: true });
      });
      // (a) new mail in INBOX and a new folder, for alice; a new message for bob too.
      await seedMessages(pair.source, alice.user, alice.password, [
        { folder: 'INBOX', raw: msg('new-1', 'new one'), flags: [], internalDate: new Date('2026-03-02T01:00:00Z') },
        { folder: 'INBOX', raw: msg('new-2', 'new two'), flags: ['\\Seen'], internalDate: new Date('2026-03-02T01:01:00Z') },
        { folder: '專案/New', raw: msg('new-3', 'in a new folder'), flags: ['$Label2'], internalDate: new Date('2026-03-02T01:02:00Z') },
      ]);
      await seedMessages(pair.source, bob.user, bob.password, [{ folder: 'INBOX', raw: msg('new-bob', 'for bob'), flags: [], internalDate: new Date('2026-03-02T02:00:00Z') }]);

      const second = await runDualRun(ctx, { once: true });
      const p2 = second.passes[0]!;
      expect(p2).toMatchObject({ copied: 4, flagsApplied: 3, destinationKept: 1, sourceDeleted: 1, complete: true, errors: [] });
      expect(p2.newFolders).toBeGreaterThanOrEqual(1); // '專案/New' (and '專案' if it is a folder of its own)

      const src = await readAll(pair.source, alice.user, alice.password, { hashOnly: true });
      const dst = await readAll(pair.destination, alice.user, alice.password, { hashOnly: true });
      const dInbox = dst.find((f) => f.path === 'INBOX')!.messages;
      // (d) the message deleted on the source is still on the destination, once.
      expect(src.flatMap((f) => f.messages).filter((m) => m.sha256 === e.sha256)).toHaveLength(0);
      expect(dInbox.filter((m) => m.sha256 === e.sha256)).toHaveLength(1);
      // (c) the destination's change won: d is unread there, without the source's new flags.
      const dCopy = dInbox.find((m) => m.uid === dRow.dstUid)!;
      expect(dCopy.sha256).toBe(d.sha256);
      expect(dCopy.flags).toEqual(d.flags.filter((f) => f !== '\\Seen'));
      expect(src.find((f) => f.path === 'INBOX')!.messages.find((m) => m.uid === d.uid)!.flags).toEqual([...d.flags, '$Source', '\\Flagged'].sort());
      expect((await ctx.store.events({ kind: 'dualrun-kept-destination' })).map((x) => x.message).join('\n')).toMatch(/changed on the destination; kept its flags/);
      // (a)+(b) apart from d and e, the destination equals the source: new mail exactly once, flags propagated.
      const without = (lines: string[]) => lines.filter((l) => !l.includes(`\t${d.sha256}\t`) && !l.includes(`\t${e.sha256}\t`));
      expect(without(snapshotDigest(dst))).toEqual(without(await mappedDigest(ctx.store, alice.user, src)));
      expect(dst.find((f) => f.path === '專案/New')?.messages.map((m) => m.flags)).toEqual([['$Label2']]);
      const flagsOf = async (uid: number) => {
        const row = (await ctx.store.sync.messages(fp.id, fp.srcUidvalidity!, ['copied'])).find((r) => r.srcUid === uid)!;
        return dInbox.find((m) => m.uid === row.dstUid)!.flags;
      };
      expect(await flagsOf(a.uid)).toEqual([...a.flags, '\\Flagged'].sort());
      expect(await flagsOf(b.uid)).toEqual(b.flags.filter((f) => f !== '\\Seen'));
      expect(await flagsOf(c.uid)).toEqual([...c.flags, '$Project'].sort());
      const bobDst = await readAll(pair.destination, bob.user, bob.password, { hashOnly: true });
      const bobSrc = await readAll(pair.source, bob.user, bob.password, { hashOnly: true });
      expect(snapshotDigest(bobDst)).toEqual(await mappedDigest(ctx.store, bob.user, bobSrc));

      // (e) a no-change pass (now through CONDSTORE watermarks) copies nothing and changes nothing.
      const dstFp = fingerprint(dst);
      const srcFp = fingerprint(src);
      const third = await runDualRun(ctx, { once: true });
      expect(third.passes[0]).toMatchObject({ copied: 0, newFolders: 0, flagsApplied: 0, destinationKept: 0, sourceDeleted: 0, complete: true });
      // Every source folder was skipped on its LIST-STATUS alone.
      const folders = (await ctx.store.sync.folderPairs(undefined, 'forward')).filter((p) => p.state === 'active' && p.srcUidvalidity !== null).length;
      expect(third.passes[0]!.unchangedFolders).toBe(folders);
      expect(fingerprint(await readAll(pair.destination, alice.user, alice.password, { hashOnly: true }))).toEqual(dstFp);
      expect(fingerprint(await readAll(pair.source, alice.user, alice.password, { hashOnly: true }))).toEqual(srcFp);
      console.log(`no-change pass: ${third.passes[0]!.seconds.toFixed(3)} s (sync step ${third.passes[0]!.syncSeconds.toFixed(3)} s), 2 accounts, ${folders} folders`);

      // The source changes d again: the destination still wins (reported once per source change).
      await withClient(pair.source, alice, async (cl) => {
        await cl.mailboxOpen('INBOX');
        await cl.messageFlagsRemove(String(d.uid), ['$Source'], { uid: true });
      });
      const fourth = await runDualRun(ctx, { once: true });
      expect(fourth.passes[0]).toMatchObject({ flagsApplied: 0, destinationKept: 1, sourceDeleted: 0 });
      const dAfter = (await readAll(pair.destination, alice.user, alice.password, { hashOnly: true })).find((f) => f.path === 'INBOX')!.messages.find((m) => m.uid === dRow.dstUid)!;
      expect(dAfter.flags).toEqual(d.flags.filter((f) => f !== '\\Seen'));

      // Every pass is in the store, with a phase_runs row per invocation.
      const runs = await ctx.store.phaseRuns('dual-run');
      expect(runs).toHaveLength(4);
      expect(runs.map((r) => r.outcome)).toEqual(['complete', 'complete', 'complete', 'complete']);
      expect((await ctx.store.dualRun.passes()).map((p) => [p.copied, p.flagsApplied, p.destinationKept, p.sourceDeleted])).toEqual([
        [0, 0, 0, 0],
        [4, 3, 1, 1],
        [0, 0, 0, 0],
        [0, 0, 1, 0],
      ]);
    } finally {
      close();
    }
  }, 180_000);

  it('through the built CLI: dual-run --once --json after a sync copies new mail once; bad flags are one line and exit 2', async () => {
    const pair = await startPair();
    const users = await seed(pair);
    const job = makeJob(pair, users);
    const run = (args: string[]) => runCli([...args, '--config', job.config], { timeoutMs: 120_000 });

    const sync = await run(['sync', '--json', '--no-progress']);
    expect(sync.code, sync.stderr).toBe(0);
    const alice = users[0]!;
    await seedMessages(pair.source, alice.user, alice.password, [{ folder: 'INBOX', raw: msg('cli-1', 'via cli'), flags: ['\\Flagged'], internalDate: new Date('2026-03-03T00:00:00Z') }]);
    // Changes before the first pass: with no watermark yet it reads every FLAGS (the non-CONDSTORE path).
    const srcBefore = await readAll(pair.source, alice.user, alice.password, { hashOnly: true });
    const all = srcBefore.flatMap((f) => f.messages);
    const [x, y] = srcBefore.find((f) => f.path === 'INBOX')!.messages.filter((m) => !m.flags.includes('$Urgent') && all.filter((o) => o.sha256 === m.sha256).length === 1);
    await withClient(pair.source, alice, async (cl) => {
      await cl.mailboxOpen('INBOX');
      await cl.messageFlagsAdd(String(x!.uid), ['$Urgent'], { uid: true });
      await cl.messageDelete(String(y!.uid), { uid: true });
    });

    const r = await run(['dual-run', '--once', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { passes: { copied: number; flagsApplied: number; sourceDeleted: number; complete: boolean; errors: string[] }[]; complete: boolean; totals: { copied: number } };
    expect(out.passes).toHaveLength(1);
    expect(out.passes[0]).toMatchObject({ copied: 1, flagsApplied: 1, sourceDeleted: 1, complete: true, errors: [] });
    expect(out.complete).toBe(true);
    const dst = await readAll(pair.destination, alice.user, alice.password);
    const dInbox = dst.find((f) => f.path === 'INBOX')!.messages;
    expect(dInbox.filter((m) => m.raw.includes('<cli-1@acme.test>')).map((m) => m.flags)).toEqual([['\\Flagged']]);
    expect(dInbox.filter((m) => m.sha256 === x!.sha256).map((m) => m.flags)).toEqual([[...x!.flags, '$Urgent'].sort()]);
    expect(dInbox.filter((m) => m.sha256 === y!.sha256)).toHaveLength(1);

    // Without --json and without a terminal: a line per pass on stderr, the summary on stdout.
    const again = await run(['dual-run', '--once', '--accounts', alice.user]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/dual-run pass 1 at \d\d:\d\d:\d\d UTC: 0 new message\(s\), 0 moved, 0 new folder\(s\), 0 flag change\(s\) applied, 0 destination change\(s\) kept, 0 expunged on source \(kept\); [\d.]+ s\n/);
    expect(again.stdout).toMatch(/^dual-run: 1 pass\(es\); 0 new message\(s\)/);

    const bad = await run(['dual-run', '--for', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['mailshift: --for: "soon" is not a duration (use e.g. 72h, 90m, 2d or seconds)']);
    const badInterval = await run(['dual-run', '--once', '--interval', '0']);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toMatch(/^mailshift: --interval: "0" is not a whole number of seconds/);

    // --for: passes every --interval seconds until the time is up, then exit 0.
    const t0 = Date.now();
    const timed = await run(['dual-run', '--for', '4s', '--interval', '1', '--json']);
    const took = (Date.now() - t0) / 1000;
    expect(timed.code, timed.stderr).toBe(0);
    const passes = (JSON.parse(timed.stdout) as typeof out).passes;
    expect(passes.length).toBeGreaterThanOrEqual(3);
    expect(passes.length).toBeLessThanOrEqual(5);
    expect(passes.every((p) => p.copied === 0 && p.complete)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(4);

    // Ctrl-C: ends after the pass in flight, exit 0, "stopped; run `mailshift dual-run` to continue".
    const child = spawn(process.execPath, [BIN, 'dual-run', '--interval', '1', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no pass line: ${stderr}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/dual-run pass 2 /.test(stderr)) (clearTimeout(timer), res());
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/\nstopped; run `mailshift dual-run` to continue\n$/);
    const health = await run(['health']);
    expect(health.code).toBe(1);
    expect(health.stdout).toMatch(/^dual-run: stopped - dual-run was stopped \d+ s ago \(run `mailshift dual-run` to continue\)/);
    const store = Store.open(join(job.dir, 'dual-run-test.mailshift.db'), { readonly: true });
    try {
      expect(store.lastPhaseRun('dual-run')?.outcome).toBe('complete');
      expect(store.lockHolder()).toBeUndefined();
    } finally {
      store.close();
    }
  }, 180_000);
  it('--once exits 3 when a pass is incomplete (one account cannot log in); the other account is still brought up to date', async () => {
    const pair = await startPair();
    const users = await seed(pair);
    const [alice, bob] = users as [CorpusUser, CorpusUser];
    const job = makeJob(pair, [alice, { user: bob.user, password: bob.password }]);
    // Bob's destination password is wrong in the accounts file.
    writeFileSync(join(job.dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${alice.user},${alice.password},${alice.user},${alice.password}\n${bob.user},${bob.password},${bob.user},wrong-password\n`);
    const r = await runCli(['dual-run', '--once', '--json', '--config', job.config], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual(['mailshift: dual-run: the last pass was incomplete (see its errors above and "mailshift status"); run dual-run again to continue']);
    expect(r.stderr).not.toContain('wrong-password');
    const out = JSON.parse(r.stdout) as { complete: boolean; passes: { complete: boolean; errors: string[]; copied: number }[] };
    expect(out.complete).toBe(false);
    expect(out.passes[0]!.complete).toBe(false);
    expect(out.passes[0]!.errors.some((e) => e.startsWith(`${bob.user}: `))).toBe(true);
    expect(out.passes[0]!.errors.join('\n')).not.toContain('wrong-password');
    expect(out.passes[0]!.errors.some((e) => e.startsWith(`${alice.user}: `))).toBe(false);
    // Alice's mail was copied by the pass (it runs the sync first).
    expect(out.passes[0]!.copied).toBe(alice.messageCount);
    const store = Store.open(join(job.dir, 'dual-run-test.mailshift.db'), { readonly: true });
    try {
      expect(store.lastPhaseRun('dual-run')?.outcome).toBe('incomplete');
    } finally {
      store.close();
    }
  }, 180_000);
});
