import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DavSession } from '../../src/groupware/dav.js';
import { Secret } from '../../src/secret.js';
import { runCli } from '../support/cli.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { spawnCli } from '../support/kill-loop.js';
import { seedGroupware, startRadicale, type RadicaleServer } from '../support/radicale.js';

// Issue 16: groupware sync over a bad link. The destination Radicale sits behind the fault proxy,
// which cuts a connection every 30-120 KB of mailshift's traffic (Radicale opens one per request); in the middle of the run the
// destination server stops and comes back on the same port. The one run completes (exit 0) and
// every object is on the destination exactly once, byte for byte.

const USERS = [
  { user: 'alice', password: 'alice-pw' },
  { user: 'bob', password: 'bob-pw' },
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function objects(url: string, user: string, password: string): Promise<Map<string, string>> {
  const dav = new DavSession(url, user, new Secret(password));
  const out = new Map<string, string>();
  for (const kind of ['addressbook', 'calendar'] as const) {
    for (const c of await dav.collections(await dav.discoverHome(kind))) {
      for (const item of await dav.list(c.href)) out.set(new URL(item.href).pathname, (await dav.get(item.href)).body.toString('base64'));
    }
  }
  return out;
}

describe('groupware sync under the fault proxy', () => {
  it('cuts every 30-120 KB and a destination restart mid-run: one run completes, every object exactly once', async () => {
    const source = await startRadicale({ name: 'fault-source' });
    const dstDir = mkdtempSync(join(tmpdir(), 'mailshift-radicale-fault-dst-'));
    let destination: RadicaleServer = await startRadicale({ name: 'fault-destination', baseDir: dstDir });
    onTestFinished(() => Promise.all([source.stop(), destination.stop()]).then(() => undefined));
    for (const s of [source, destination]) for (const u of USERS) s.addUser(u.user, u.password);
    await seedGroupware(source.url, 'alice', 'alice-pw', { contacts: 120, events: 80, attachmentBytes: 40_000, seed: 31 });
    await seedGroupware(source.url, 'bob', 'bob-pw', { contacts: 80, events: 60, seed: 32 });
    const proxy = await startFaultProxy(destination.port, { cutEveryClientBytes: [30_000, 120_000] });
    onTestFinished(() => proxy.close());

    const dir = mkdtempSync(join(tmpdir(), 'mailshift-gw-fault-'));
    const config = join(dir, 'mailshift.yaml');
    writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + USERS.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
    const imap = { preset: 'dovecot', host: '127.0.0.1', port: 1, tls: 'none', allowInsecure: true };
    writeFileSync(
      config,
      JSON.stringify({
        job: 'gw-fault',
        domain: 'acme.test',
        source: imap,
        destination: imap,
        accounts: 'accounts.csv',
        retry: { maxAttempts: 20, maxSeconds: 120 },
        groupware: { source: { url: source.url }, destination: { url: `http://127.0.0.1:${proxy.port}/` }, include: ['contacts', 'calendars', 'tasks'] },
      }),
    );

    const started = Date.now();
    const run = spawnCli(['groupware', 'sync', '--no-progress', '--config', config]);
    // Mid-run: once a third of the objects are there, the destination server stops for 2 s.
    const puts = () => destination.requests().filter((r) => r.method === 'PUT' && r.status < 300).length;
    while (puts() < 120 && run.child.exitCode === null) await sleep(100);
    expect(run.child.exitCode, 'the run ended before the restart').toBeNull();
    const port = destination.port;
    await destination.stop();
    await sleep(2000);
    destination = await startRadicale({ name: 'fault-destination', baseDir: dstDir, port });
    const r = await run.done;
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.out).toBe(0);
    expect(proxy.stats.cuts).toBeGreaterThanOrEqual(3);

    // The summary counts every object once, in the try that wrote it: the objects a try cut
    // short had written are not shown as "unchanged" by the try that finished.
    const said = /groupware: (\d+) object\(s\) copied, (\d+) updated, (\d+) found already there/.exec(r.out);
    expect(said, r.out).not.toBeNull();
    let total = 0;
    for (const u of USERS) {
      const [src, dst] = await Promise.all([objects(source.url, u.user, u.password), objects(destination.url, u.user, u.password)]);
      total += src.size;
      expect(src.size).toBeGreaterThan(100);
      expect([...dst.keys()].sort()).toEqual([...src.keys()].sort());
      expect(dst).toEqual(src);
    }
    expect(Number(said![1]) + Number(said![3])).toBe(total);
    // The link is mended before the user's own check (verify makes no retries of its own).
    proxy.plan.cutEveryClientBytes = undefined;
    const verify = await runCli(['groupware', 'verify', '--config', config], { timeoutMs: 120_000 });
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    console.log(`groupware under faults: ${proxy.stats.cuts} cuts over ${proxy.stats.connections} connections and a restart; one run in ${seconds.toFixed(1)} s`);
  }, 300_000);
});
