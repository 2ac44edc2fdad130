import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeJobFiles } from '../../src/demo/files.js';
import type { AdoptionResult } from '../../src/phases/adoption.js';
import { CATALOGUES, LANGS } from '../../src/kit/catalogue/index.js';
import { openUrl } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { startServe } from '../support/serve.js';
import { seedMessages, usePair } from '../support/dovecot.js';

// After the switch: read-only IMAP reads of the real destination tell who reads and sends there.
describe('mailshift adoption', () => {
  const pair = usePair();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-adoption-'));
  const SWITCH = '2026-11-15T10:00:00.000Z';
  const people = [
    { user: 'reader@acme.test', password: 'pw-reader-1' }, // read new mail after the switch
    { user: 'sender@acme.test', password: 'pw-sender-1' }, // sent something after the switch
    { user: 'idle@acme.test', password: 'pw-idle-1' }, // new mail unread; read only old mail
  ];
  let config = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const msg = (n: number, from: string) => Buffer.from(`From: ${from}\r\nTo: x@acme.test\r\nSubject: m${n}\r\nMessage-ID: <m${n}.${from}>\r\nDate: Mon, 16 Nov 2026 10:00:00 +0000\r\n\r\nbody ${n}\r\n`);
  beforeAll(async () => {
    for (const p of people) {
      await pair.source.addUser(p.user, p.password);
      await pair.destination.addUser(p.user, p.password);
    }
    const after = new Date('2026-11-16T09:00:00Z');
    const before = new Date('2026-11-10T09:00:00Z');
    const folders = [{ path: 'Sent', specialUse: '\\Sent' }];
    await seedMessages(pair.destination, people[0]!.user, people[0]!.password, [
      { folder: 'INBOX', raw: msg(1, 'a@x'), flags: ['\\Seen'], internalDate: after },
      { folder: 'INBOX', raw: msg(2, 'a@x'), flags: [], internalDate: after },
    ], { folders });
    await seedMessages(pair.destination, people[1]!.user, people[1]!.password, [
      { folder: 'INBOX', raw: msg(3, 'b@x'), flags: [], internalDate: after },
      { folder: 'Sent', raw: msg(4, 'sender@acme.test'), flags: ['\\Seen'], internalDate: after },
    ], { folders });
    await seedMessages(pair.destination, people[2]!.user, people[2]!.password, [
      { folder: 'INBOX', raw: msg(5, 'c@x'), flags: [], internalDate: after },
      { folder: 'INBOX', raw: msg(6, 'c@x'), flags: ['\\Seen'], internalDate: before },
      { folder: 'Sent', raw: msg(7, 'idle@acme.test'), flags: ['\\Seen'], internalDate: before },
    ], { folders });
    config = writeJobFiles({ dir, job: 'adopt', domain: 'acme.test', company: 'Acme', source: pair.source, destination: pair.destination, accounts: people, extra: { kit: { smtp: { host: 'smtp.acme.test', port: 465, tls: 'implicit' } } } }).configPath;
  }, 120_000);

  it('counts new mail read and mail sent since the switch per person, leaves the flags alone, and writes reminders for the others', async () => {
    const r = await runCli(['adoption', '--config', config, '--since', SWITCH, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as AdoptionResult;
    const by = Object.fromEntries(res.people.map((p) => [p.account, p]));
    expect(by['reader@acme.test']).toMatchObject({ newMessages: 2, newRead: 1, sent: 0, active: true });
    expect(by['sender@acme.test']).toMatchObject({ newMessages: 1, newRead: 0, sent: 1, active: true });
    expect(by['idle@acme.test']).toMatchObject({ newMessages: 1, newRead: 0, sent: 0, active: false });
    expect(res.active).toBe(2);
    expect(res.share).toBeCloseTo(2 / 3, 5);
    // Reminders only for the person not active yet, one per language, addressed to them.
    for (const lang of ['en', 'zh-Hant', 'zh-Hans']) {
      expect(existsSync(join(dir, 'adoption', 'reminders', `reader@acme.test.${lang}.eml`))).toBe(false);
      const mail = await simpleParser(readFileSync(join(dir, 'adoption', 'reminders', `idle@acme.test.${lang}.eml`)));
      expect(mail.to && 'value' in mail.to ? mail.to.value[0]?.address : '').toBe('idle@acme.test');
      expect(mail.text).not.toMatch(/\{[A-Za-z]+\}/);
      if (lang === 'zh-Hant') expect(mail.text).toContain('新系統');
    }
    // Read-only: the unread message is still unread (EXAMINE, no \Seen set by the check).
    const again = JSON.parse((await runCli(['adoption', '--config', config, '--since', SWITCH, '--json'])).stdout) as AdoptionResult;
    expect(again.people.find((p) => p.account === 'idle@acme.test')!.newRead).toBe(0);
    // The summary states the share against the 90% target.
    const md = readFileSync(join(dir, 'adoption', 'adoption.md'), 'utf8');
    expect(md).toContain('2 of 3 people active (67%)');
    // The live dashboard shows the same share, in each language.
    const served = await startServe(config);
    try {
      for (const lang of LANGS) {
        const opened = await openUrl(`${served.url}&lang=${lang}`);
        try {
          expect(opened.problems).toEqual([]);
          const text = await opened.page.locator('#adoption').innerText();
          const nf = new Intl.NumberFormat(CATALOGUES[lang].meta.locale);
          expect(text).toContain(`${nf.format(67)}%`);
          for (const n of [2, 3]) expect(text).toContain(nf.format(n));
          expect(text).not.toContain(CATALOGUES[lang].dashboard.adoptionNone);
        } finally {
          await opened.close();
        }
      }
    } finally {
      await served.stop();
    }
  }, 180_000);

  it('without a switch time says so in one line (exit 2)', async () => {
    const r = await runCli(['adoption', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no switch time known');
  });
});
