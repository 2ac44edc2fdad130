/**
 * Test harness entry point: real Radicale servers (Debian's package) for the groupware tests.
 * Inside a test the servers are stopped when it finishes, pass or fail.
 */
import { onTestFinished } from 'vitest';
import { startRadicale, type RadicaleServer } from '../../src/sandbox/radicale.js';

export { radicaleAvailable, startRadicale, type RadicaleServer } from '../../src/sandbox/radicale.js';
export { seedGroupware, contactCard, eventObject, putObject } from '../../src/sandbox/groupware-seed.js';

export async function startRadicalePair(users: { user: string; password: string }[]): Promise<{ source: RadicaleServer; destination: RadicaleServer }> {
  const [source, destination] = await Promise.all([startRadicale({ name: 'source' }), startRadicale({ name: 'destination' })]);
  for (const s of [source, destination]) for (const u of users) s.addUser(u.user, u.password);
  try {
    onTestFinished(() => Promise.all([source.stop(), destination.stop()]).then(() => undefined));
  } catch {
    // Outside a test: the caller stops them; the sandbox's exit hook kills what is left.
  }
  return { source, destination };
}
