/**
 * Shared pieces of the interoperability tests: a job between any two sandbox servers (Dovecot,
 * Cyrus, or Dovecot behind the capability proxy), the hand-made hard cases, and a
 * message-by-message comparison of what arrived.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readAll, snapshotDigest, type FolderSnapshot, type SeedFolder, type SeedMessage } from './dovecot.js';
import { runCli } from './cli.js';

export interface Endpoint {
  host: '127.0.0.1';
  port: number;
}

export interface StatusFolder {
  direction: string;
  source: string;
  destination: string;
  state: string;
  found: number;
  copied: number;
  adopted?: number;
  pending: number;
  skipped: number;
  failed: number;
  copiedWithReason: number;
  reasons: { state: string; reason: string; count: number }[];
  notes: string[];
}
export interface StatusJson {
  accounts: { sourceUser: string; state: string; lastError: string | null; found: number; copied: number; adopted?: number; pending: number; skipped: number; failed: number; folders: StatusFolder[] }[];
}

export interface InteropJob {
  dir: string;
  config: string;
  write(extra?: Record<string, unknown>): void;
  run(args: string[], timeoutMs?: number): ReturnType<typeof runCli>;
  status(): Promise<StatusJson>;
}

/** A user on both sides; `dstUser` when the destination knows it by another name (Cyrus user names have no '.'/'@'). */
export interface JobUser {
  user: string;
  password: string;
  dstUser?: string;
}

export function makeJob(source: Endpoint, destination: Endpoint, users: JobUser[], extra: Record<string, unknown> = {}): InteropJob {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-interop-'));
  const config = join(dir, 'mailshift.yaml');
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.dstUser ?? u.user},${u.password}`).join('\n') + '\n');
  const server = (s: Endpoint, more: unknown) => ({ host: s.host, port: s.port, tls: 'none', allowInsecure: true, preset: 'generic', ...(more as object) });
  const job: InteropJob = {
    dir,
    config,
    write(more = extra) {
      writeFileSync(config, JSON.stringify({ job: 'interop', domain: 'acme.test', ...more, source: server(source, more.source), destination: server(destination, more.destination), accounts: 'accounts.csv' }));
    },
    run: (args, timeoutMs) => runCli([...args, '--config', config], { timeoutMs: timeoutMs ?? 300_000 }),
    status: async () => {
      const r = await job.run(['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as StatusJson;
    },
  };
  job.write(extra);
  return job;
}

const d = (i: number) => new Date(Date.UTC(2025, 5, 1, 8, 0, i));
const msg = (folder: string, i: number, opts: { id?: boolean; subject?: string; flags?: string[]; body?: Buffer; header?: string } = {}): SeedMessage => {
  const head = `${opts.id === false ? '' : `Message-ID: <hard-${folder.replace(/\W/g, '_')}-${i}@acme.test>\r\n`}From: Peter <p@acme.test>\r\nTo: alice@acme.test\r\nSubject: ${opts.subject ?? `${folder} ${i}`}\r\nDate: ${d(i).toUTCString()}\r\n${opts.header ?? ''}\r\n`;
  return { folder, raw: Buffer.concat([Buffer.from(head, 'latin1'), opts.body ?? Buffer.from(`body of ${folder} ${i}\r\n`)]), flags: opts.flags ?? ['\\Seen'], internalDate: d(i) };
};

/**
 * The hard cases of issue 12: child folders of special-use folders, a parent created after its
 * child, two folders that collide on the destination, 8-bit headers, many keywords in one folder
 * (`keywords` distinct ones), messages without Message-ID, byte-identical duplicates, a 10 MB message.
 */
export function hardCases(opts: { collide: [string, string]; keywords: number }): { folders: SeedFolder[]; messages: SeedMessage[] } {
  const m: SeedMessage[] = [];
  for (let i = 0; i < 3; i++) m.push(msg('Sent/2024', i));
  for (let i = 0; i < 2; i++) m.push(msg('Drafts/Old', 10 + i, { id: false }));
  // Parent created after its child: the child's messages are appended (and so the child created) first.
  for (let i = 0; i < 2; i++) m.push(msg('Later/Child', 20 + i));
  for (let i = 0; i < 2; i++) m.push(msg('Later', 30 + i));
  m.push(msg(opts.collide[0], 40), msg(opts.collide[1], 41));
  // 8-bit header bytes (raw UTF-8 and Latin-1, no RFC 2047), and an 8-bit body.
  m.push(msg('INBOX', 50, { subject: 'Caf\xc3\xa9 r\xc3\xa9union \xe4\xbc\x9a\xe8\xad\xb0' }));
  m.push(msg('INBOX', 51, { subject: 'caf\xe9 cr\xe8me', header: 'X-Note: \xe9t\xe9\r\n' }));
  m.push(msg('INBOX', 52, { body: Buffer.from('8-bit body: caf\xc3\xa9\r\n', 'latin1') }));
  // No Message-ID, and byte-identical twins (two in, two out), with and without Message-ID.
  m.push(msg('INBOX', 60, { id: false }));
  const twin = msg('INBOX', 61);
  m.push(twin, { ...twin });
  const twinNoId = msg('INBOX', 62, { id: false });
  m.push(twinNoId, { ...twinNoId });
  // Keywords: `keywords` distinct ones over messages of 30 each, in one folder.
  for (let k = 0, i = 0; k < opts.keywords; k += 30, i++) {
    const kws = Array.from({ length: Math.min(30, opts.keywords - k) }, (_, j) => `kw${String(k + j).padStart(3, '0')}`);
    m.push(msg('Tagged', 70 + i, { flags: ['\\Seen', ...kws] }));
  }
  // A 10 MB message (base64-like lines).
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n';
  m.push(msg('Big', 90, { body: Buffer.from(line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))), header: 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n' }));
  const folders: SeedFolder[] = [{ path: 'Sent', specialUse: '\\Sent' }, { path: 'Drafts', specialUse: '\\Drafts' }] as SeedFolder[];
  return { folders, messages: m };
}

/** A message as the destination is expected to store it. */
export type Expect = (folder: string, raw: Buffer, flags: string[]) => { raw: Buffer; flags: string[] };

/** Cyrus munge8bit: every 8-bit byte of the header block becomes 'X' (the body is untouched). */
export function munge8bitHeaders(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const out = Buffer.from(raw);
  for (let i = 0; i < (end < 0 ? raw.length : end); i++) if (out[i]! >= 0x80) out[i] = 0x58;
  return out;
}

/**
 * Message by message: every source message of a copied folder is in the mapped destination folder
 * exactly as `expected` says (bytes, flags, INTERNALDATE), as many times as on the source, and
 * the destination folder holds nothing else.
 */
export async function expectMessageByMessage(
  source: Endpoint,
  destination: Endpoint,
  user: JobUser,
  where: Map<string, string>,
  expected: Expect,
): Promise<{ messages: number }> {
  const [src, dst] = await Promise.all([readAll(source, user.user, user.password), readAll(destination, user.dstUser ?? user.user, user.password)]);
  const dstBy = new Map(dst.map((f) => [f.path, f]));
  let n = 0;
  for (const f of src) {
    const to = where.get(f.path);
    if (to === undefined) continue;
    // Under an 'INBOX.' prefix, "INBOX/x" and "x" are one wire name; readAll lists it as "x".
    const dest: FolderSnapshot | undefined = dstBy.get(to) ?? dstBy.get(to.replace(/^INBOX\//, ''));
    const want = f.messages.map((m) => {
      const e = expected(f.path, m.raw, m.flags);
      return `${sha(e.raw)} ${[...e.flags].sort().join(' ')} ${m.internalDate.toISOString()}`;
    });
    const got = (dest?.messages ?? []).map((m) => `${m.sha256} ${m.flags.join(' ')} ${m.internalDate.toISOString()}`);
    expect(got.sort(), `${f.path} -> ${to}`).toEqual(want.sort());
    n += want.length;
  }
  return { messages: n };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Every account's destination equals its source (bytes, flags, dates), folder by folder through
 * the mapping the job's `status --json` shows: what the user would check after any run.
 */
export async function expectMirrored(job: InteropJob, source: Endpoint, destination: Endpoint, users: { user: string; password: string }[]): Promise<void> {
  const st = await job.status();
  for (const u of users) {
    const acc = st.accounts.find((a) => a.sourceUser === u.user)!;
    const where = new Map(acc.folders.filter((f) => f.state === 'active').map((f) => [f.source, f.destination]));
    const [src, dst] = await Promise.all([readAll(source, u.user, u.password, { hashOnly: true }), readAll(destination, u.user, u.password, { hashOnly: true })]);
    expect(snapshotDigest(dst)).toEqual(snapshotDigest(src, { pathOf: (f) => where.get(f.path) ?? `(unmapped) ${f.path}` }));
  }
}
