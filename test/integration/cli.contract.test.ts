import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';

// The command-line contract of DESIGN.md, checked through the built CLI as a user runs it.

const dir = mkdtempSync(join(tmpdir(), 'mailshift-cli-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const HEADER = 'source_user,source_password,destination_user,destination_password\n';
// Port 9 on loopback: nothing listens, so the sync fails fast with "cannot reach".
const config = (accounts: string, extra = '') => `job: cli-test
domain: acme.test
source: { host: 127.0.0.1, port: 9, tls: none, allowInsecure: true }
destination: { host: 127.0.0.1, port: 9, tls: none, allowInsecure: true }
accounts: ${accounts}
${extra}`;

function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

describe('command-line contract', () => {
  beforeAll(() => {
    write('good.csv', HEADER + 'a@acme.test,Sup3r-Secret-Src!,a@new.test,env:MAILSHIFT_CLI_DEST_PW\n');
  });

  it.each([
    ['missing config', () => join(dir, 'nope.yaml'), /^mailshift: nope\.yaml: config file not found/],
    ['unknown field', () => write('u.yaml', config('good.csv', 'colour: blue\n')), /^mailshift: u\.yaml: unknown setting colour$/],
    ['plaintext without allowInsecure', () => write('t.yaml', config('good.csv').replace('port: 9, tls: none, allowInsecure: true }\naccounts', 'port: 9, tls: none }\naccounts')), /destination\.tls is "none"/],
    ['missing accounts file', () => write('m.yaml', config('missing.csv')), /missing\.csv: accounts file not found/],
    ['empty CSV cell', () => (write('e.csv', HEADER + 'a@x,p,a@y,p\nb@x,p,,p\n'), write('e.yaml', config('e.csv'))), /^mailshift: e\.csv line 3: destination_user is empty$/],
    ['short CSV row', () => (write('s.csv', HEADER + 'a@x,p,a@y\n'), write('s.yaml', config('s.csv'))), /s\.csv line 2: expected 4 columns/],
  ])('%s: one line on stderr, exit 2', async (_name, makeConfig, pattern) => {
    const r = await runCli(['sync', '--config', makeConfig()], { env: { MAILSHIFT_CLI_DEST_PW: 'x' } });
    expectOneLine(r.stderr, pattern);
    expect(r.code).toBe(2);
  });

  it('an unknown option exits 2 without a stack trace', async () => {
    const r = await runCli(['sync', '--colour', 'blue']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--colour'/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  describe('with a valid job', () => {
    const cfg = () => join(dir, 'good.yaml');
    beforeAll(() => write('good.yaml', config('good.csv')));
    afterAll(() => undefined);

    it('a second process on a locked job exits 2 and says who holds it', async () => {
      const store = Store.open(join(dir, 'cli-test.mailshift.db'));
      try {
        store.ensureJob('cli-test', 'acme.test');
        store.acquireLock('mailshift sync (test holder)');
        const r = await runCli(['sync', '--config', cfg()], { env: { MAILSHIFT_CLI_DEST_PW: 'Dest-Env-Secret-42' } });
        expectOneLine(r.stderr, new RegExp(`job is locked by "mailshift sync \\(test holder\\)" \\(pid ${process.pid} on `));
        expect(r.code).toBe(2);
      } finally {
        store.close();
      }
    });

    it('passwords from the CSV and the environment never reach the log file or the store', async () => {
      const r = await runCli(['sync', '--config', cfg(), '--log-level', 'trace'], { env: { MAILSHIFT_CLI_DEST_PW: 'Dest-Env-Secret-42' } });
      // Nothing listens on port 9: the account fails with a reason, the run is incomplete or fatal.
      expect([1, 3]).toContain(r.code);
      const files = readdirSync(dir).filter((f) => f.startsWith('cli-test.mailshift'));
      expect(files).toEqual(expect.arrayContaining(['cli-test.mailshift.db', 'cli-test.mailshift.log']));
      const log = readFileSync(join(dir, 'cli-test.mailshift.log'), 'utf8');
      expect(log.length).toBeGreaterThan(0);
      for (const f of files) {
        const bytes = readFileSync(join(dir, f)).toString('latin1');
        expect(bytes).not.toContain('Sup3r-Secret-Src!');
        expect(bytes).not.toContain('Dest-Env-Secret-42');
      }
      expect(r.stdout + r.stderr).not.toContain('Sup3r-Secret-Src!');
      expect(existsSync(join(dir, 'cli-test.mailshift.db'))).toBe(true);
    });
  });
});
