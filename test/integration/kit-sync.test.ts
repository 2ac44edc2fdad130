import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { seedMessages, usePair } from '../support/dovecot.js';

// End to end on real servers: `mailshift sync` copies a mailbox between two sandbox Dovecots,
// then `mailshift kit` puts that person's folders and message counts on their sheet.

const pair = usePair();
const dir = mkdtempSync(join(tmpdir(), 'mailshift-kit-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const msg = (subject: string, date: Date) =>
  Buffer.from(`From: a@acme.test\r\nTo: alice@acme.test\r\nSubject: ${subject}\r\nDate: ${date.toUTCString()}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@acme.test>\r\n\r\nbody of ${subject}\r\n`);

describe('kit after a real sync', () => {
  it('the personal sheet lists the migrated folders with their message counts', async () => {
    const user = 'alice@acme.test';
    await pair.source.addUser(user, 'pw');
    await pair.destination.addUser(user, 'pw');
    const d = new Date('2025-06-01T10:00:00Z');
    await seedMessages(pair.source, user, 'pw', [
      ...[1, 2, 3].map((i) => ({ folder: 'INBOX', raw: msg(`inbox ${i}`, d), flags: ['\\Seen'], internalDate: d })),
      ...[1, 2].map((i) => ({ folder: '客戶/2024', raw: msg(`client ${i}`, d), flags: [], internalDate: d })),
    ]);
    const server = (port: number) => `{ preset: dovecot, host: 127.0.0.1, port: ${port}, tls: none, allowInsecure: true }`;
    writeFileSync(join(dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${user},pw,${user},pw\n`);
    const config = join(dir, 'job.yaml');
    writeFileSync(
      config,
      [
        'job: kit-sync',
        'domain: acme.test',
        'company: Acme Test',
        `source: ${server(pair.source.port)}`,
        `destination: ${server(pair.destination.port)}`,
        'accounts: accounts.csv',
        'kit: { smtp: { host: 127.0.0.1, port: 2525, tls: none }, cutoverAt: "2026-12-05" }',
      ].join('\n') + '\n',
    );
    const sync = await runCli(['sync', '--config', config, '--json', '--no-progress']);
    expect(sync.code, sync.stderr).toBe(0);

    const kit = await runCli(['kit', '--config', config, '--json', '--lang', 'en']);
    expect(kit.code, kit.stderr).toBe(0);
    const result = JSON.parse(kit.stdout) as { outDir: string; synced: boolean; warnings: string[] };
    expect(result.synced).toBe(true);
    const sheet = readFileSync(join(result.outDir, 'people', `${user}.en.html`), 'utf8');
    const row = (folder: string) => sheet.match(new RegExp(`<tr><td>${folder}</td><td>[^<]*</td><td class="num">(\\d+)</td>`))?.[1];
    expect(row('INBOX')).toBe('3');
    expect(row('客戶/2024')).toBe('2');
    expect(sheet).toMatch(/<tr><td>Total<\/td><td><\/td><td class="num">5<\/td>/);
    expect(sheet).not.toContain('has not been copied yet');
    expect(sheet).not.toMatch(/>pw</);
    // The sandbox address is an IP: the DNS file explains why no SRV record can point at it.
    expect(readFileSync(join(result.outDir, 'dns-records.txt'), 'utf8')).toMatch(/SRV target must be a host name, and 127\.0\.0\.1 is an address/);
  });
});
