import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startCyrusServer } from '../support/cyrus.js';
import { startPair } from '../support/dovecot.js';
import { DUAL_USER } from '../support/dualrun-fixture.js';
import { destinationOf, expectDestination, setUpMoves } from '../support/dualrun-scenario.js';

// Issue 12 / 13: the dual-run against the second real server. Dovecot -> Cyrus (classic INBOX.
// namespace with '.'): new messages, moves (into a folder created during the dual-run and out of
// one), flag changes, \Deleted and expunges carried, checked message by message, exactly once.

describe('dual-run Dovecot -> Cyrus', () => {
  for (const namespace of ['classic', 'alt'] as const) {
    it(`${namespace} namespace: one dual-run --once carries new mail, moves, flags and expunges exactly once; a second pass changes nothing`, async () => {
      const pair = await startPair();
      await pair.source.addUser(DUAL_USER.user, DUAL_USER.password);
      const cyrus = await startCyrusServer({ name: 'dst', namespace });
      await cyrus.addUser('alice', DUAL_USER.password);
      const s = await setUpMoves({ pair, destination: cyrus, destinationUser: 'alice', preset: 'generic', direct: cyrus });
      const args = ['dual-run', '--once', '--json', '--no-progress', '--config', s.config];
      const r = await runCli(args, { timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const pass = (JSON.parse(r.stdout) as { passes: Record<string, unknown>[] }).passes[0]!;
      expect(pass).toMatchObject({ copied: 20, moved: 5, expunged: 3, deletesApplied: 0, destinationKept: 1, complete: true, errors: [] });
      expect(pass.flagsApplied).toBe(11);
      expectDestination(s, await destinationOf(s), 'keep');
      const again = await runCli(args, { timeoutMs: 180_000 });
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { passes: Record<string, unknown>[] }).passes[0]).toMatchObject({ copied: 0, moved: 0, expunged: 0, flagsApplied: 0, complete: true });
      expectDestination(s, await destinationOf(s), 'keep');
    }, 420_000);
  }
});
