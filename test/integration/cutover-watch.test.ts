import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cutoverConfirm, cutoverFinalize, cutoverRollback, cutoverWatch } from '../../src/phases/cutover.js';
import { runSync } from '../../src/phases/sync.js';
import { DOMAIN, NEW_MX, recordCompleteSync, startCutoverWorld, type CutoverWorld, type TestContext } from '../support/cutover-fixture.js';
import { startDnsServer } from '../support/dns-server.js';
import { readAll, seedMessages, usePair, type FolderSnapshot } from '../support/dovecot.js';
import { startWebhookReceiver } from '../support/alert-receivers.js';
import { startDualRun } from '../support/dualrun-fixture.js';

// The propagation watch and the rollback against real servers: loopback DNS whose answers are
// switched during the watch, and a Dovecot source/destination pair synced by the real runSync.

const pair = usePair();
let w: CutoverWorld;
const open: TestContext[] = [];
let userSeq = 0;

beforeAll(async () => {
  w = await startCutoverWorld();
});
afterAll(async () => {
  await w.stop();
});
beforeEach(() => w.baseline());
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

const msg = (subject: string, date: Date, received?: string) =>
  Buffer.from(
    [
      ...(received ? [`Received: ${received}`] : []),
      `From: Sender <sender@example.net>`,
      `To: user@${DOMAIN}`,
      `Subject: ${subject}`,
      `Message-ID: <${subject.replace(/\W+/g, '-')}.${date.getTime()}@example.net>`,
      `Date: ${date.toUTCString()}`,
      '',
      `Body of ${subject}.`,
      '',
    ].join('\r\n'),
  );

const inbox = (snap: FolderSnapshot[]) => snap.find((f) => f.path === 'INBOX')!.messages.map((m) => m.raw.toString().match(/^Subject: (.*)$/m)![1]).sort();

/** A job on the Dovecot pair with one fresh user on each side, already fully synced. */
async function syncedJob(extra: Record<string, unknown> = {}): Promise<{ t: TestContext; user: string }> {
  const user = `u${++userSeq}`;
  // The new MX accepts the migrated address (confirm's gate probes RCPT for it).
  w.smtp.accept.add(`${user}@${DOMAIN}`);
  await pair.source.addUser(user, 'pw');
  await pair.destination.addUser(user, 'pw');
  const old = new Date(Date.now() - 30 * 86400_000);
  await seedMessages(pair.source, user, 'pw', [
    { folder: 'INBOX', raw: msg('before 1', old), flags: ['\\Seen'], internalDate: old },
    { folder: 'INBOX', raw: msg('before 2', old), flags: [], internalDate: old },
  ]);
  const server = (port: number) => ({ preset: 'dovecot', host: '127.0.0.1', port, tls: 'none', allowInsecure: true });
  const t = w.context({}, { config: { source: server(pair.source.port), destination: server(pair.destination.port), ...extra }, accounts: [[user, user]] });
  open.push(t);
  const first = await runSync(t.ctx);
  expect(first.complete).toBe(true);
  expect(first.copied).toBe(2);
  return { t, user };
}

const switchAuthoritative = () => {
  w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0, ttl: 300 }], w.auth);
};

describe('cutover watch', () => {
  it('reports the moment each resolver flips and copies mail that lands on the old server meanwhile', async () => {
    const { t, user } = await syncedJob();
    switchAuthoritative();
    const { confirmedAt } = await cutoverConfirm(t.ctx);

    const flips: Record<string, number> = {};
    const scenario = (async () => {
      await new Promise((r) => setTimeout(r, 400));
      const now = new Date();
      await seedMessages(pair.source, user, 'pw', [
        {
          folder: 'INBOX',
          raw: msg('late arrival', now, `from mta7.sender.test (mta7.sender.test [203.0.113.9])\r\n\tby ${'mx.oldmail.test'} with ESMTPS id 4711; ${now.toUTCString()}`),
          flags: [],
          internalDate: now,
        },
      ]);
      await new Promise((r) => setTimeout(r, 500));
      flips[w.resolvers[0]!] = Date.now();
      w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }], [w.resolvers[0]!]);
      await new Promise((r) => setTimeout(r, 700));
      flips[w.resolvers[1]!] = Date.now();
      w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }], [w.resolvers[1]!]);
    })();

    const res = await cutoverWatch(t.ctx, { untilPropagated: true, intervalMs: 100, syncEveryMs: 300, forMs: 60_000 });
    await scenario;
    expect(res.stoppedBy).toBe('propagated');
    expect(res.propagated).toBe(true);
    expect(res.deltaFailures).toEqual([]);
    expect(res.deltas).toBeGreaterThanOrEqual(2);

    // Each resolver's flip is recorded within a poll interval of the moment it really flipped.
    const servers = await t.ctx.store.cutover.servers();
    expect(servers.map((s) => [s.address, s.kind, s.state])).toEqual(
      expect.arrayContaining([...w.auth.map((a) => [a, 'authoritative', 'new']), ...w.resolvers.map((a) => [a, 'resolver', 'new'])]),
    );
    for (const r of w.resolvers) {
      const at = new Date(servers.find((s) => s.address === r)!.flippedAt!).getTime();
      expect(at).toBeGreaterThanOrEqual(flips[r]! - 5);
      expect(at).toBeLessThan(flips[r]! + 1000);
      expect(t.notes.some((n) => n.startsWith(`resolver ${r} flipped to the new MX at `))).toBe(true);
    }
    for (const a of w.auth) expect(new Date(servers.find((s) => s.address === a)!.flippedAt!).getTime()).toBeLessThan(flips[w.resolvers[0]!]!);
    // The live table was shown with the final state.
    expect(t.notes.some((n) => /MX propagation at .* \(4\/4 on the new MX\)/.test(n))).toBe(true);

    // The late message is in the destination exactly once, logged with its Received: trace.
    expect(inbox(await readAll(pair.destination, user, 'pw'))).toEqual(['before 1', 'before 2', 'late arrival']);
    const late = await t.ctx.store.cutover.lateMail();
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ direction: 'forward', account: user, receivedFrom: 'mta7.sender.test (mta7.sender.test [203.0.113.9])', receivedBy: 'mx.oldmail.test' });
    expect(t.notes.some((n) => n.includes('late mail for') && n.includes('via mta7.sender.test'))).toBe(true);
    expect(new Date(confirmedAt).getTime()).toBeLessThan(Date.now());
  });

  it('stops cleanly on Ctrl-C and resumes with the flips it already recorded', async () => {
    const { t } = await syncedJob();
    switchAuthoritative();
    await cutoverConfirm(t.ctx);
    setTimeout(() => t.abort.abort(), 600);
    const first = await cutoverWatch(t.ctx, { intervalMs: 100, syncEveryMs: 0, forMs: 60_000 });
    expect(first.stoppedBy).toBe('interrupt');
    expect(first.propagated).toBe(false);
    const before = await t.ctx.store.cutover.servers();
    const authFlip = before.find((s) => s.address === w.auth[0])!.flippedAt;
    expect(authFlip).toBeTruthy();
    expect((await t.ctx.store.lastPhaseRun('cutover'))?.outcome).toBe('interrupted');

    // Resume: everything flips now; the authoritative flip time is the one recorded before.
    w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }]);
    const t2 = { ...t, ctx: { ...t.ctx, signal: new AbortController().signal } };
    const second = await cutoverWatch(t2.ctx, { untilPropagated: true, intervalMs: 100, syncEveryMs: 0, forMs: 60_000 });
    expect(second.stoppedBy).toBe('propagated');
    expect((await t.ctx.store.cutover.servers()).find((s) => s.address === w.auth[0])!.flippedAt).toBe(authFlip);
  });

  it('does not wait for a resolver that never answers, and shows it in the table', async () => {
    const dead = await startDnsServer(1);
    const deadAddr = dead.ports[0]!.address;
    await dead.stop();
    const t = w.context({ dns: { resolvers: [...w.resolvers, deadAddr], authoritative: w.auth, timeoutMs: 200 } });
    await recordCompleteSync(t.ctx); // the gate's sync-parity check: this job has nothing to copy
    open.push(t);
    w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }]);
    await cutoverConfirm(t.ctx);
    const r = await cutoverWatch(t.ctx, { untilPropagated: true, intervalMs: 100, syncEveryMs: 0, forMs: 30_000 });
    expect(r.stoppedBy).toBe('propagated');
    const row = r.servers.find((s) => s.address === deadAddr)!;
    expect(row.state).toBe('error');
    expect(row.answer).toContain('no answer');
    expect(t.notes.some((n) => n.includes(deadAddr) && n.includes('error'))).toBe(true);
  });

  it('refuses to watch before the MX change is confirmed', async () => {
    const t = w.context();
    open.push(t);
    await expect(cutoverWatch(t.ctx, { syncEveryMs: 0 })).rejects.toThrow('the MX change is not confirmed yet');
  });
});

describe('cutover rollback', () => {
  it('copies messages that arrived in the destination after T back to the source exactly once', async () => {
    const { t, user } = await syncedJob();
    switchAuthoritative();
    const { confirmedAt } = await cutoverConfirm(t.ctx);
    const T = new Date(confirmedAt);
    // New mail delivered to the destination after T, plus an old message moved in by a user.
    const after = new Date(T.getTime() + 60_000);
    const longAgo = new Date(T.getTime() - 90 * 86400_000);
    await seedMessages(pair.destination, user, 'pw', [
      { folder: 'INBOX', raw: msg('after T 1', after), flags: [], internalDate: after },
      { folder: 'INBOX', raw: msg('after T 2', after), flags: ['\\Flagged'], internalDate: after },
      { folder: 'INBOX', raw: msg('imported old', longAgo), flags: [], internalDate: longAgo },
    ]);

    const first = await cutoverRollback(t.ctx);
    expect(first.plan[0]).toContain('FIRST: put the old MX hosts back into the MTA-STS policy');
    expect(first.plan[1]).toContain('Revert MX of acme.test to: 10 mx.oldmail.test');
    expect(first.reverse?.complete).toBe(true);
    expect(first.copiedBack).toBe(2);
    expect(inbox(await readAll(pair.source, user, 'pw'))).toEqual(['after T 1', 'after T 2', 'before 1', 'before 2']);

    const again = await cutoverRollback(t.ctx);
    expect(again.copiedBack).toBe(0);
    expect(inbox(await readAll(pair.source, user, 'pw'))).toEqual(['after T 1', 'after T 2', 'before 1', 'before 2']);
    const reverse = (await t.ctx.store.cutover.lateMail()).filter((l) => l.direction === 'reverse');
    expect(reverse).toHaveLength(2);
  });

  it('does not copy back late mail that a watch delta had copied forward after T', async () => {
    const { t, user } = await syncedJob();
    switchAuthoritative();
    const { confirmedAt } = await cutoverConfirm(t.ctx);
    const after = new Date(new Date(confirmedAt).getTime() + 60_000);
    // Mail that still reached the old server after T, copied forward by a delta (as watch does).
    await seedMessages(pair.source, user, 'pw', [{ folder: 'INBOX', raw: msg('late on old', after), flags: [], internalDate: after }]);
    expect((await runSync(t.ctx)).copied).toBe(1);
    await seedMessages(pair.destination, user, 'pw', [{ folder: 'INBOX', raw: msg('after T', after), flags: [], internalDate: after }]);
    const r = await cutoverRollback(t.ctx);
    expect(r.reverse?.complete).toBe(true);
    // The source already has "late on old": it must be there once, not twice.
    expect(inbox(await readAll(pair.source, user, 'pw'))).toEqual(['after T', 'before 1', 'before 2', 'late on old']);
  });

  it('--plan-only prints the plan and copies nothing; without confirm there is nothing to roll back', async () => {
    const { t, user } = await syncedJob();
    switchAuthoritative();
    const { confirmedAt } = await cutoverConfirm(t.ctx);
    const after = new Date(new Date(confirmedAt).getTime() + 60_000);
    await seedMessages(pair.destination, user, 'pw', [{ folder: 'INBOX', raw: msg('after T', after), flags: [], internalDate: after }]);
    const r = await cutoverRollback(t.ctx, { planOnly: true });
    expect(r.reverse).toBeUndefined();
    expect(r.plan.join('\n')).toContain('Revert MX of acme.test to: 10 mx.oldmail.test');
    expect(inbox(await readAll(pair.source, user, 'pw'))).toEqual(['before 1', 'before 2']);
    const fresh = w.context();
    open.push(fresh);
    await expect(cutoverRollback(fresh.ctx, { planOnly: true })).rejects.toThrow('nothing to roll back');
  });
});

describe('cutover watch and the dual-run heartbeat', () => {
  it('a dual-run killed during the watch is reported stalled by the watch and alerted once', async () => {
    const hooks = await startWebhookReceiver();
    try {
      process.env.MAILSHIFT_TEST_WATCH_HOOK = hooks.url('/hook');
      const { t } = await syncedJob({ dualRun: { intervalSeconds: 60, alerts: [{ type: 'webhook', url: 'env:MAILSHIFT_TEST_WATCH_HOOK' }] } });
      switchAuthoritative();
      await cutoverConfirm(t.ctx);
      // A real dual-run beside the watch, killed after its first pass (no clean stop).
      const { child, exited } = await startDualRun(t.configPath, { args: ['--no-progress'] });
      // While it runs, the watch has nothing to say about it.
      const quiet = await cutoverWatch(t.ctx, { intervalMs: 100, syncEveryMs: 0, forMs: 300 });
      expect(quiet.dualRun?.state).toBe('healthy');
      expect(t.notes.filter((n) => n.startsWith('dual-run:'))).toEqual([]);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const res = await cutoverWatch(t.ctx, { intervalMs: 100, syncEveryMs: 0, forMs: 600 });
      expect(res.dualRun?.state).toBe('stalled');
      const said = t.notes.filter((n) => n.startsWith('dual-run:'));
      // Said once (not every round), with the reason, and the alert went out.
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/^dual-run: stalled - the dual-run process \(pid \d+\) is gone; last heartbeat \d+ s ago, without a clean stop$/);
      expect(t.notes).toContain('alert sent: webhook ok');
      expect(hooks.requests).toHaveLength(1);
      expect(hooks.requests[0]!.body).toMatchObject({ source: 'mailshift', level: 'critical', title: 'dual-run stalled', key: expect.stringMatching(/^stalled:\d+$/) });
      // A later watch reports it again but does not alert twice for the same state.
      const again = await cutoverWatch(t.ctx, { intervalMs: 100, syncEveryMs: 0, forMs: 300 });
      expect(again.dualRun?.state).toBe('stalled');
      expect(t.notes.filter((n) => n.startsWith('dual-run:'))).toHaveLength(2);
      expect(hooks.requests).toHaveLength(1);
    } finally {
      delete process.env.MAILSHIFT_TEST_WATCH_HOOK;
      await hooks.stop();
    }
  }, 180_000);
});

describe('cutover finalize', () => {
  it('runs a last delta, freezes the checklist with its results and gives the advice for afterwards', async () => {
    const { t, user } = await syncedJob();
    switchAuthoritative();
    const { confirmedAt } = await cutoverConfirm(t.ctx);
    const after = new Date(new Date(confirmedAt).getTime() + 1000);
    await seedMessages(pair.source, user, 'pw', [{ folder: 'INBOX', raw: msg('very late', after, `from a.example.net by mx.oldmail.test; ${after.toUTCString()}`), flags: [], internalDate: after }]);
    const r = await cutoverFinalize(t.ctx);
    expect(r.delta.complete).toBe(true);
    expect(r.lateMail).toBe(1);
    expect(r.finalizedAt).not.toBe('');
    expect(inbox(await readAll(pair.destination, user, 'pw'))).toEqual(['before 1', 'before 2', 'very late']);
    // After a real sync the parity check reads the sync phase's own records.
    expect(r.checks.results.find((c) => c.id === 'sync-parity')).toMatchObject({ status: 'PASS' });
    expect(r.checks.results.find((c) => c.id === 'mx')).toMatchObject({ status: 'PASS' });
    expect(r.advice.join('\n')).toContain('Raise the MX TTL again');
    expect(r.advice.join('\n')).toContain('Remove the old SPF include (include:spf.oldmail.test)');
    expect(r.advice.join('\n')).toContain('read-only for 30 days');
    const json = JSON.parse(readFileSync(join(t.dir, 'cutover', 'checklist.json'), 'utf8')) as { frozen: boolean; checks: unknown[]; advice: string[] };
    expect(json.frozen).toBe(true);
    expect(json.checks.length).toBe(10);
    expect(existsSync(join(t.dir, 'cutover', 'checklist.html'))).toBe(true);
    const md = readFileSync(join(t.dir, 'cutover', 'checklist.md'), 'utf8');
    expect(md).toContain('frozen at finalize');
    expect(md).toMatch(/\| forward \| u\d+ \| INBOX \| 3 \| very-late\.\d+@example\.net \| a\.example\.net \| mx\.oldmail\.test \|/);
  });
});
