import { describe, expect, it, onTestFinished } from 'vitest';
import { Store } from '../../src/store/store.js';
import { startCapProxy, type CapProxy, type ProfileName } from '../support/cap-proxy.js';
import { runCli } from '../support/cli.js';
import { startPair } from '../support/dovecot.js';
import { DUAL_USER } from '../support/dualrun-fixture.js';
import { destinationOf, expectDestination, setUpMoves, type Scenario } from '../support/dualrun-scenario.js';

// Issue 13's moves scenario with the destination behind the capability-filtering proxy, so each
// fallback of a move is taken for real: UID COPY + UID EXPUNGE where the server has UIDPLUS but
// no MOVE, UID COPY + \Deleted where it has neither; UID MOVE under m365. Every case ends exactly
// once, checked message by message, and the proxy saw no command outside its profile.

async function behindProxy(profile: ProfileName, without: string[] = [], sourceProfile?: ProfileName): Promise<{ s: Scenario; proxy: CapProxy; sourceProxy?: CapProxy }> {
  const pair = await startPair();
  await pair.source.addUser(DUAL_USER.user, DUAL_USER.password);
  await pair.destination.addUser(DUAL_USER.user, DUAL_USER.password);
  const proxy = await startCapProxy(pair.destination, profile, { without });
  onTestFinished(() => proxy.close());
  const sourceProxy = sourceProfile ? await startCapProxy(pair.source, sourceProfile) : undefined;
  if (sourceProxy) onTestFinished(() => sourceProxy.close());
  const s = await setUpMoves({ pair, destination: proxy, ...(sourceProxy ? { source: sourceProxy } : {}), preset: 'generic', direct: pair.destination });
  return { s, proxy, ...(sourceProxy ? { sourceProxy } : {}) };
}

const passOf = (stdout: string) => (JSON.parse(stdout) as { passes: Record<string, unknown>[] }).passes[0]!;

function actions(s: Scenario) {
  const store = Store.open(s.db, { readonly: true });
  try {
    return {
      rows: store.dualRunActions.tallyByMethod(),
      moved: store.dualRunActions.counts().moved,
    };
  } finally {
    store.close();
  }
}

const args = (s: Scenario) => ['dual-run', '--once', '--json', '--no-progress', '--config', s.config];

describe('dual-run moves under provider profiles', () => {
  // The source is Dovecot itself (QRESYNC: expunges come as VANISHED) or Dovecot behind the gmail
  // profile (CONDSTORE without QRESYNC: the UID diff per changed folder stays).
  const cases: { title: string; profile: ProfileName; without: string[]; method: string; copyMark: boolean; sourceProfile?: ProfileName }[] = [
    { title: 'UIDPLUS but no MOVE (m365 without MOVE): UID COPY + UID EXPUNGE of exactly that UID; source expunges read as QRESYNC VANISHED', profile: 'm365', without: ['MOVE'], method: 'copy-expunge', copyMark: false },
    { title: 'neither MOVE nor UIDPLUS (minimal): UID COPY + \\Deleted on the old copy, never EXPUNGE; a source without QRESYNC (gmail) gets the UID diff', profile: 'minimal', without: [], method: 'copy-mark', copyMark: true, sourceProfile: 'gmail' },
  ];
  for (const c of cases) {
    it(c.title, async () => {
      const { s, proxy, sourceProxy } = await behindProxy(c.profile, c.without, c.sourceProfile);
      const r = await runCli(args(s), { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const pass = passOf(r.stdout);
      expect(pass).toMatchObject({ copied: 20, moved: 5, expunged: 3, deletesApplied: 0, destinationKept: 1, complete: true, errors: [] });
      if (sourceProxy) expect(pass).toMatchObject({ qresyncFolders: 0, uidDiffFolders: expect.any(Number) });
      else expect(pass).toMatchObject({ uidDiffFolders: 0, qresyncFolders: expect.any(Number) });
      expect(Number(sourceProxy ? pass.uidDiffFolders : pass.qresyncFolders)).toBeGreaterThanOrEqual(2);
      expectDestination(s, await destinationOf(s), 'keep', { copyMark: c.copyMark });
      expect(actions(s).rows).toEqual([{ kind: 'move', method: c.method, state: 'done', n: 5 }]);
      // The proxy answers BAD to what the profile lacks and records it: nothing was.
      expect(proxy.violations).toEqual([]);
      expect(proxy.commands.get('MOVE') ?? 0).toBe(0);
      expect(proxy.commands.get('COPY') ?? 0).toBeGreaterThanOrEqual(5);
      // UID EXPUNGE only with UIDPLUS, and one per move: never a folder-wide EXPUNGE.
      expect(proxy.commands.get('EXPUNGE') ?? 0).toBe(c.copyMark ? 0 : 5);

      // A second pass finds nothing to do and changes nothing.
      const again = await runCli(args(s), { timeoutMs: 180_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(passOf(again.stdout)).toMatchObject({ copied: 0, moved: 0, expunged: 0, complete: true });
      expectDestination(s, await destinationOf(s), 'keep', { copyMark: c.copyMark });
      expect(proxy.violations).toEqual([]);
      expect(sourceProxy?.violations ?? []).toEqual([]);
    }, 420_000);
  }

  for (const c of [
    { profile: 'm365' as ProfileName, without: [] as string[], method: 'move', faults: ['dualrun-after-move:3', 'dualrun-before-move:1'] },
    { profile: 'm365' as ProfileName, without: ['MOVE'], method: 'copy-expunge', faults: ['dualrun-after-copy:2', 'dualrun-before-move:1'] },
  ]) {
    it(`${c.profile}${c.without.length ? ` without ${c.without.join(',')}` : ''}: SIGKILL mid-pass (${c.faults.join(', then ')}) and another pass: each move applied exactly once`, async () => {
      const { s, proxy } = await behindProxy(c.profile, c.without);
      for (const f of c.faults) {
        const k = await runCli(args(s), { env: { MAILSHIFT_FAULT: f }, timeoutMs: 180_000 });
        expect(k.signal, k.stderr).toBe('SIGKILL');
      }
      const r = await runCli(args(s), { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      expectDestination(s, await destinationOf(s), 'keep');
      // Five moves done; the one killed before its command was sent was dropped and done again.
      const a = actions(s);
      expect(a.rows).toEqual([
        { kind: 'move', method: c.method, state: 'abandoned', n: 1 },
        { kind: 'move', method: c.method, state: 'done', n: 5 },
      ]);
      expect(a.moved).toBe(5);
      const again = await runCli(args(s), { timeoutMs: 180_000 });
      expect(again.code, again.stderr).toBe(0);
      expect(passOf(again.stdout)).toMatchObject({ copied: 0, moved: 0, expunged: 0 });
      expectDestination(s, await destinationOf(s), 'keep');
      expect(proxy.violations).toEqual([]);
    }, 480_000);
  }
});
