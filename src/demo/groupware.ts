import { coerceError, FatalError } from '../errors.js';
import { seedGroupware } from '../sandbox/groupware-seed.js';
import { radicaleAvailable, startRadicale, type RadicaleServer } from '../sandbox/radicale.js';

// The demo's contacts and calendars: two Radicale servers (old and new system) on 127.0.0.1, the
// sample company's contacts and the shared company calendar (a weekly meeting with a moved
// occurrence and a public-holiday exception) in every person's account on the old one.

export interface DemoGroupware {
  source: RadicaleServer;
  destination: RadicaleServer;
  stop(): Promise<void>;
}

/** Undefined (with one line saying so) when Radicale is not installed: the demo goes on without it. */
export async function startDemoGroupware(users: { user: string; password: string }[], note: (line: string) => void): Promise<DemoGroupware | undefined> {
  if (!radicaleAvailable()) {
    note('  contacts and calendars: skipped, Radicale is not installed (Debian package "radicale")');
    return undefined;
  }
  note('starting two sandbox Radicale servers (contacts and calendars, source and destination) on 127.0.0.1; they stop when the demo ends, also with --keep');
  const [source, destination] = await Promise.all([startRadicale({ name: 'demo-source' }), startRadicale({ name: 'demo-destination' })]).catch((err: unknown) => {
    // radicale.ts imports only node: modules (no error family there): its failure is put in words here.
    throw new FatalError(`could not start the sandbox Radicale servers: ${coerceError(err).message}`, { cause: err });
  });
  const stop = async () => void (await Promise.all([source.stop(), destination.stop()]));
  try {
    for (const [i, u] of users.entries()) {
      source.addUser(u.user, u.password);
      destination.addUser(u.user, u.password);
      await seedGroupware(source.url, u.user, u.password, { contacts: 8, events: 5, seed: 100 + i, company: 'Acme Trading 亞洲貿易', calendarName: 'company/', calendarTitle: '公司日曆 Company calendar' });
    }
    note(`  filled ${users.length} people's contacts and the shared company calendar (weekly meeting, a public-holiday exception) on the source`);
    return { source, destination, stop };
  } catch (err) {
    await stop();
    note(`  contacts and calendars: skipped, the Radicale sandbox did not start (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}
