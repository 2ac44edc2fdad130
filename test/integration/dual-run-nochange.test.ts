import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { seedMaildir, startPair, type SeedMessage } from '../support/dovecot.js';

// Issue 13, "QRESYNC VANISHED where offered, otherwise a UID diff per folder, so a no-change pass
// stays cheap": five accounts of 400 small messages each, synced; then a dual-run pass with no change anywhere selects
// no folder, runs no UID diff and downloads nothing. Then an expunge and a move in one account:
// that pass reads them as QRESYNC VANISHED (Dovecot offers it), still with no UID diff. How long
// such a pass takes on the medium corpus is the benchmark's to measure (bench/), not this test's.

const ACCOUNTS = 5;
const PER_ACCOUNT = 400;
const FOLDERS = ['INBOX', 'Archive', 'Projects', 'Sent'];

function messages(user: string): SeedMessage[] {
  const out: SeedMessage[] = [];
  for (let i = 0; i < PER_ACCOUNT; i++) {
    const d = new Date(Date.UTC(2025, 0, 1, 0, 0, i));
    out.push({
      folder: FOLDERS[i % FOLDERS.length]!,
      raw: Buffer.from(`Message-ID: <n${i}.${user}>\r\nFrom: a@acme.test\r\nTo: ${user}\r\nSubject: message ${i}\r\nDate: ${d.toUTCString()}\r\n\r\nbody ${i}\r\n`),
      flags: i % 3 ? ['\\Seen'] : [],
      internalDate: d,
    });
  }
  return out;
}

describe('dual-run: a no-change pass', () => {
  it(`${ACCOUNTS} accounts x ${PER_ACCOUNT} messages: a no-change pass selects no folder and downloads nothing; one changed account logs in once per side; an expunge and a move come as QRESYNC VANISHED`, async () => {
    const pair = await startPair();
    const users = Array.from({ length: ACCOUNTS }, (_, i) => ({ user: `u${i}@acme.test`, password: `pw${i}` }));
    for (const u of users) {
      await pair.source.addUser(u.user, u.password);
      await pair.destination.addUser(u.user, u.password);
      await seedMaildir(pair.source, u.user, u.password, messages(u.user), { folders: FOLDERS.filter((f) => f !== 'INBOX').map((path) => ({ path })) });
    }
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-nochange-'));
    const config = join(dir, 'mailshift.json');
    const server = (port: number) => ({ preset: 'dovecot', host: '127.0.0.1', port, tls: 'none', allowInsecure: true, maxConnections: 5 });
    writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
    writeFileSync(config, JSON.stringify({ job: 'nochange', domain: 'acme.test', source: server(pair.source.port), destination: server(pair.destination.port), accounts: 'accounts.csv' }));
    const cli = (args: string[]) => runCli([...args, '--config', config], { timeoutMs: 600_000 });
    const sync = await cli(['sync', '--no-progress']);
    expect(sync.code, sync.stderr).toBe(0);
    // The first dual-run pass records the flag watermarks (a full FLAGS read per folder).
    const first = await cli(['dual-run', '--once', '--json', '--no-progress']);
    expect(first.code, first.stderr).toBe(0);

    type Pass = { copied: number; moved: number; expunged: number; flagsApplied: number; unchangedFolders: number; qresyncFolders: number; uidDiffFolders: number; seconds: number; complete: boolean };
    const logFile = join(dir, 'nochange.mailshift.log');
    const logBefore = readFileSync(logFile, 'utf8').length;
    const r = await cli(['dual-run', '--once', '--json', '--no-progress', '--log-level', 'debug']);
    expect(r.code, r.stderr).toBe(0);
    const p = (JSON.parse(r.stdout) as { passes: Pass[] }).passes[0]!;
    expect(p).toMatchObject({ copied: 0, moved: 0, expunged: 0, flagsApplied: 0, complete: true, qresyncFolders: 0, uidDiffFolders: 0 });
    // On the wire (the job log at debug level has every IMAP command): one login per account on
    // each side, one LIST-STATUS, and not one SELECT, EXAMINE, FETCH or SEARCH.
    const wire = readFileSync(logFile, 'utf8').slice(logBefore).trim().split('\n').map((l) => JSON.parse(l) as { component?: string; side?: string; msg?: string }).filter((l) => l.component === 'imap');
    const sent = (side: string, re: RegExp) => wire.filter((l) => l.side === side && re.test(l.msg ?? '')).length;
    for (const side of ['source', 'destination']) {
      expect(sent(side, /^User authenticated/), side).toBe(ACCOUNTS);
      expect(sent(side, /^[A-Za-z0-9.]+ (UID )?(SELECT|EXAMINE|FETCH|SEARCH|STATUS)\b/), side).toBe(0);
    }
    expect(sent('source', /^[A-Za-z0-9.]+ LIST "" "\*" RETURN \(STATUS/)).toBe(ACCOUNTS);
    // Every folder pair of every account was judged unchanged from LIST-STATUS alone.
    const st = await cli(['status', '--json']);
    const pairs = (JSON.parse(st.stdout) as { accounts: { folders: { direction: string; state: string }[] }[] }).accounts.flatMap((a) => a.folders.filter((f) => f.direction === 'forward' && f.state === 'active'));
    expect(pairs.length).toBeGreaterThanOrEqual(ACCOUNTS * FOLDERS.length);
    expect(p.unchangedFolders).toBe(pairs.length);

    // One account changed (a flag set and a message expunged in u1's INBOX): the pass's steps
    // share one session per side for it, so it logs in once per side like every quiet account,
    // the probe's sessions carrying its move, sync and flag steps.
    const { openClient, closeClient } = await import('../support/dovecot.js');
    const c1 = await openClient(pair.source, users[1]!.user, users[1]!.password);
    try {
      await c1.mailboxOpen('INBOX');
      const uids = (await c1.search({ all: true }, { uid: true })) || [];
      expect(await c1.messageFlagsAdd(String(uids[2]), ['\\Flagged'], { uid: true })).toBe(true);
      expect(await c1.messageDelete(String(uids[3]), { uid: true })).toBe(true);
    } finally {
      await closeClient(c1);
    }
    const oneBefore = readFileSync(logFile, 'utf8').length;
    const one = await cli(['dual-run', '--once', '--json', '--no-progress', '--log-level', 'debug']);
    expect(one.code, one.stderr).toBe(0);
    const o = (JSON.parse(one.stdout) as { passes: Pass[] }).passes[0]!;
    expect(o).toMatchObject({ copied: 0, moved: 0, expunged: 1, flagsApplied: 1, complete: true });
    const wire1 = readFileSync(logFile, 'utf8').slice(oneBefore).trim().split('\n').map((l) => JSON.parse(l) as { component?: string; side?: string; user?: string; msg?: string }).filter((l) => l.component === 'imap');
    const logins = (side: string, user?: string) => wire1.filter((l) => l.side === side && (user === undefined || l.user === user) && /^User authenticated/.test(l.msg ?? '')).length;
    for (const side of ['source', 'destination']) {
      expect(logins(side, users[1]!.user), `${side}: logins of the changed account`).toBe(1);
      expect(logins(side), `${side}: logins of the pass`).toBe(ACCOUNTS);
    }
    const d1 = await openClient(pair.destination, users[1]!.user, users[1]!.password);
    try {
      await d1.mailboxOpen('INBOX', { readOnly: true });
      const flagged = (await d1.search({ flagged: true }, { uid: true })) || [];
      expect(flagged.length).toBe(1);
    } finally {
      await closeClient(d1);
    }

    // One expunge and one move in u0: read through VANISHED, no UID diff anywhere.
    const c = await openClient(pair.source, users[0]!.user, users[0]!.password);
    try {
      await c.mailboxOpen('INBOX');
      const uids = (await c.search({ all: true }, { uid: true })) || [];
      expect(await c.messageDelete(String(uids[0]), { uid: true })).toBe(true);
      expect(await c.messageMove(String(uids[1]), 'Archive', { uid: true })).toBeTruthy();
    } finally {
      await closeClient(c);
    }
    const movedBefore = readFileSync(logFile, 'utf8').length;
    const changed = await cli(['dual-run', '--once', '--json', '--no-progress', '--log-level', 'debug']);
    expect(changed.code, changed.stderr).toBe(0);
    const q = (JSON.parse(changed.stdout) as { passes: Pass[] }).passes[0]!;
    expect(q).toMatchObject({ copied: 0, moved: 1, expunged: 1, uidDiffFolders: 0, complete: true });
    expect(q.qresyncFolders).toBeGreaterThanOrEqual(1);
    // u0's move step ran on its probe's sessions; the delta sync then turned the source session
    // into a bulk connection for the folder the move filled, which the flag step (imapflow) cannot
    // use: one more source login for u0, none on the destination, one per side for the others.
    const wire2 = readFileSync(logFile, 'utf8').slice(movedBefore).trim().split('\n').map((l) => JSON.parse(l) as { component?: string; side?: string; user?: string; msg?: string }).filter((l) => l.component === 'imap' && /^User authenticated/.test(l.msg ?? ''));
    const logins2 = (side: string, user: string) => wire2.filter((l) => l.side === side && l.user === user).length;
    expect(logins2('destination', users[0]!.user)).toBe(1);
    expect(logins2('source', users[0]!.user)).toBeLessThanOrEqual(2);
    for (const u of users.slice(1)) for (const side of ['source', 'destination']) expect(logins2(side, u.user), `${side} ${u.user}`).toBe(1);
    const v = await cli(['verify', '--json']);
    expect(v.code, v.stdout).toBe(0);
  }, 900_000);
});
