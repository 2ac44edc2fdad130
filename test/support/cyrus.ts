/**
 * Test harness entry point for Cyrus IMAP (the second real server). Cyrus is unpacked into a
 * private prefix by test/support/install-cyrus.sh; the implementation is src/sandbox/cyrus.ts.
 *
 *   const cyrus = await startCyrusServer({ name: 'dst', namespace: 'classic' }); // stopped after the test
 */
import { onTestFinished } from 'vitest';
import { startCyrus, type CyrusServer, type StartCyrusOptions } from '../../src/sandbox/cyrus.js';

export { cyrusAvailable, startCyrus, type CyrusServer, type StartCyrusOptions } from '../../src/sandbox/cyrus.js';

export async function startCyrusServer(opts: StartCyrusOptions): Promise<CyrusServer> {
  const s = await startCyrus(opts);
  try {
    onTestFinished(() => s.destroy());
  } catch {
    /* outside a test: the caller destroys it */
  }
  return s;
}
