import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { runCli } from '../support/cli.js';
import { digestHash, readAll, seedUser, usePair } from '../support/dovecot.js';

// `mailshift run` on a job without a planned switch: assess once, sync + verify, one dual-run
// pass, then the gate that asks for the switch time (exit 4); a second run assesses no more and
// copies nothing new. The whole path with a planned switch is in pipeline.test.ts.
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
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/step 1\/9: assess\n\s+verdict: go/);
    expect(r.stdout).toMatch(/step 2\/9: sync\n.*\n\s+verify: \d+ of \d+ message\(s\) matched; missing 0, duplicated 0/);
    expect(r.stdout).toContain('step 3/9: dual-run');
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^mailshift: the destination is current; choose the switch time: run "mailshift cutover plan --at [^"]+" \(or set cutover.at\), then "mailshift run" again$/);
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
    expect(r.code).toBe(4);
    expect(r.stdout).not.toContain('step ');
    expect(digestHash(await readAll(pair.destination, u.user, u.password))).toBe(before);
  });
});
