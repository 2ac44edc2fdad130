import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DavSession } from '../../src/groupware/dav.js';
import { describeObject, parseObject, splitExport } from '../../src/groupware/objects.js';
import { OUTLOOK_COLUMNS, parseCsv } from '../../src/groupware/outlook-csv.js';
import { groupwareDelta } from '../../src/phases/groupware.js';
import { Secret } from '../../src/secret.js';
import { BIN, runCli } from '../support/cli.js';
import { jobContext } from '../support/job-context.js';
import { contactCard, eventObject, putObject, seedGroupware, startRadicale, startRadicalePair, type RadicaleServer } from '../support/radicale.js';
import { Rng } from '../../src/corpus/prng.js';
import { startPair } from '../support/dovecot.js';

// Contacts and calendars between two live Radicale servers, driven through the built CLI as a
// user runs it (`npm run build` first).

const USERS = [
  { user: 'alice', password: 'alice-pw' },
  { user: 'bob', password: 'bob-pw' },
];

interface Snap {
  collections: Map<string, { displayName: string | null; color: string | null; description: string | null; kind: string }>;
  /** "user/collection/resource" -> body */
  objects: Map<string, Buffer>;
}

/** Every collection (with its properties) and every object body a user has on a server. */
async function snapshot(server: RadicaleServer, user: string, password: string): Promise<Snap> {
  const dav = new DavSession(server.url, user, new Secret(password));
  const home = await dav.discoverHome('addressbook');
  const snap: Snap = { collections: new Map(), objects: new Map() };
  for (const c of await dav.collections(home)) {
    const name = new URL(c.href).pathname;
    snap.collections.set(name, { displayName: c.displayName, color: c.color, description: c.description, kind: c.kind });
    for (const item of await dav.list(c.href)) snap.objects.set(new URL(item.href).pathname, (await dav.get(item.href)).body);
  }
  return snap;
}

function makeJob(source: { url: string } | { files: string }, destination: { url: string } | { files: string }, users: { user: string; password: string; dstPassword?: string }[], extra: Record<string, unknown> = {}, imapPorts?: { source: number; destination: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-groupware-'));
  const config = join(dir, 'mailshift.yaml');
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.dstPassword ?? u.password}`).join('\n') + '\n');
  const imap = (port: number) => ({ preset: 'dovecot', host: '127.0.0.1', port, tls: 'none', allowInsecure: true });
  writeFileSync(config, JSON.stringify({ job: 'gw-test', domain: 'acme.test', source: imap(imapPorts?.source ?? 1), destination: imap(imapPorts?.destination ?? 1), accounts: 'accounts.csv', kit: { smtp: { host: 'mail.acme.test', port: 587, tls: 'starttls' } }, groupware: { source, destination, ...extra } }));
  return { dir, config, run: (args: string[], timeoutMs?: number) => runCli([...args, '--config', config], { timeoutMs }) };
}

const puts = (s: RadicaleServer) => s.requests().filter((r) => r.method === 'PUT').length;
const uidsOf = (objects: Map<string, Buffer>) => [...objects.values()].map((b) => describeObject(b).uid).sort();

describe('groupware: Radicale -> Radicale', () => {
  it('copies every collection and object byte-identical; a re-run makes no writes; verify is clean', async () => {
    const pair = await startRadicalePair(USERS);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 12, events: 12, attachmentBytes: 2 * 1024 * 1024, seed: 1 });
    await seedGroupware(pair.source.url, 'bob', 'bob-pw', { contacts: 5, events: 4, seed: 2 });
    const job = makeJob({ url: pair.source.url }, { url: pair.destination.url }, USERS, { include: ['contacts', 'calendars', 'tasks'] });
    const first = await job.run(['groupware', 'sync']);
    expect(first.code, first.stderr + first.stdout).toBe(0);

    for (const u of USERS) {
      const src = await snapshot(pair.source, u.user, u.password);
      const dst = await snapshot(pair.destination, u.user, u.password);
      // Collections with name, colour and description.
      expect([...dst.collections.entries()].sort()).toEqual([...src.collections.entries()].sort());
      expect(src.collections.size).toBe(3);
      // Every object, byte for byte, under the same resource name.
      expect([...dst.objects.keys()].sort()).toEqual([...src.objects.keys()].sort());
      for (const [path, body] of src.objects) expect(dst.objects.get(path)!.equals(body), path).toBe(true);
      const all = [...dst.objects.values()].map((b) => b.toString('utf8'));
      // What people care about survived: the exception inside its series, time zones, photo, group, attendees.
      expect(all.some((t) => t.includes('RRULE:FREQ=WEEKLY') && t.includes('RECURRENCE-ID;TZID=Asia/Hong_Kong') && t.includes('EXDATE'))).toBe(true);
      expect(all.some((t) => t.includes('TZID:Asia/Shanghai'))).toBe(true);
      expect(all.some((t) => /^PHOTO;/m.test(t))).toBe(true);
      expect(all.some((t) => t.includes('X-ADDRESSBOOKSERVER-KIND:group'))).toBe(true);
      expect(all.some((t) => t.includes('DTSTART;VALUE=DATE:'))).toBe(true);
      expect(all.some((t) => t.includes('BEGIN:VTODO'))).toBe(true);
      if (u.user === 'alice') {
        expect(all.some((t) => t.includes('ATTACH;') && t.length > 2 * 1024 * 1024)).toBe(true);
        expect(all.some((t) => t.includes('ATTENDEE;'))).toBe(true);
      }
    }

    const putsBefore = puts(pair.destination);
    const srcBefore = pair.source.requests().length;
    const dstBefore = pair.destination.requests().length;
    const again = await job.run(['groupware', 'sync']);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(puts(pair.destination)).toBe(putsBefore);
    // The no-change re-run: one OPTIONS probe per side and one PROPFIND per home (homes are remembered).
    const srcReqs = pair.source.requests().slice(srcBefore);
    expect(srcReqs.filter((r) => r.method !== 'OPTIONS').length).toBeLessThanOrEqual(USERS.length * 2);
    expect(pair.destination.requests().slice(dstBefore).filter((r) => r.method !== 'OPTIONS')).toEqual([]);
    expect(again.stdout).toContain('0 object(s) copied');

    const v = await job.run(['groupware', 'verify']);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    expect(v.stdout).toMatch(/alice calendar "工作 Work": 13 on source, 13 on destination, all there/);

    // The report's contacts/calendars table, per collection, from the store.
    const rep = await job.run(['report']);
    expect(rep.code, rep.stderr).toBe(0);
    const mdText = readFileSync(join(job.dir, 'report', 'report.md'), 'utf8');
    expect(mdText).toContain('## Contacts and calendars');
    expect(mdText).toMatch(/\| alice \| calendar \| 工作 Work \| 13 \| 0 \| 0 \| 0 \| all 13 there \|/);
    expect(mdText).toMatch(/\| bob \| contacts \| 通訊錄 Contacts \| 6 \| 0 \| 0 \| 0 \| all 6 there \|/);
    expect(readFileSync(join(job.dir, 'report', 'report.html'), 'utf8')).toContain('<h2>Contacts and calendars</h2>');
  }, 240_000);

  it('ten SIGKILLs at random moments and re-runs leave every object on the destination exactly once', async () => {
    const pair = await startRadicalePair([USERS[0]!]);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 120, events: 80, seed: 3 });
    const job = makeJob({ url: pair.source.url }, { url: pair.destination.url }, [USERS[0]!], { include: ['contacts', 'calendars', 'tasks'] });
    const rng = new Rng(7);
    let kills = 0;
    let killedMidCopy = 0;
    let extra = 0;
    const total = () => 120 + 80 + 3 + extra; // contacts, events, the group, the weekly meeting and the task, plus extras
    for (let i = 0; i < 40 && kills < 10; i++) {
      const child = spawn(process.execPath, [BIN, 'groupware', 'sync', '--config', job.config], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d));
      const done = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
      // Kill while it copies: after its first new object on the destination, at a random moment.
      const createdBefore = pair.destination.requests().filter((x) => x.method === 'PUT' && x.status === 201).length;
      for (let t = 0; t < 400 && child.exitCode === null; t++) {
        if (pair.destination.requests().filter((x) => x.method === 'PUT' && x.status === 201).length > createdBefore) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, rng.int(0, 600)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
      const r = await done;
      const created = pair.destination.requests().filter((x) => x.method === 'PUT' && x.status === 201).length;
      if (r.signal === 'SIGKILL' && created > 0 && created < total()) killedMidCopy++;
      if (r.signal !== 'SIGKILL') {
        expect(r.code, out).toBe(0);
        // Finished before the kill: give the next run more to copy.
        const dav = new DavSession(pair.source.url, 'alice', new Secret('alice-pw'));
        for (let k = 0; k < 30; k++, extra++) {
          const uid = `extra-${extra}`;
          await putObject(dav, new URL(`alice/contacts/${uid}.vcf`, pair.source.url).href, contactCard(uid, extra, rng, 'Acme'));
        }
      }
    }
    expect(kills).toBe(10);
    expect(killedMidCopy).toBeGreaterThan(3);
    const last = await job.run(['groupware', 'sync']);
    expect(last.code, last.stderr + last.stdout).toBe(0);
    const src = await snapshot(pair.source, 'alice', 'alice-pw');
    const dst = await snapshot(pair.destination, 'alice', 'alice-pw');
    expect([...dst.objects.keys()].sort()).toEqual([...src.objects.keys()].sort());
    for (const [path, body] of src.objects) expect(dst.objects.get(path)!.equals(body), path).toBe(true);
    // Once: no UID twice on the destination.
    const uids = uidsOf(dst.objects);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.length).toBe(src.objects.size);
    // Every PUT that created something created one object: created = objects (412s were adoptions).
    const created = pair.destination.requests().filter((r) => r.method === 'PUT' && r.status === 201).length;
    expect(created).toBe(src.objects.size);
    const v = await job.run(['groupware', 'verify']);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 600_000);

  it('a dual-run delta carries 5 new and 3 changed objects and keeps a destination-side edit', async () => {
    const pair = await startRadicalePair([USERS[0]!]);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 6, events: 6, seed: 4 });
    const job = makeJob({ url: pair.source.url }, { url: pair.destination.url }, [USERS[0]!]);
    // The inventory first: read-only, and it says what stays behind.
    const dry = await job.run(['groupware', 'sync', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('address book "通訊錄 Contacts": 6 contact(s), 1 group(s), 1 with photo');
    expect(dry.stdout).toContain('calendar "工作 Work": 7 event(s) (1 recurring, 1 with exceptions, 0 with attachments), 0 task(s)');
    expect(dry.stdout).toContain('note: "待辦 Tasks" holds only tasks and is not copied (add "tasks" to groupware.include)');
    expect(pair.destination.requests().filter((r) => !['OPTIONS', 'PROPFIND'].includes(r.method))).toEqual([]);
    expect((await job.run(['groupware', 'sync'])).code).toBe(0);
    const srcDav = new DavSession(pair.source.url, 'alice', new Secret('alice-pw'));
    const dstDav = new DavSession(pair.destination.url, 'alice', new Secret('alice-pw'));
    const rng = new Rng(9);
    const srcSnap = await snapshot(pair.source, 'alice', 'alice-pw');
    const events = [...srcSnap.objects.keys()].filter((p) => p.includes('/work/event-')).sort();
    // 5 new on the source.
    for (let i = 0; i < 5; i++) await putObject(srcDav, new URL(`alice/work/new-${i}.ics`, pair.source.url).href, eventObject(`new-${i}`, 100 + i, rng));
    // 3 changed on the source.
    const change = async (dav: DavSession, base: string, path: string, from: string, to: string) => {
      const href = new URL(path, base).href;
      const cur = await dav.get(href);
      const r = await dav.put(href, Buffer.from(cur.body.toString('utf8').replace(from, to)), 'text/calendar; charset=utf-8', { ifMatch: cur.etag! });
      expect(r.status).toBeLessThan(300);
    };
    for (const p of events.slice(0, 3)) await change(srcDav, pair.source.url, p, 'SUMMARY:', 'SUMMARY:Changed on source - ');
    // One object edited by its user on the destination, and also changed on the source: the destination wins.
    const edited = events[3]!;
    await change(dstDav, pair.destination.url, edited, 'SUMMARY:', 'SUMMARY:Edited by the user - ');
    await change(srcDav, pair.source.url, edited, 'SUMMARY:', 'SUMMARY:Changed on source - ');

    const putsBefore = puts(pair.destination);
    const { ctx, close } = jobContext(job.config);
    try {
      const d = await groupwareDelta(ctx);
      expect(d).toMatchObject({ created: 5, updated: 3, kept: 1, failed: 0, complete: true });
    } finally {
      close();
    }
    // 5 creates + 3 updates + the refused (412) update of the edited object.
    expect(puts(pair.destination) - putsBefore).toBe(9);
    const dst = await snapshot(pair.destination, 'alice', 'alice-pw');
    const src = await snapshot(pair.source, 'alice', 'alice-pw');
    for (let i = 0; i < 5; i++) expect(dst.objects.get(`/alice/work/new-${i}.ics`)!.equals(src.objects.get(`/alice/work/new-${i}.ics`)!)).toBe(true);
    for (const p of events.slice(0, 3)) {
      expect(dst.objects.get(p)!.toString()).toContain('Changed on source');
      expect(dst.objects.get(p)!.equals(src.objects.get(p)!)).toBe(true);
    }
    expect(dst.objects.get(edited)!.toString()).toContain('Edited by the user');
    expect(dst.objects.get(edited)!.toString()).not.toContain('Changed on source');
    // A second pass with nothing new writes nothing and still keeps the edit.
    const { ctx: ctx2, close: close2 } = jobContext(job.config);
    try {
      expect(await groupwareDelta(ctx2)).toMatchObject({ created: 0, updated: 0, failed: 0, complete: true });
    } finally {
      close2();
    }
    expect(puts(pair.destination) - putsBefore).toBe(9);
    const v = await job.run(['groupware', 'verify']);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toContain('1 changed on the destination, kept');
  }, 240_000);
});

describe('groupware: refusals', () => {
  it('an object the destination refuses is recorded with the server\'s reason: exit 3, verify and the report say which', async () => {
    const source = await startRadicale({ name: 'source' });
    // The destination takes requests of at most 1 MB: the event with the 2 MB attachment is refused.
    const destination = await startRadicale({ name: 'small-destination', maxContentLength: 1_000_000 });
    try {
      for (const s of [source, destination]) s.addUser('alice', 'alice-pw');
      await seedGroupware(source.url, 'alice', 'alice-pw', { contacts: 3, events: 3, attachmentBytes: 2 * 1024 * 1024, seed: 13 });
      const job = makeJob({ url: source.url }, { url: destination.url }, [USERS[0]!]);
      const r = await job.run(['groupware', 'sync']);
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).toContain('1 failed');
      expect(r.stdout).toContain('alice: incomplete');
      const v = await job.run(['groupware', 'verify']);
      expect(v.code).toBe(3);
      expect(v.stdout).toMatch(/alice calendar "工作 Work": 4 on source, 3 on destination; 1 missing, 0 duplicated, 0 altered/);
      expect((await job.run(['report'])).code).toBe(0);
      const mdText = readFileSync(join(job.dir, 'report', 'report.md'), 'utf8');
      expect(mdText).toMatch(/- alice \/ 工作 Work: event-alice-1-\w+\.ics: the destination refused it: 413 /);
      const st = await job.run(['status']);
      expect(st.stdout).toMatch(/alice calendar "工作 Work": copied 3, destination edits kept 0, failed 1, in flight 0\n\s+event-alice-1-\w+\.ics: the destination refused it: 413/);
            // A re-run tries it again (and is refused again): nothing is dropped silently.
      const again = await job.run(['groupware', 'sync']);
      expect(again.code).toBe(3);
    } finally {
      await Promise.all([source.stop(), destination.stop()]);
    }
  });
});

describe('groupware in dual-run', () => {
  it('`dual-run --once` carries new contacts and events along with the mail', async () => {
    const mail = await startPair();
    await mail.source.addUser('alice', 'alice-pw');
    await mail.destination.addUser('alice', 'alice-pw');
    const pair = await startRadicalePair([USERS[0]!]);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 3, events: 3, seed: 11 });
    const job = makeJob({ url: pair.source.url }, { url: pair.destination.url }, [USERS[0]!], {}, { source: mail.source.port, destination: mail.destination.port });
    expect((await job.run(['groupware', 'sync'])).code).toBe(0);
    const dav = new DavSession(pair.source.url, 'alice', new Secret('alice-pw'));
    const rng = new Rng(12);
    await putObject(dav, new URL('alice/contacts/late-1.vcf', pair.source.url).href, contactCard('late-1', 1, rng, 'Acme'));
    await putObject(dav, new URL('alice/work/late-2.ics', pair.source.url).href, eventObject('late-2', 2, rng));
    const r = await job.run(['dual-run', '--once']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const dst = await snapshot(pair.destination, 'alice', 'alice-pw');
    expect(dst.objects.has('/alice/contacts/late-1.vcf')).toBe(true);
    expect(dst.objects.has('/alice/work/late-2.ics')).toBe(true);
    expect((await job.run(['groupware', 'verify'])).code).toBe(0);
  }, 240_000);
});

describe('groupware: files', () => {
  it('the files destination writes .vcf, Outlook .csv and .ics (0600 in 0700) that parse and round-trip back into a DAV server', async () => {
    const pair = await startRadicalePair(USERS);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 9, events: 8, seed: 5 });
    await seedGroupware(pair.source.url, 'bob', 'bob-pw', { contacts: 3, events: 2, seed: 6 });
    const out = join(mkdtempSync(join(tmpdir(), 'mailshift-gw-files-')), 'out');
    const job = makeJob({ url: pair.source.url }, { files: out }, USERS);
    const r = await job.run(['groupware', 'sync']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const u of USERS) {
      const src = await snapshot(pair.source, u.user, u.password);
      const folder = join(out, u.user);
      expect(statSync(folder).mode & 0o777).toBe(0o700);
      const files = readdirSync(folder).sort();
      expect(files).toEqual(['contacts.csv', 'contacts.vcf', '工作 Work.ics']);
      for (const f of files) expect(statSync(join(folder, f)).mode & 0o777).toBe(0o600);
      // vCard 3.0 that parses, every contact and group by UID.
      const cards = splitExport(readFileSync(join(folder, 'contacts.vcf'), 'utf8'), 'VCARD');
      if (!('blocks' in cards)) throw new Error(cards.error);
      const srcCards = [...src.objects.entries()].filter(([p]) => p.endsWith('.vcf'));
      expect(cards.blocks.map((b) => describeObject(b.text).uid).sort()).toEqual(srcCards.map(([, b]) => describeObject(b).uid).sort());
      expect(cards.blocks.every((b) => /\r\nVERSION:3\.0\r\n/.test(b.text))).toBe(true);
      // Outlook's header row; one row per contact (groups are not contacts in Outlook's CSV).
      const csv = parseCsv(readFileSync(join(folder, 'contacts.csv'), 'utf8'));
      if (!Array.isArray(csv)) throw new Error(csv.error);
      expect(csv[0]!.cells).toEqual([...OUTLOOK_COLUMNS]);
      expect(csv.length - 1).toBe(srcCards.filter(([, b]) => !describeObject(b).isGroup).length);
      expect(csv.slice(1).every((row) => row.cells[OUTLOOK_COLUMNS.indexOf('E-mail Address')]!.includes('@'))).toBe(true);
      // The calendar parses; every event UID is there, exceptions with their series.
      const ics = parseObject(readFileSync(join(folder, '工作 Work.ics'), 'utf8'));
      const srcEvents = [...src.objects.entries()].filter(([p]) => p.includes('/work/'));
      const icsUids = [...new Set(ics.getAllSubcomponents('vevent').map((e) => String(e.getFirstPropertyValue('uid'))))].sort();
      expect(icsUids).toEqual(srcEvents.map(([, b]) => describeObject(b).uid).sort());
      expect(ics.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))).sort()).toEqual(['Asia/Hong_Kong', 'Asia/Shanghai']);
      expect(ics.getAllSubcomponents('vevent').some((e) => e.hasProperty('recurrence-id'))).toBe(true);
    }

    // Each person's kit sheet names the files and how to import them, in every kit language.
    const kit = await job.run(['kit']);
    expect(kit.code, kit.stderr + kit.stdout).toBe(0);
    const kitDir = join(job.dir, 'gw-test-kit', 'people');
    const sheets = readdirSync(kitDir).filter((f) => f.startsWith('alice') && f.endsWith('.html'));
    expect(sheets.sort()).toEqual(['alice.en.html', 'alice.zh-Hans.html', 'alice.zh-Hant.html']);
    const en = readFileSync(join(kitDir, 'alice.en.html'), 'utf8');
    expect(en).toContain('Your contacts and calendars');
    expect(en).toContain('contacts.csv, contacts.vcf, 工作 Work.ics');
    expect(en).toContain('Upload from file');
    expect(readFileSync(join(kitDir, 'alice.zh-Hant.html'), 'utf8')).toContain('你的聯絡人和行事曆');
    expect(readFileSync(join(kitDir, 'alice.zh-Hans.html'), 'utf8')).toContain('您的联系人和日历');

    // Round trip: the files as a files source into an empty DAV server: same counts and UIDs.
    const back = await startRadicale({ name: 'roundtrip' });
    try {
      for (const u of USERS) back.addUser(u.user, u.password);
      const job2 = makeJob({ files: out }, { url: back.url }, USERS);
      const r2 = await job2.run(['groupware', 'sync']);
      expect(r2.code, r2.stderr + r2.stdout).toBe(0);
      for (const u of USERS) {
        const src = await snapshot(pair.source, u.user, u.password);
        const got = await snapshot(back, u.user, u.password);
        const cardsIn = (s: Snap) => [...s.objects.entries()].filter(([p]) => p.endsWith('.vcf')).map(([, b]) => describeObject(b).uid).sort();
        const eventsIn = (s: Snap) => [...s.objects.entries()].filter(([p]) => p.endsWith('.ics') && !p.includes('/tasks/')).map(([, b]) => describeObject(b).uid).sort();
        // contacts.vcf and contacts.csv both come back; the vcf keeps every UID.
        expect(got.collections.size).toBe(3);
        const vcfBook = [...got.objects.entries()].filter(([p]) => p.includes('/contacts-vcf/')).map(([, b]) => describeObject(b).uid).sort();
        expect(vcfBook).toEqual(cardsIn(src));
        expect(eventsIn(got)).toEqual(eventsIn(src));
        expect([...got.objects.entries()].filter(([p]) => p.includes('/contacts-csv/')).length).toBe(cardsIn(src).length - 1);
      }
      const v = await job2.run(['groupware', 'verify']);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    } finally {
      await back.stop();
    }
  }, 240_000);

  it('a file that is not vCard/iCalendar: exit 2, one line naming the file and line', async () => {
    const dst = await startRadicale({ name: 'dst' });
    try {
      dst.addUser('alice', 'alice-pw');
      const dir = join(mkdtempSync(join(tmpdir(), 'mailshift-gw-bad-')), 'exports');
      mkdirSync(join(dir, 'alice'), { recursive: true });
      writeFileSync(join(dir, 'alice', 'good.vcf'), 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a1\r\nFN:陳大文\r\nN:陳;大文;;;\r\nEND:VCARD\r\n');
      writeFileSync(join(dir, 'alice', 'broken.ics'), 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nthis is not a content line\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n');
      const job = makeJob({ files: dir }, { url: dst.url }, [USERS[0]!]);
      const r = await job.run(['groupware', 'sync']);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(join(dir, 'alice', 'broken.ics') + ' line 5');
      expect(dst.requests().filter((x) => x.method === 'PUT')).toEqual([]);
    } finally {
      await dst.stop();
    }
  });
});

describe('groupware: bad input', () => {
  it('a URL that is not a DAV server: exit 2, one line', async () => {
    const web = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<html><body>Not Found</body></html>');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const dst = await startRadicale({ name: 'dst' });
      try {
        const url = `http://127.0.0.1:${(web.address() as { port: number }).port}/`;
        const job = makeJob({ url }, { url: dst.url }, [USERS[0]!]);
        const r = await job.run(['groupware', 'sync']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toEqual([`mailshift: groupware.source.url: ${url} is not a CardDAV/CalDAV server (OPTIONS answered 404 with no DAV header)`]);
      } finally {
        await dst.stop();
      }
    } finally {
      web.close();
    }
  });

  it('http:// outside loopback is refused in the config: exit 2, one line', async () => {
    const job = makeJob({ url: 'http://dav.example.com/' }, { files: 'out' }, [USERS[0]!]);
    const r = await job.run(['groupware', 'sync']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('groupware.source.url is http:// on dav.example.com');
  });

  it('wrong credentials for one account: exit 3, that account named in one line, the others done', async () => {
    const pair = await startRadicalePair(USERS);
    await seedGroupware(pair.source.url, 'alice', 'alice-pw', { contacts: 3, events: 3, seed: 8 });
    await seedGroupware(pair.source.url, 'bob', 'bob-pw', { contacts: 3, events: 3, seed: 9 });
    const job = makeJob({ url: pair.source.url }, { url: pair.destination.url }, [USERS[0]!, { ...USERS[1]!, dstPassword: 'wrong' }]);
    const r = await job.run(['groupware', 'sync']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toContain('alice: complete');
    expect(r.stdout).toMatch(/bob: failed - destination http:\/\/127\.0\.0\.1:\d+ refused the sign-in \(401\)/);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('mailshift:'))).toHaveLength(1);
    const src = await snapshot(pair.source, 'alice', 'alice-pw');
    const dst = await snapshot(pair.destination, 'alice', 'alice-pw');
    expect(dst.objects.size).toBe(src.objects.size - 1); // the tasks list is not copied without include: tasks
  });
});
