import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { simpleParser } from 'mailparser';
import { parse as parsePlist } from 'plist';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';
import { buildEml } from '../../src/kit/eml.js';
import { generateKit, type KitResult } from '../../src/phases/kit.js';
import { Store } from '../../src/store/store.js';
import type { Direction, MessageState } from '../../src/store/sync-store.js';
import { makeKitJob, PEOPLE, type KitJob } from '../support/kit-fixture.js';

// The kit's files, checked by independent parsers (fast-xml-parser, plist, mailparser) for
// the fields each format requires.

const jobs: KitJob[] = [];
afterEach(() => {
  for (const j of jobs.splice(0)) j.cleanup();
});

async function kitFor(overrides: Record<string, unknown> = {}, seed?: (store: Store) => void): Promise<{ job: KitJob; out: string; result: KitResult }> {
  const job = makeKitJob(overrides);
  jobs.push(job);
  const config = loadConfig(job.configPath);
  if (seed) {
    const store = Store.open(config.storePath);
    try {
      seed(store);
    } finally {
      store.close();
    }
  }
  const out = join(job.dir, 'kit');
  const result = await generateKit({ config, accounts: loadAccounts(config.accountsPath, { resolveSecrets: false }) }, out, { now: new Date('2026-11-25T12:00:00Z') });
  return { job, out, result };
}

const read = (out: string, p: string) => readFileSync(join(out, p), 'utf8');

/** A finished sync for alice: INBOX 3 copied, 客戶/2024 2 copied + 1 failed. */
function seedSync(store: Store): void {
  store.ensureJob('acme-2026', 'acme.com.hk');
  const run = store.startPhase('sync');
  store.finishPhase(run, 'incomplete');
  const alice = store.upsertAccount('old0@acme.com.hk', PEOPLE[0]!);
  store.upsertAccount('old1@acme.com.hk', PEOPLE[1]!);
  const sync = store.sync;
  const pair = (direction: Direction, src: string, dst: string, dstLogical = dst) =>
    sync.upsertFolderPair({ accountId: alice, direction, sourcePath: src, destinationPath: dst, sourceLogical: src, destinationLogical: dstLogical, state: 'active', notes: [] });
  const msgs = (pairId: number, states: MessageState[]) =>
    sync.insertListed(pairId, 7n, states.map((state, i) => ({ uid: i + 1, size: 1000, flags: [], state })));
  msgs(pair('forward', 'INBOX', 'INBOX'), ['copied', 'copied', 'copied']);
  // The sync records logical paths (migration 0004): the sheet shows those, not wire paths.
  msgs(pair('forward', '客戶/2024', 'INBOX.客戶.2024', '客戶/2024'), ['copied', 'copied', 'failed']);
  // A rollback copy (destination -> source) is not one of the person's folders.
  msgs(pair('reverse', 'INBOX', 'INBOX'), ['copied']);
}

describe('kit files for a self-hosted destination', () => {
  it('lists every file it wrote: 3 guides x 2 formats, a sheet per person and language, profiles, XML, DNS, 12 e-mails', async () => {
    const { out, result } = await kitFor();
    const kinds = (k: string) => result.files.filter((f) => f.kind === k).map((f) => f.path).sort();
    expect(kinds('guide-html')).toEqual(['guide.en.html', 'guide.zh-Hans.html', 'guide.zh-Hant.html']);
    expect(kinds('guide-md')).toHaveLength(3);
    expect(kinds('sheet')).toHaveLength(PEOPLE.length * 3);
    expect(kinds('sheet')).toContain('people/chan.taiman@acme.com.hk.zh-Hant.html');
    expect(kinds('mobileconfig')).toEqual(PEOPLE.map((p) => `mobileconfig/${p.toLowerCase()}.mobileconfig`).sort());
    expect(kinds('thunderbird')).toEqual(['autoconfig/config-v1.1.xml']);
    expect(kinds('autodiscover')).toEqual(['autodiscover/autodiscover.xml']);
    expect(kinds('email')).toHaveLength(12);
    // The list is the truth: every listed file exists and nothing else was written.
    const onDisk = (dir: string, prefix = ''): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? onDisk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
    expect(onDisk(out).sort()).toEqual(result.files.map((f) => f.path).sort());
    // No password from the CSV ends up anywhere.
    for (const f of result.files) expect(read(out, f.path)).not.toMatch(/\bpw[0-9]\b|cmd:false/);
  });

  it('Thunderbird config-v1.1.xml parses and has the servers, socket types and username placeholder', async () => {
    const { out } = await kitFor();
    const xml = read(out, 'autoconfig/config-v1.1.xml');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false }).parse(xml);
    expect(doc.clientConfig['@version']).toBe('1.1');
    const p = doc.clientConfig.emailProvider;
    expect(p['@id']).toBe('acme.com.hk');
    expect(p.domain).toBe('acme.com.hk');
    expect(p.displayShortName).toBe('Acme Trading & Co <HK> 貿易');
    expect(p.incomingServer).toMatchObject({ '@type': 'imap', hostname: 'mail.acme.com.hk', port: '993', socketType: 'SSL', authentication: 'password-cleartext', username: '%EMAILADDRESS%' });
    expect(p.outgoingServer).toMatchObject({ '@type': 'smtp', hostname: 'smtp.acme.com.hk', port: '465', socketType: 'SSL', authentication: 'password-cleartext', username: '%EMAILADDRESS%' });
  });

  it('Autodiscover POX parses, has IMAP and SMTP protocols, and turns SPA off (it defaults to on)', async () => {
    const { out } = await kitFor({ kit: { helpdesk: 'x', smtp: { host: 'smtp.acme.com.hk', port: 587, tls: 'starttls' } } });
    const xml = read(out, 'autodiscover/autodiscover.xml');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false }).parse(xml);
    expect(doc.Autodiscover['@xmlns']).toBe('http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
    const resp = doc.Autodiscover.Response;
    expect(resp['@xmlns']).toBe('http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
    expect(resp.Account.AccountType).toBe('email');
    expect(resp.Account.Action).toBe('settings');
    const protos = resp.Account.Protocol as Record<string, string>[];
    const imap = protos.find((p) => p.Type === 'IMAP')!;
    const smtp = protos.find((p) => p.Type === 'SMTP')!;
    expect(imap).toMatchObject({ Server: 'mail.acme.com.hk', Port: '993', SPA: 'off', SSL: 'on', Encryption: 'SSL', AuthRequired: 'on' });
    expect(smtp).toMatchObject({ Server: 'smtp.acme.com.hk', Port: '587', SPA: 'off', SSL: 'on', Encryption: 'TLS', AuthRequired: 'on' });
  });

  it('one .mobileconfig per person parses as a property list with the required keys, SSL on and no password', async () => {
    const { out } = await kitFor();
    const uuids = new Set<string>();
    for (const person of PEOPLE) {
      const text = read(out, `mobileconfig/${person.toLowerCase()}.mobileconfig`);
      const profile = parsePlist(text) as Record<string, unknown>;
      expect(profile.PayloadType).toBe('Configuration');
      expect(profile.PayloadVersion).toBe(1);
      expect(typeof profile.PayloadIdentifier).toBe('string');
      const content = profile.PayloadContent as Record<string, unknown>[];
      expect(content).toHaveLength(1);
      const mail = content[0]!;
      expect(mail.PayloadType).toBe('com.apple.mail.managed');
      expect(mail).toMatchObject({
        EmailAccountType: 'EmailTypeIMAP',
        EmailAddress: person,
        IncomingMailServerHostName: 'mail.acme.com.hk',
        IncomingMailServerPortNumber: 993,
        IncomingMailServerAuthentication: 'EmailAuthPassword',
        IncomingMailServerUsername: person,
        OutgoingMailServerHostName: 'smtp.acme.com.hk',
        OutgoingMailServerPortNumber: 465,
        OutgoingMailServerAuthentication: 'EmailAuthPassword',
      });
      expect(mail.IncomingMailServerUseSSL).toBe(true);
      expect(mail.OutgoingMailServerUseSSL).toBe(true);
      expect(Object.keys(mail).filter((k) => /^(Incoming|Outgoing)Password$/.test(k))).toEqual([]);
      expect(text).not.toMatch(/<key>(Incoming|Outgoing)Password<\/key>/);
      for (const u of [profile.PayloadUUID, mail.PayloadUUID] as string[]) {
        expect(u).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
        uuids.add(u);
      }
      expect(text).not.toContain('<data>'); // unsigned: plain XML plist, no signature blob
    }
    expect(uuids.size).toBe(PEOPLE.length * 2);
  });

  it('announcement .eml files parse with the right subject, UTF-8 parts and dates in each language', async () => {
    const { out } = await kitFor();
    const expectSubject: Record<string, RegExp> = {
      'week-before.en': /^\[Acme Trading & Co <HK> 貿易\] Our e-mail moves to Acme Trading & Co <HK> 貿易's own mail server on Saturday.* 5 December 2026/,
      'week-before.zh-Hant': /^\[Acme Trading & Co <HK> 貿易\] 電郵將於2026年12月5日.*轉用/,
      'week-before.zh-Hans': /^\[Acme Trading & Co <HK> 貿易\] 邮件系统将于2026年12月5日.*切换到/,
      'day-after.zh-Hant': /電郵轉換完成/,
      'day-after.zh-Hans': /邮件切换完成/,
      'on-the-day.en': /Today: please set up your new e-mail/,
    };
    const cutover = Date.parse('2026-12-05T18:00:00+08:00');
    const offsets: Record<string, number> = { 'week-before': -7, 'day-before': -1, 'on-the-day': 0, 'day-after': 1 };
    for (const moment of Object.keys(offsets)) {
      for (const lang of ['en', 'zh-Hant', 'zh-Hans']) {
        const raw = read(out, `emails/${moment}.${lang}.eml`);
        expect(raw.split('\r\n').every((l) => l.length <= 78 && !l.includes('\n'))).toBe(true);
        const subjectHeader = raw.match(/^Subject: (.*(?:\r\n .*)*)/m)![1]!;
        expect(subjectHeader).toMatch(/^=\?UTF-8\?B\?/); // non-ASCII company name: RFC 2047
        const mail = await simpleParser(Buffer.from(raw));
        const re = expectSubject[`${moment}.${lang}`];
        if (re) expect(mail.subject).toMatch(re);
        expect(mail.subject).toContain('[Acme Trading & Co <HK> 貿易]');
        expect(mail.date?.getTime()).toBe(cutover + offsets[moment]! * 86_400_000);
        expect(mail.from?.value[0]?.address).toBe('it@acme.com.hk');
        expect(mail.headers.get('mime-version')).toBe('1.0');
        // The week before and the day before carry the switch as a calendar entry (the week before also the guide).
        const names = mail.attachments.map((a) => a.filename).sort();
        const expected = moment === 'week-before' ? [`guide.${lang}.html`, 'switch.ics'] : moment === 'day-before' ? ['switch.ics'] : [];
        expect(names).toEqual(expected);
        expect((mail.headers.get('content-type') as { value: string }).value).toBe(expected.length ? 'multipart/mixed' : 'multipart/alternative');
        const ics = mail.attachments.find((a) => a.filename === 'switch.ics');
        if (ics) expect(ics.content.toString('utf8')).toContain(`DTSTART:${new Date(cutover).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);
        expect(mail.text).toContain('it@acme.com.hk');
        expect(mail.html).toBeTruthy();
        if (lang === 'zh-Hant') expect(mail.text).toContain('各位同事');
        if (lang === 'zh-Hans') expect(mail.text).toContain('谢谢');
      }
    }
  });

  it('a long ASCII subject is folded, not cut, and unfolds to the same text', async () => {
    const subject = 'Our e-mail moves to the new system on Saturday, 5 December 2026 at 18:00: please read the guide before then';
    const raw = buildEml({ from: { name: 'Acme IT', address: 'it@acme.com.hk' }, subject, text: 'hello', html: '<p>hello</p>', date: new Date(0), messageId: 'x@acme.com.hk', lang: 'en' });
    expect(raw.split('\r\n').every((l) => l.length <= 78)).toBe(true);
    expect(raw).toMatch(/^Subject: Our e-mail.*\r\n /m);
    expect((await simpleParser(Buffer.from(raw))).subject).toBe(subject);
  });

  it('DNS records: autoconfig/autodiscover names and RFC 6186/8314 SRV records', async () => {
    const { out } = await kitFor();
    const txt = read(out, 'dns-records.txt');
    const rec = (name: string) => txt.split('\n').find((l) => l.startsWith(name + ' '))?.replace(/\s+;.*$/, '').replace(/\s+/g, ' ');
    expect(rec('autoconfig.acme.com.hk.')).toBe('autoconfig.acme.com.hk. 3600 IN CNAME mail.acme.com.hk.');
    expect(rec('autodiscover.acme.com.hk.')).toBe('autodiscover.acme.com.hk. 3600 IN CNAME mail.acme.com.hk.');
    expect(rec('_imaps._tcp.acme.com.hk.')).toBe('_imaps._tcp.acme.com.hk. 3600 IN SRV 0 1 993 mail.acme.com.hk.');
    expect(rec('_submissions._tcp.acme.com.hk.')).toBe('_submissions._tcp.acme.com.hk. 3600 IN SRV 0 1 465 smtp.acme.com.hk.');
    expect(rec('_submission._tcp.acme.com.hk.')).toBe('_submission._tcp.acme.com.hk. 3600 IN SRV 0 0 0 .');
    expect(read(out, 'dns-records.md')).toContain('https://autoconfig.acme.com.hk/mail/config-v1.1.xml');
  });

  it('personal sheets show the migrated folders with counts from the store, and no password', async () => {
    const { out, result } = await kitFor({}, seedSync);
    expect(result.synced).toBe(true);
    const en = read(out, 'people/alice@acme.com.hk.en.html');
    expect(en).toContain('<td>客戶/2024</td><td>客戶/2024</td><td class="num">2</td><td class="num">1</td>');
    expect(en).not.toContain('reverse');
    expect(en).toContain('<td>INBOX</td><td>INBOX</td><td class="num">3</td><td class="num">0</td>');
    expect(en).toContain('<td>Total</td><td></td><td class="num">5</td><td class="num">1</td>');
    expect(en).toContain('1 messages could not be copied');
    expect(en).toContain('No password is printed on this sheet');
    expect(read(out, 'people/alice@acme.com.hk.zh-Hant.html')).toContain('<td>合計</td>');
    // Synced, but nothing recorded for Chan: says so, rather than an empty table.
    expect(read(out, 'people/chan.taiman@acme.com.hk.en.html')).toContain('No folders were recorded for your mailbox.');
  });

  it('without a sync the sheets say the folder list comes later', async () => {
    const { out, result } = await kitFor();
    expect(result.synced).toBe(false);
    expect(read(out, 'people/alice@acme.com.hk.en.html')).toContain('has not been copied yet');
    expect(read(out, 'people/alice@acme.com.hk.zh-Hans.html')).toContain('尚未复制');
    expect(result.warnings.join('\n')).toMatch(/no sync has run/);
  });
});

describe('kit for provider sign-in (OAuth) destinations', () => {
  it('Microsoft 365: no files that cannot carry OAuth; the guide says why; Microsoft\'s autodiscover CNAME', async () => {
    const { out, result } = await kitFor({ destination: { preset: 'm365' }, kit: { helpdesk: 'IT, ext. 100' } });
    expect(result.oauthSignIn).toBe(true);
    expect(result.files.filter((f) => ['thunderbird', 'autodiscover', 'mobileconfig'].includes(f.kind))).toEqual([]);
    const guide = read(out, 'guide.en.html');
    expect(guide).toContain('A settings file cannot carry that kind of sign-in, so none is provided');
    expect(guide).toContain('smtp.office365.com');
    expect(read(out, 'guide.zh-Hant.html')).toContain('設定檔無法承載這種登入方式');
    // No question about a settings profile that does not exist, and still at least 12 questions.
    expect(guide).not.toContain('settings file (profile) safe');
    expect(guide.match(/<div class="qa">/g)!.length).toBeGreaterThanOrEqual(12);
    expect(read(out, 'dns-records.txt')).toMatch(/^autodiscover\.acme\.com\.hk\.\s+3600 IN CNAME autodiscover\.outlook\.com\./m);
    expect(read(out, 'dns-records.txt')).not.toContain('autoconfig.');
  });

  it('Google Workspace: SMTP comes from the preset and no profile is written', async () => {
    const { out, result } = await kitFor({ destination: { preset: 'google-workspace' }, kit: {} });
    expect(result.files.some((f) => f.kind === 'mobileconfig')).toBe(false);
    expect(read(out, 'people/alice@acme.com.hk.en.html')).toContain('smtp.gmail.com');
  });
});

describe('kit input errors', () => {
  it('a self-hosted destination without kit.smtp is one clear InputError line', async () => {
    const err = await kitFor({ kit: { helpdesk: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^mailshift\.yaml: kit\.smtp is required: the destination preset "dovecot" has no outgoing server/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a switch date that is not a date is refused with the field name', async () => {
    const err = await kitFor({ cutover: { at: 'next Tuesday' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    // The config loader refuses it before the kit runs (the cutover section validates its own date).
    expect((err as Error).message).toMatch(/^mailshift\.yaml: cutover\.at: must be a date and time like /);
  });
});
