/**
 * Test harness entry point: real Dovecot servers for integration tests.
 *
 *   const pair = usePair({ appendLimit: 1_000_000 });   // at describe level: beforeAll/afterAll
 *   it('…', async () => { pair.source.port … });
 *
 * or, inside a test, `const pair = await startPair()` (stopped when the test finishes, pass or fail).
 * The implementation lives in src/sandbox/ so `mailshift demo` and the benchmark share it.
 */
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { startSandboxPair, type DovecotPair, type PairOptions } from '../../src/sandbox/pair.js';

export { dovecotAvailable, startDovecot, type DovecotServer, type StartDovecotOptions } from '../../src/sandbox/dovecot.js';
export { seedMessages, seedUser, type SeedMessage, type SeedFolder, type SeedResult, type SeedOptions } from '../../src/sandbox/seed.js';
export { seedMaildir, encodeMutf7 } from '../../src/sandbox/maildir.js';
export { readAll, snapshotDigest, digestHash, type FolderSnapshot, type SnapshotMessage, type ReadAllOptions } from '../../src/sandbox/read-all.js';
export { openClient, closeClient, wirePath, logicalPath } from '../../src/sandbox/imap-client.js';
export { startSandboxPair, type DovecotPair, type PairOptions } from '../../src/sandbox/pair.js';

/** Starts "source" and "destination" at once. Inside a test it is stopped when the test finishes. */
export async function startPair(opts: PairOptions = {}): Promise<DovecotPair> {
  const pair = await startSandboxPair(opts);
  try {
    onTestFinished(() => pair.stop());
  } catch {
    // Not inside a test (e.g. in beforeAll): the caller stops it (usePair does); the sandbox's
    // exit hook kills anything still running when the worker exits.
  }
  return pair;
}

/**
 * Describe-level helper: starts the pair in beforeAll and stops it in afterAll (also when a test
 * fails). Read `.source`/`.destination` inside tests or later hooks only.
 */
export function usePair(opts: PairOptions = {}): DovecotPair {
  let pair: DovecotPair | undefined;
  const need = (): DovecotPair => {
    if (!pair) throw new Error('usePair(): servers are not started yet (use them inside tests or later hooks)');
    return pair;
  };
  beforeAll(async () => {
    pair = await startSandboxPair(opts);
  });
  afterAll(async () => {
    await pair?.stop();
  });
  return {
    get source() {
      return need().source;
    },
    get destination() {
      return need().destination;
    },
    stop: async () => {
      await pair?.stop();
    },
  };
}
