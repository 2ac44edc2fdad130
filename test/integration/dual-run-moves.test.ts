import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { destinationOf as destination, expectDestination, setUpMoves as setUp } from '../support/dualrun-scenario.js';

// Issue 13, "Done when" 1 (the scenario is in test/support/dualrun-scenario.ts): one
// `dual-run --once` per `deletes` mode, checked message by message; then SIGKILLs in the middle
// of the moves and further passes: everything exactly once.

describe('dual-run: moves and deletions', () => {
  for (const mode of ['keep', 'trash', 'propagate'] as const) {
    it(`one dual-run --once with deletes: ${mode} leaves every message where the rules say`, async () => {
      const s = await setUp();
      const args = ['dual-run', '--once', '--json', '--no-progress', '--config', s.config];
      if (mode === 'propagate') args.push('--propagate-deletes');
      if (mode === 'trash') args.push('--deletes', 'trash');
      const r = await runCli(args, { timeoutMs: 120_000 });
      expect(r.code, r.stderr).toBe(0);
      const pass = (JSON.parse(r.stdout) as { passes: Record<string, unknown>[] }).passes[0]!;
      expect(pass).toMatchObject({ copied: 20, moved: 5, expunged: 3, deletesApplied: mode === 'keep' ? 0 : 2, destinationKept: 1, complete: true, errors: [] });
      // Dovecot offers QRESYNC: what vanished came as VANISHED (EARLIER), no UID list was read.
      expect(pass).toMatchObject({ uidDiffFolders: 0 });
      expect(pass.qresyncFolders).toBeGreaterThanOrEqual(2);
      // 10 flag changes + 2 \Deleted, minus in1 whose destination change won.
      expect(pass.flagsApplied).toBe(11);
      expectDestination(s, await destination(s), mode);

      // Another pass changes nothing; its line says so (no terminal: on stderr).
      const again = await runCli(args.filter((a) => a !== '--json'), { timeoutMs: 120_000 });
      expect(again.code, again.stderr).toBe(0);
      const tail = mode === 'keep' ? '0 expunged on source \\(kept\\)' : `0 expunged on source, 0 ${mode === 'trash' ? 'moved to Trash' : 'expunged'} there`;
      expect(again.stderr).toMatch(new RegExp(`dual-run pass 1 at [\\d:]+ UTC: 0 new message\\(s\\), 0 moved, 0 new folder\\(s\\), 0 flag change\\(s\\) applied, 0 destination change\\(s\\) kept, ${tail}; `));
      expectDestination(s, await destination(s), mode);
    }, 240_000);
  }

  it('SIGKILL after a move reached the server, then before another was sent: the next pass applies each move exactly once', async () => {
    const s = await setUp();
    const args = ['dual-run', '--once', '--json', '--no-progress', '--config', s.config];
    const k1 = await runCli(args, { env: { MAILSHIFT_FAULT: 'dualrun-after-move:3' }, timeoutMs: 120_000 });
    expect(k1.signal).toBe('SIGKILL');
    const k2 = await runCli(args, { env: { MAILSHIFT_FAULT: 'dualrun-before-move:1' }, timeoutMs: 120_000 });
    expect(k2.signal).toBe('SIGKILL');
    const r = await runCli(args, { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expectDestination(s, await destination(s), 'keep');
    const store = Store.open(s.db, { readonly: true });
    try {
      const acts = store.dualRunActions.tally();
      // Five moves done; the one killed before its command was sent was dropped and done again.
      expect(acts).toEqual([
        { kind: 'move', state: 'abandoned', n: 1 },
        { kind: 'move', state: 'done', n: 5 },
      ]);
      expect(store.dualRunActions.counts().moved).toBe(5);
    } finally {
      store.close();
    }
    const again = await runCli(args, { timeoutMs: 120_000 });
    expect((JSON.parse(again.stdout) as { passes: Record<string, unknown>[] }).passes[0]).toMatchObject({ copied: 0, moved: 0, expunged: 0 });
    expectDestination(s, await destination(s), 'keep');
  }, 300_000);
});
