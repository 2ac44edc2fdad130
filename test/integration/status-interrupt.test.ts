import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { Store } from '../../src/store/store.js';
import { BIN, runCli, type CliResult } from '../support/cli.js';
import { readAll, seedUser, startPair } from '../support/dovecot.js';

// `status --json` tells the truth after a Ctrl-C mid-sync: its counts are the store's (read
// here through the store's own classes), verify's (which compares with the servers), and what
// the destination server really holds.

interface StatusJson {
  totals: { found: number; copied: number; pending: number; failed: number; skipped: number; remaining: number };
}
interface VerifyJson {
  clean: boolean;
  totals: { sourceMessages: number; destinationMessages: number; matched: number; missing: number; duplicated: number };
}

describe('status --json after a Ctrl-C mid-sync', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('gives the same counts as the store, as verify and as the destination server', async () => {
    const pair = await startPair();
    const users = generateCorpus('tiny', 33);
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    const total = users.reduce((n, u) => n + u.messageCount, 0);
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-status-int-'));
    dirs.push(dir);
    const { configPath } = writeJobFiles({ dir, job: 'statusint', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users });
    // 5 messages a second: the sync lasts ~12 s, so the Ctrl-C lands in the middle of it.
    const doc = parse(readFileSync(configPath, 'utf8')) as { destination: Record<string, unknown> };
    doc.destination.throttle = { messagesPerHour: 18_000 };
    writeFileSync(configPath, stringify(doc));

    // `run`, as the operator starts it: assess (whose inventory tells status what is still to
    // list), then sync, interrupted once a fifth of the mail is across.
    const child = spawn(process.execPath, [BIN, 'run', '--no-progress', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    const deadline = Date.now() + 120_000;
    while (!/step 2\/\d+: sync/.test(stdout)) {
      expect(Date.now(), `run never reached sync: ${stdout}${stderr}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (;;) {
      const s = await runCli(['status', '--json', '--config', configPath]);
      expect(s.code, s.stderr).toBe(0);
      if ((JSON.parse(s.stdout) as StatusJson).totals.copied >= total / 5) break;
      expect(Date.now(), 'the sync never got a fifth of the way').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 300));
    }
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);

    const status = JSON.parse((await runCli(['status', '--json', '--config', configPath])).stdout) as StatusJson;
    // The store, through its own classes, read-only.
    const store = Store.open(loadConfig(configPath).storePath, { readonly: true });
    const sync = store.sync;
    const fromStore = { found: 0, copied: 0, pending: 0, failed: 0, skipped: 0 };
    for (const fp of sync.folderPairs(undefined, 'forward')) {
      const c = sync.folderCounts(fp.id);
      for (const k of Object.keys(fromStore) as (keyof typeof fromStore)[]) fromStore[k] += c[k];
    }
    store.close();
    const v = await runCli(['verify', '--json', '--config', configPath]);
    expect(v.code).toBe(3);
    const verify = JSON.parse(v.stdout) as VerifyJson;
    let onDestination = 0;
    for (const u of users) onDestination += (await readAll(pair.destination, u.user, u.password, { hashOnly: true })).reduce((n, f) => n + f.messages.length, 0);

    console.log(`status after Ctrl-C: ${JSON.stringify(status.totals)}; store ${JSON.stringify(fromStore)}; verify ${JSON.stringify(verify.totals)}; on the destination ${onDestination} of ${total}`);
    expect(stdout).not.toMatch(/step 3\//);
    expect(status.totals.copied).toBeGreaterThan(0);
    expect(status.totals.copied).toBeLessThan(total);
    expect({ found: status.totals.found, copied: status.totals.copied, pending: status.totals.pending, failed: status.totals.failed, skipped: status.totals.skipped }).toEqual(fromStore);
    expect(verify.totals.sourceMessages).toBe(total);
    expect(verify.totals.matched).toBe(status.totals.copied);
    expect(verify.totals.destinationMessages).toBe(status.totals.copied);
    expect(verify.totals.missing).toBe(status.totals.remaining);
    expect(verify.totals.duplicated).toBe(0);
    expect(onDestination).toBe(status.totals.copied);
    expect(status.totals.copied + status.totals.remaining).toBe(total);
  }, 180_000);
});
