/**
 * Issue 13's "Done when" scenario, shared by the dual-run move tests (Dovecot, the capability
 * proxy's profiles, Cyrus): after a sync, on the source 20 new messages, 5 moves between folders
 * (into a folder created during this dual-run step, out of one created earlier in the dual-run,
 * and between folders the sync copied), 3 expunges, \Deleted on 2, flag changes on 10; on the
 * destination the user changes the flags of one of the flag-changed messages and of one of the
 * expunged ones. Then the destination is read message by message and compared with the rules.
 */
import { createHash } from 'node:crypto';
import type { ImapFlow } from 'imapflow';
import { expect } from 'vitest';
import type { DeletesMode } from '../../src/config/dualrun-schema.js';
import { runDualRun } from '../../src/phases/dual-run.js';
import { runSync } from '../../src/phases/sync.js';
import { closeClient, openClient, readAll, seedMessages, type DovecotPair, type SeedMessage } from './dovecot.js';
import { dualRunJob, type DualRunJobOptions } from './dualrun-fixture.js';
import { jobContext } from './job-context.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const raw = (name: string, n: number) =>
  Buffer.from(
    `Message-ID: <${name}@acme.test>\r\nFrom: Peter <p@acme.test>\r\nTo: alice@acme.test\r\nSubject: ${name}\r\nDate: Mon, 02 Mar 2026 09:${String(n % 60).padStart(2, '0')}:00 +0800\r\n\r\nbody of ${name}\r\n`,
  );

export interface Expect {
  folder: string;
  flags: string[];
}

/** An IMAP server the test reads and writes directly (not through any proxy). */
export interface Direct {
  host: '127.0.0.1';
  port: number;
}

export interface Scenario {
  pair: DovecotPair;
  dir: string;
  config: string;
  db: string;
  /** sha256 -> message name */
  names: Map<string, string>;
  /** What the destination must hold afterwards, by message name (absent: nowhere). */
  expected: Map<string, Expect>;
  /** The five moved messages and where their destination copy was before the move. */
  movedFrom: Map<string, Expect>;
  /** The three expunged: e1/e2 untouched on the destination, e3 changed there by the user. */
  expunged: { untouched: string[]; touched: string; touchedFlags: string[]; folderOf: Map<string, Expect> };
  /** The destination as the test reads it (the real server behind any proxy). */
  destination: Direct;
  dstUser: string;
}

const USER = { user: 'alice@acme.test', password: 'alice-pw' };

async function withClient<T>(server: Direct, user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = await openClient(server, user, USER.password);
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

export interface ScenarioOptions extends DualRunJobOptions {
  /** The destination server the test reads and changes directly (default: the pair's destination). */
  direct?: Direct;
  /** Folder names as the destination shows them, from the source's (default: the same). */
  dstFolder?: (sourceFolder: string) => string;
}

export async function setUpMoves(opts: ScenarioOptions = {}): Promise<Scenario> {
  const job = await dualRunJob('moves', { ...opts, user: USER });
  const { pair, dir, config } = job;
  const direct = opts.direct ?? pair.destination;
  const dstUser = opts.destinationUser ?? USER.user;
  const dstFolder = opts.dstFolder ?? ((f: string) => f);

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

  // The destination user flags in1 (one of the messages the source changes too) and in30 (one the source expunges).
  const dstFlag = async (name: string, flag: string) =>
    withClient(direct, dstUser, async (c) => {
      const uid = await uidOf(c, dstFolder('INBOX'), name);
      await c.messageFlagsAdd(String(uid), [flag], { uid: true });
    });
  await dstFlag('in1', '$UserDest');
  await dstFlag('in30', '\\Flagged');

  const movedFrom = new Map<string, Expect>();
  await withClient(pair.source, USER.user, async (c) => {
    // 5 moves: INBOX -> Archive (2), Archive -> INBOX, INBOX -> 客戶 (created now), Projects (created during dual-run) -> Archive.
    await c.mailboxCreate('客戶');
    const move = async (from: string, name: string, to: string) => {
      const uid = await uidOf(c, from, name);
      expect(await c.messageMove(String(uid), to, { uid: true })).toBeTruthy();
      movedFrom.set(name, { ...expected.get(name)! });
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
  const map = (m: Map<string, Expect>) => {
    for (const e of m.values()) e.folder = dstFolder(e.folder);
  };
  map(expected);
  map(movedFrom);
  map(folderOf);
  return { pair, dir, config, db: job.db, names, expected, movedFrom, expunged: { untouched: ['in28', 'in29'], touched: 'in30', touchedFlags: folderOf.get('in30')!.flags, folderOf }, destination: direct, dstUser };
}

/** Destination contents by message name: every place it is, with its flags. */
export async function destinationOf(s: Scenario): Promise<Map<string, Expect[]>> {
  const out = new Map<string, Expect[]>();
  for (const f of await readAll(s.destination, s.dstUser, USER.password, { hashOnly: true })) {
    for (const m of f.messages) {
      const name = s.names.get(m.sha256) ?? `(unknown ${m.sha256.slice(0, 8)})`;
      out.set(name, [...(out.get(name) ?? []), { folder: f.path, flags: m.flags }]);
    }
  }
  return out;
}

/**
 * The destination must hold exactly what the rules say. `copyMark`: the destination offered
 * neither MOVE nor UIDPLUS, so each move left the old copy in place marked \Deleted (mailshift
 * never sends a plain EXPUNGE, which would also remove what the user marked).
 */
export function expectDestination(s: Scenario, got: Map<string, Expect[]>, mode: DeletesMode, opts: { copyMark?: boolean; trash?: string } = {}): void {
  const want = new Map<string, Expect[]>([...s.expected].map(([k, v]) => [k, [v]]));
  const { untouched, touched, folderOf } = s.expunged;
  for (const name of untouched) {
    const e = folderOf.get(name)!;
    if (mode === 'keep') want.set(name, [e]);
    else if (mode === 'trash') want.set(name, [{ folder: opts.trash ?? 'Trash', flags: e.flags }]);
  }
  // The copy the user changed on the destination stays where it was, in every mode.
  want.set(touched, [folderOf.get(touched)!]);
  if (opts.copyMark) for (const [name, from] of s.movedFrom) want.get(name)!.push({ folder: from.folder, flags: [...from.flags, '\\Deleted'].sort() });
  const sortMap = (m: Map<string, Expect[]>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.map((x) => `${x.folder} ${[...x.flags].sort().join(' ')}`).sort()]);
  expect(sortMap(got)).toEqual(sortMap(want));
}
