import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import type { DeletesMode } from '../../src/config/dualrun-schema.js';
import { runDualRun } from '../../src/phases/dual-run.js';
import { runSync } from '../../src/phases/sync.js';
import { DualRunActionsStore } from '../../src/store/dualrun-actions-store.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { closeClient, openClient, readAll, seedMessages, startPair, type DovecotPair, type SeedMessage } from '../support/dovecot.js';
import { jobContext } from '../support/job-context.js';

// Issue 13, "Done when" 1: after a sync, on the source 20 new messages, 5 moves between folders
// (into a folder created during this dual-run step, out of one created earlier in the dual-run,
// and between folders the sync copied), 3 expunges, \Deleted on 2, flag changes on 10; on the
// destination the user changes the flags of one of the flag-changed messages and of one of the
// expunged ones. One `dual-run --once` per `deletes` mode, checked message by message; then
// SIGKILLs in the middle of the moves and further passes: everything exactly once.

const USER = { user: 'alice@acme.test', password: 'alice-pw' };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const raw = (name: string, n: number) =>
  Buffer.from(
    `Message-ID: <${name}@acme.test>\r\nFrom: Peter <p@acme.test>\r\nTo: alice@acme.test\r\nSubject: ${name}\r\nDate: Mon, 02 Mar 2026 09:${String(n % 60).padStart(2, '0')}:00 +0800\r\n\r\nbody of ${name}\r\n`,
  );

interface Expect {
  folder: string;
  flags: string[];
}

interface Scenario {
  pair: DovecotPair;
  dir: string;
  config: string;
  /** sha256 -> message name */
  names: Map<string, string>;
  /** What the destination must hold afterwards, by message name (absent: nowhere). */
  expected: Map<string, Expect>;
  /** The three expunged: e1/e2 untouched on the destination, e3 changed there by the user. */
  expunged: { untouched: string[]; touched: string; touchedFlags: string[]; folderOf: Map<string, Expect> };
}

async function withClient<T>(server: DovecotPair['source'], fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await openClient(server, USER.user, USER.password);
  try {
    return await fn(c);
  } finally {
    await closeClient(c);
  }
}

/** Source UID of a named message in a folder. */
async function uidOf(c: ImapFlow, folder: string, name: string): Promise<number> {
  await c.mailboxOpen(folder);
  const r = await c.search({ header: { 'message-id': `<${name}@acme.test>` } }, { uid: true });
  if (!r || r.length !== 1) throw new Error(`${name} not found once in ${folder}`);
  return r[0]!;
}

async function setUp(): Promise<Scenario> {
  const pair = await startPair();
  await pair.source.addUser(USER.user, USER.password);
  await pair.destination.addUser(USER.user, USER.password);
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-dual-moves-'));
  const config = join(dir, 'mailshift.json');
  const server = (port: number) => ({ preset: 'dovecot', host: '127.0.0.1', port, tls: 'none', allowInsecure: true });
  writeFileSync(join(dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${USER.user},${USER.password},${USER.user},${USER.password}\n`);
  writeFileSync(config, JSON.stringify({ job: 'moves', domain: 'acme.test', source: server(pair.source.port), destination: server(pair.destination.port), accounts: 'accounts.csv' }));

  const names = new Map<string, string>();
  const expected = new Map<string, Expect>();
  let n = 0;
  const make = (name: string, folder: string, flags: string[]): SeedMessage => {
    const r = raw(name, n++);
    names.set(sha(r), name);
    expected.set(name, { folder, flags: [...flags].sort() });
    return { folder, raw: r, flags, internalDate: new Date(Date.UTC(2026, 2, 2, 1, n)) };
  };
  const initial: SeedMessage[] = [];
  for (let i = 1; i <= 30; i++) initial.push(make(`in${i}`, 'INBOX', i % 3 ? ['\\Seen'] : []));
  for (let i = 1; i <= 10; i++) initial.push(make(`ar${i}`, 'Archive', ['\\Seen']));
  await seedMessages(pair.source, USER.user, USER.password, initial);

  const { ctx, close } = jobContext(config);
  try {
    const sync = await runSync(ctx);
    expect(sync.complete, JSON.stringify(sync.accounts)).toBe(true);
    // Dual-run starts; a folder is created on the source with one message, and a pass copies it.
    await seedMessages(pair.source, USER.user, USER.password, [make('pj1', 'Projects', [])]);
    const p0 = await runDualRun(ctx, { once: true });
    expect(p0.passes[0]).toMatchObject({ copied: 1, moved: 0, expunged: 0, complete: true });
  } finally {
    close();
  }

  // The destination user flags f1 (one of the messages the source changes too) and e3 (one the source expunges).
  const dstFlag = async (name: string, flag: string) =>
    withClient(pair.destination, async (c) => {
      const uid = await uidOf(c, 'INBOX', name);
      await c.messageFlagsAdd(String(uid), [flag], { uid: true });
    });
  await dstFlag('in1', '$UserDest');
  await dstFlag('in30', '\\Flagged');

  await withClient(pair.source, async (c) => {
    // 5 moves: INBOX -> Archive (2), Archive -> INBOX, INBOX -> 客戶 (created now), Projects (created during dual-run) -> Archive.
    await c.mailboxCreate('客戶');
    const move = async (from: string, name: string, to: string) => {
      const uid = await uidOf(c, from, name);
      expect(await c.messageMove(String(uid), to, { uid: true })).toBeTruthy();
      expected.get(name)!.folder = to;
    };
    await move('INBOX', 'in10', 'Archive');
    await move('INBOX', 'in11', 'Archive');
    await move('Archive', 'ar1', 'INBOX');
    await move('INBOX', 'in12', '客戶');
    await move('Projects', 'pj1', 'Archive');
    // 3 expunges (in30 was changed on the destination by the user).
    for (const [f, name] of [['INBOX', 'in28'], ['INBOX', 'in29'], ['INBOX', 'in30']] as const) {
      const uid = await uidOf(c, f, name);
      expect(await c.messageDelete(String(uid), { uid: true })).toBe(true);
    }
    // \Deleted on 2 (not expunged).
    for (const name of ['in20', 'in21']) {
      const uid = await uidOf(c, 'INBOX', name);
      await c.messageFlagsAdd(String(uid), ['\\Deleted'], { uid: true });
      const e = expected.get(name)!;
      e.flags = [...e.flags, '\\Deleted'].sort();
    }
    // Flag changes on 10 (in1 .. in9, and ar2).
    for (const [f, name] of [...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ['INBOX', `in${i}`]), ['Archive', 'ar2']] as const) {
      const uid = await uidOf(c, f, name);
      const e = expected.get(name)!;
      if (e.flags.includes('\\Seen')) {
        await c.messageFlagsRemove(String(uid), ['\\Seen'], { uid: true });
        e.flags = e.flags.filter((x) => x !== '\\Seen');
      } else {
        await c.messageFlagsAdd(String(uid), ['\\Flagged', '$Work'], { uid: true });
        e.flags = [...e.flags, '$Work', '\\Flagged'].sort();
      }
    }
  });
  // The user's destination change wins over the source's for in1.
  // (in1 was seeded \Seen and the source removed it; the destination added $UserDest.)
  expected.get('in1')!.flags = ['$UserDest', '\\Seen'];
  // 20 new messages, in INBOX, Archive and the new folder.
  const fresh: SeedMessage[] = [];
  for (let i = 1; i <= 20; i++) fresh.push(make(`new${i}`, i <= 12 ? 'INBOX' : i <= 17 ? 'Archive' : '客戶', i % 2 ? [] : ['\\Seen']));
  await seedMessages(pair.source, USER.user, USER.password, fresh);

  const folderOf = new Map<string, Expect>();
  for (const name of ['in28', 'in29', 'in30']) {
    folderOf.set(name, { ...expected.get(name)! });
    expected.delete(name);
  }
  folderOf.get('in30')!.flags = [...folderOf.get('in30')!.flags, '\\Flagged'].sort();
  return { pair, dir, config, names, expected, expunged: { untouched: ['in28', 'in29'], touched: 'in30', touchedFlags: folderOf.get('in30')!.flags, folderOf } };
}

/** Destination contents by message name: every place it is, with its flags. */
async function destination(s: Scenario): Promise<Map<string, Expect[]>> {
  const out = new Map<string, Expect[]>();
  for (const f of await readAll(s.pair.destination, USER.user, USER.password, { hashOnly: true })) {
    for (const m of f.messages) {
      const name = s.names.get(m.sha256) ?? `(unknown ${m.sha256.slice(0, 8)})`;
      out.set(name, [...(out.get(name) ?? []), { folder: f.path, flags: m.flags }]);
    }
  }
  return out;
}

function expectDestination(s: Scenario, got: Map<string, Expect[]>, mode: DeletesMode): void {
  const want = new Map<string, Expect[]>([...s.expected].map(([k, v]) => [k, [v]]));
  const { untouched, touched, folderOf } = s.expunged;
  for (const name of untouched) {
    const e = folderOf.get(name)!;
    if (mode === 'keep') want.set(name, [e]);
    else if (mode === 'trash') want.set(name, [{ folder: 'Trash', flags: e.flags }]);
  }
  // The copy the user changed on the destination stays where it was, in every mode.
  want.set(touched, [folderOf.get(touched)!]);
  const sortMap = (m: Map<string, Expect[]>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.map((x) => `${x.folder} ${x.flags.join(' ')}`).sort()]);
  expect(sortMap(got)).toEqual(sortMap(want));
}

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
    const store = Store.open(join(s.dir, 'moves.mailshift.db'), { readonly: true });
    try {
      const acts = new DualRunActionsStore(store).tally();
      // Five moves done; the one killed before its command was sent was dropped and done again.
      expect(acts).toEqual([
        { kind: 'move', state: 'abandoned', n: 1 },
        { kind: 'move', state: 'done', n: 5 },
      ]);
      expect(new DualRunActionsStore(store).counts().moved).toBe(5);
    } finally {
      store.close();
    }
    const again = await runCli(args, { timeoutMs: 120_000 });
    expect((JSON.parse(again.stdout) as { passes: Record<string, unknown>[] }).passes[0]).toMatchObject({ copied: 0, moved: 0, expunged: 0 });
    expectDestination(s, await destination(s), 'keep');
  }, 300_000);
});
