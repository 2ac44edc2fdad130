import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOf } from '../../src/copier/identity.js';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import type { VerifyResult } from '../../src/verify/result.js';
import { runCli } from '../support/cli.js';
import { closeClient, openClient, seedUser, usePair } from '../support/dovecot.js';

// A destination filled by something other than mailshift (no checkpoint): verify must pair the
// messages by identity alone and still catch a change made behind its back.
describe('verify without a checkpoint (independent scan)', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-verify-scan-'));
  const [user] = generateCorpus('tiny', 7);
  let config = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    // The same corpus on both sides, as a previous migration by another tool would leave it.
    await seedUser(pair.source, user!, { connections: 1 });
    await seedUser(pair.destination, user!, { connections: 1 });
    config = writeJobFiles({ dir, job: 'scan', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: [user!] }).configPath;
  });

  it('exits 0 when both sides hold the same messages, edge cases included', async () => {
    const r = await runCli(['verify', '--deep', '--config', config, '--json']);
    expect(r.stderr).not.toContain('mailshift:');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as VerifyResult;
    expect(result.clean).toBe(true);
    expect(result.totals.sourceMessages).toBe(user!.messageCount);
    expect(result.totals.matched).toBe(user!.messageCount);
    expect(result.folders.every((f) => f.method === 'scan')).toBe(true);
    expect(result.folders.map((f) => f.sourcePath)).toEqual(expect.arrayContaining(['INBOX', '客戶/2024', 'Projects/Q3 Reports']));
  });

  it('names the deleted, the duplicated and the re-flagged message, and only those', async () => {
    const dst = await openClient(pair.destination, user!.user, user!.password);
    const picked: { id: string; uid: number; raw: Buffer; flags: Set<string>; date: Date }[] = [];
    try {
      await dst.mailboxOpen('INBOX');
      const all: typeof picked = [];
      for await (const m of dst.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
        all.push({ id: identityOf(m.source!).messageId ?? '', uid: m.uid, raw: m.source!, flags: m.flags ?? new Set(), date: m.internalDate as Date });
      }
      // Three ordinary messages: a Message-ID that occurs once in the whole mailbox.
      const counts = new Map<string, number>();
      for (const u of user!.messages()) {
        const id = identityOf(u.raw).messageId ?? '';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      picked.push(...all.filter((m) => m.id && counts.get(m.id) === 1).slice(0, 3));
      expect(picked).toHaveLength(3);
      const [gone, dup, reflag] = picked as [(typeof picked)[0], (typeof picked)[0], (typeof picked)[0]];
      await dst.messageDelete(String(gone.uid), { uid: true });
      await dst.append('INBOX', dup.raw, [...dup.flags], dup.date);
      if (reflag.flags.has('\\Flagged')) await dst.messageFlagsRemove(String(reflag.uid), ['\\Flagged'], { uid: true });
      else await dst.messageFlagsAdd(String(reflag.uid), ['\\Flagged'], { uid: true });
    } finally {
      await closeClient(dst);
    }
    const [gone, dup, reflag] = picked;

    const deep = await runCli(['verify', '--deep', '--config', config, '--json']);
    expect(deep.code).toBe(3);
    const result = JSON.parse(deep.stdout) as VerifyResult;
    const diffs = result.folders.flatMap((f) => f.differences.map((d) => ({ folder: f.sourcePath, kind: d.kind, id: d.messageId, parts: d.parts })));
    expect(diffs).toEqual([
      { folder: 'INBOX', kind: 'missing', id: gone!.id, parts: undefined },
      { folder: 'INBOX', kind: 'duplicated', id: dup!.id, parts: undefined },
      { folder: 'INBOX', kind: 'altered', id: reflag!.id, parts: ['flags'] },
    ]);
    expect(deep.stderr).toContain('1 missing, 1 duplicated, 1 altered');

    // The human answer names the three messages on one screen.
    const human = await runCli(['verify', '--deep', '--config', config]);
    expect(human.code).toBe(3);
    for (const m of picked) expect(human.stdout).toContain(m.id);
    expect(human.stdout.split('\n').length).toBeLessThan(25);

    // Without --deep, flags are not compared: the deleted and the duplicated message remain.
    const quick = await runCli(['verify', '--config', config, '--json']);
    expect(quick.code).toBe(3);
    const q = JSON.parse(quick.stdout) as VerifyResult;
    expect(q.totals).toMatchObject({ missing: 1, duplicated: 1, altered: 0 });
  });

  it('does not call an account it could not log in to "verified"', async () => {
    const bad = writeJobFiles({
      dir: join(dir, 'bad'), job: 'scan-bad', domain: 'acme.test', source: pair.source, destination: pair.destination,
      accounts: [{ user: user!.user, password: 'wrong-password' }],
    }).configPath;
    const r = await runCli(['verify', '--config', bad]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`NOT COMPARED ${user!.user}`);
    expect(r.stdout).toContain('login refused');
    expect(r.stdout).not.toContain('wrong-password');
    expect(r.stderr).toContain('1 folder(s) it could not compare');
  });
});
