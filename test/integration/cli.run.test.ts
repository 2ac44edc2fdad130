import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { runCli } from '../support/cli.js';
import { digestHash, readAll, seedUser, usePair } from '../support/dovecot.js';

// `mailshift run`: assess once, sync, verify, then stop at the operator gate; a second run
// assesses no more and copies nothing new.
describe('mailshift run', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-run-'));
  const users = generateCorpus('tiny', 5);
  let config = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    config = writeJobFiles({ dir, job: 'run', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users }).configPath;
  });

  it('goes from nothing to a verified copy and stops at the gate', async () => {
    const r = await runCli(['run', '--config', config, '--no-progress']);
    expect(r.stderr).not.toContain('mailshift:');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/step 1\/3: assess \(read-only\)\n\s+verdict: go/);
    expect(r.stdout).toContain('step 3/3: verify');
    expect(r.stdout).toContain('Operator gate - next:');
    // The kit is regenerated at the gate; this self-hosted job has no kit.smtp, so it says why not.
    expect(r.stdout).toMatch(/staff kit not written: .*kit\.smtp is required/);
    for (const u of users) {
      const src = await readAll(pair.source, u.user, u.password);
      const dst = await readAll(pair.destination, u.user, u.password);
      expect(dst.reduce((n, f) => n + f.messages.length, 0)).toBe(u.messageCount);
      expect(src.reduce((n, f) => n + f.messages.length, 0)).toBe(u.messageCount);
    }
  });

  it('a second run does not assess again and copies nothing', async () => {
    const u = users[0]!;
    const before = digestHash(await readAll(pair.destination, u.user, u.password));
    const r = await runCli(['run', '--config', config, '--no-progress']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/step 1\/3: assess: done .* \(verdict go\)/);
    expect(r.stdout).toMatch(/sync: 0 messages/);
    expect(digestHash(await readAll(pair.destination, u.user, u.password))).toBe(before);
  });
});
