import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { seedMessages, startPair } from '../support/dovecot.js';

// Passwords really sent to a real server (so the test could fail): a sync at trace level, then
// every file mailshift wrote, everything it printed and the process list sampled while it ran
// are searched for them.

const SRC_PW = 'Src-Pa55-Zebra-7781';
const DST_PW = 'Dst-Pa55-Quokka-4410';

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('secrets', () => {
  it('a real sync logs in with the passwords, and they appear in no file, no output and no argv', async () => {
    const pair = await startPair();
    const user = 'secret.keeper@acme.test';
    await pair.source.addUser(user, SRC_PW);
    await pair.destination.addUser(user, DST_PW);
    await seedMessages(pair.source, user, SRC_PW, [{ folder: 'INBOX', raw: Buffer.from('Message-ID: <s1@acme.test>\r\nSubject: hi\r\n\r\nbody\r\n'), flags: [], internalDate: new Date(Date.UTC(2025, 0, 1)) }]);
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-secrets-'));
    writeFileSync(join(dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${user},${SRC_PW},${user},env:MAILSHIFT_TEST_DST_PW\n`);
    const server = (port: number) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, preset: 'dovecot' });
    writeFileSync(join(dir, 'job.yaml'), JSON.stringify({ job: 'secrets', domain: 'acme.test', source: server(pair.source.port), destination: server(pair.destination.port), accounts: 'accounts.csv' }));

    const child = spawn(process.execPath, [BIN, 'sync', '--config', join(dir, 'job.yaml'), '--log-level', 'trace'], {
      env: { ...process.env, MAILSHIFT_TEST_DST_PW: DST_PW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const argvSamples: string[] = [];
    const sampler = setInterval(() => {
      try {
        argvSamples.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
      } catch {
        // ps can race a process exiting; the next sample counts.
      }
    }, 50);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);

    // The login really happened: the message is on the destination, and the log has the trace.
    expect(code, out).toBe(0);
    expect(out).toMatch(/sync: 1 messages/);
    expect(argvSamples.length).toBeGreaterThan(0);
    const files = allFiles(dir).filter((f) => !f.endsWith('accounts.csv') && !f.endsWith('job.yaml'));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(expect.arrayContaining(['secrets.mailshift.db', 'secrets.mailshift.log']));
    // The protocol trace of the logins is in the log, with their payload masked.
    expect(readFileSync(join(dir, 'secrets.mailshift.log'), 'utf8')).toMatch(/AUTHENTICATE PLAIN|LOGIN /);
    // A secret also travels as the SASL PLAIN payload, base64 of "\0user\0password".
    const sasl = (pw: string) => Buffer.from(`\0${user}\0${pw}`).toString('base64');
    for (const secret of [SRC_PW, DST_PW, sasl(SRC_PW), sasl(DST_PW)]) {
      for (const f of files) expect(readFileSync(f).toString('latin1').includes(secret), `${secret} in ${f}`).toBe(false);
      expect(out.includes(secret), 'in the output').toBe(false);
      for (const ps of argvSamples) expect(ps.includes(secret), 'in the process list').toBe(false);
    }
  });
});
