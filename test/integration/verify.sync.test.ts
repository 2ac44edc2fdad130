import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityOf } from '../../src/copier/identity.js';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import type { VerifyResult } from '../../src/verify/result.js';
import { runCli } from '../support/cli.js';
import { closeClient, digestHash, openClient, readAll, seedUser, usePair } from '../support/dovecot.js';

// The "done when": after a sync verify exits 0; after a message is deleted, a duplicate
// appended and flags changed on the destination behind mailshift's back, verify --deep exits 3
// and names exactly those three messages.
describe('verify after a sync (checkpoint fast path)', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-verify-sync-'));
  const users = generateCorpus('tiny', 3);
  let config = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    config = writeJobFiles({ dir, job: 'v', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users }).configPath;
    const sync = await runCli(['sync', '--config', config]);
    expect(sync.stderr).not.toContain('mailshift:');
    expect(sync.code).toBe(0);
  });

  it('exits 0 after the sync, pairing through the checkpoint, and changes nothing on either server', async () => {
    const u = users[0]!;
    const before = [digestHash(await readAll(pair.source, u.user, u.password)), digestHash(await readAll(pair.destination, u.user, u.password))];
    const r = await runCli(['verify', '--deep', '--config', config, '--json']);
    expect(r.stderr).not.toContain('mailshift:');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as VerifyResult;
    const expected = users.reduce((n, x) => n + x.messageCount, 0);
    expect(result.totals).toMatchObject({ accounts: users.length, sourceMessages: expected, destinationMessages: expected, matched: expected, missing: 0, duplicated: 0, altered: 0, errors: 0 });
    expect(result.folders.filter((f) => f.sourceCount > 0).every((f) => f.method === 'store')).toBe(true);
    expect(result.folders.every((f) => f.sourceDigest === f.destinationDigest)).toBe(true);
    const after = [digestHash(await readAll(pair.source, u.user, u.password)), digestHash(await readAll(pair.destination, u.user, u.password))];
    expect(after).toEqual(before);

    const human = await runCli(['verify', '--config', config]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('OK: every source message is in the destination exactly once');
  });

  it('names exactly the deleted, the duplicated and the re-flagged message', async () => {
    const u = users[1]!;
    const counts = new Map<string, number>();
    for (const m of u.messages()) {
      const id = identityOf(m.raw).messageId ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // Three ordinary messages in three different folders of the destination.
    const dst = await openClient(pair.destination, u.user, u.password);
    const picked: { folder: string; id: string; uid: number; raw: Buffer; flags: Set<string>; date: Date }[] = [];
    try {
      for (const folder of ['INBOX', 'INBOX.客戶.2024', 'INBOX.Archive']) {
        await dst.mailboxOpen(folder);
        for await (const m of dst.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
          const id = identityOf(m.source!).messageId ?? '';
          if (id && counts.get(id) === 1 && !picked.some((p) => p.folder === folder)) {
            picked.push({ folder, id, uid: m.uid, raw: m.source!, flags: m.flags ?? new Set(), date: m.internalDate as Date });
          }
        }
      }
      expect(picked.map((p) => p.folder)).toEqual(['INBOX', 'INBOX.客戶.2024', 'INBOX.Archive']);
      const [gone, dup, reflag] = picked as [(typeof picked)[0], (typeof picked)[0], (typeof picked)[0]];
      await dst.mailboxOpen(gone.folder);
      await dst.messageDelete(String(gone.uid), { uid: true });
      await dst.append(dup.folder, dup.raw, [...dup.flags], dup.date);
      await dst.mailboxOpen(reflag.folder);
      if (reflag.flags.has('\\Seen')) await dst.messageFlagsRemove(String(reflag.uid), ['\\Seen'], { uid: true });
      else await dst.messageFlagsAdd(String(reflag.uid), ['\\Seen'], { uid: true });
    } finally {
      await closeClient(dst);
    }

    const r = await runCli(['verify', '--deep', '--config', config, '--json']);
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout) as VerifyResult;
    const diffs = result.folders.flatMap((f) => f.differences.map((d) => ({ account: f.account, folder: f.sourcePath, kind: d.kind, id: d.messageId, parts: d.parts })));
    const order = ['missing', 'duplicated', 'altered'];
    diffs.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    expect(diffs).toEqual([
      { account: u.user, folder: 'INBOX', kind: 'missing', id: picked[0]!.id, parts: undefined },
      { account: u.user, folder: '客戶/2024', kind: 'duplicated', id: picked[1]!.id, parts: undefined },
      { account: u.user, folder: 'Archive', kind: 'altered', id: picked[2]!.id, parts: ['flags'] },
    ]);
    // The deleted one is explained through the checkpoint: it had been copied.
    const missing = result.folders.flatMap((f) => f.differences).find((d) => d.kind === 'missing')!;
    expect(missing.detail).toMatch(/was copied as destination UID \d+/);

    const human = await runCli(['verify', '--deep', '--config', config]);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('verify found 1 missing, 1 duplicated, 1 altered message(s)');
    for (const p of picked) expect(human.stdout).toContain(p.id);
  });
});
