import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { offsetLabel, stepsFor } from '../../src/cutover/plan.js';
import { countSpfLookups, firstReceived, mxPatternMatches, parseDkimKey, parseMtaStsPolicy, parseTags, spfIncludes } from '../../src/cutover/records.js';
import { classify } from '../../src/cutover/watch.js';
import { parseDuration } from '../../src/cli/commands/cutover.js';

// Pure logic of the cutover checks (no I/O): record parsers, SPF counting, MTA-STS matching,
// Received: traces, checklist offsets.

describe('SPF lookup counting (RFC 7208 §4.6.4)', () => {
  const zone: Record<string, string[]> = {
    'a.test': ['v=spf1 include:b.test mx a:x.test ptr exists:%{i}.e.test ip4:1.2.3.4 -all'],
    'b.test': ['v=spf1 redirect=c.test'],
    'c.test': ['v=spf1 ip6:2001:db8::/32 -all'],
    'loop.test': ['v=spf1 include:loop2.test -all'],
    'loop2.test': ['v=spf1 include:loop.test -all'],
    'void.test': ['not spf'],
  };
  const getTxt = async (n: string) => zone[n] ?? [];

  it('counts include, a, mx, ptr, exists and redirect, recursively; ip4/ip6/all are free', async () => {
    const r = await countSpfLookups(zone['a.test']![0]!, 'a.test', getTxt);
    expect(r.lookups).toBe(6); // include, mx, a, ptr, exists (a.test) + redirect (b.test)
    expect(r.problems).toEqual([]);
  });

  it('reports loops and includes without an SPF record', async () => {
    const loop = await countSpfLookups(zone['loop.test']![0]!, 'loop.test', getTxt);
    expect(loop.problems).toEqual(['loop: loop.test -> loop2.test -> loop.test']);
    const missing = await countSpfLookups('v=spf1 include:void.test -all', 'x.test', getTxt);
    expect(missing.problems[0]).toContain('void.test (from x.test) has no SPF record');
  });

  it('finds a direct include with any qualifier and trailing dot', () => {
    expect(spfIncludes('v=spf1 ~include:spf.protection.outlook.com. -all', 'spf.protection.outlook.com')).toBe(true);
    expect(spfIncludes('v=spf1 include:spf.protection.outlook.com.evil.test -all', 'spf.protection.outlook.com')).toBe(false);
  });
});

describe('DKIM keys', () => {
  const p = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  it('accepts a real RSA key, split with spaces as zone files do', () => {
    expect(parseDkimKey(`v=DKIM1; k=rsa; p=${p.slice(0, 50)} ${p.slice(50)}`)).toMatchObject({ ok: true, keyType: 'rsa', bits: 1024 });
  });
  it('rejects a revoked, missing, malformed or wrong-version key', () => {
    expect(parseDkimKey('v=DKIM1; p=')).toMatchObject({ ok: false, problem: 'p= is empty: the key is revoked' });
    expect(parseDkimKey('v=DKIM1; k=rsa')).toMatchObject({ ok: false, problem: 'no p= (public key) tag' });
    expect(parseDkimKey('v=DKIM1; p=***')).toMatchObject({ ok: false, problem: 'p= is not base64' });
    expect(parseDkimKey(`v=DKIM2; p=${p}`)).toMatchObject({ ok: false });
    expect(parseDkimKey(`v=DKIM1; k=ed25519; p=${Buffer.alloc(32, 1).toString('base64')}`)).toMatchObject({ ok: true, keyType: 'ed25519' });
  });
  it('parses tag lists', () => {
    expect(Object.fromEntries(parseTags(' v=DMARC1 ; P=reject;rua=mailto:a@b.test; '))).toEqual({ v: 'DMARC1', p: 'reject', rua: 'mailto:a@b.test' });
  });
});

describe('MTA-STS policy', () => {
  it('parses the policy file and flags problems', () => {
    const ok = parseMtaStsPolicy('version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n');
    expect(ok).toEqual({ version: 'STSv1', mode: 'enforce', mx: ['mail.example.com', '*.example.net'], maxAge: 604800, problems: [] });
    expect(parseMtaStsPolicy('version: STSv1\nmode: strict\n').problems).toEqual([
      'mode is strict (enforce, testing or none)',
      'max_age is missing or not a number',
      'no mx: lines',
    ]);
  });
  it('matches wildcards for exactly one left-most label (RFC 8461 §4.1)', () => {
    expect(mxPatternMatches('*.example.net', 'mx1.example.net')).toBe(true);
    expect(mxPatternMatches('*.example.net', 'a.mx1.example.net')).toBe(false);
    expect(mxPatternMatches('*.example.net', 'example.net')).toBe(false);
    expect(mxPatternMatches('Mail.Example.com.', 'mail.example.com')).toBe(true);
  });
});

describe('Received: trace', () => {
  it('takes the first (newest) Received header, unfolded', () => {
    const h = 'Return-Path: <a@b>\r\nReceived: from mta7.sender.test (mta7.sender.test [203.0.113.9])\r\n\tby mx.old.test with ESMTPS id 1;\r\n Tue, 1 Dec 2026 10:00:00 +0000\r\nReceived: from inner by mta7.sender.test; Tue, 1 Dec 2026 09:59:59 +0000\r\nSubject: x\r\n';
    expect(firstReceived(h)).toEqual({ from: 'mta7.sender.test (mta7.sender.test [203.0.113.9])', by: 'mx.old.test', date: 'Tue, 1 Dec 2026 10:00:00 +0000' });
    expect(firstReceived('Subject: none\r\n')).toBeUndefined();
  });
});

describe('checklist and watch helpers', () => {
  it('labels offsets and computes due times from T', () => {
    expect([offsetLabel(-7 * 86400), offsetLabel(0), offsetLabel(72 * 3600), offsetLabel(-2 * 3600)]).toEqual(['T-7d', 'T', 'T+3d', 'T-2h']);
    const steps = stepsFor(new Date('2026-12-05T02:00:00Z'));
    expect(steps.find((s) => s.key === 'sync-parity')!.dueAt).toBe('2026-12-04T02:00:00.000Z');
    expect(stepsFor(undefined).every((s) => s.dueAt === null)).toBe(true);
  });
  it('classifies MX answers as old, new or mixed', () => {
    const nw = [{ host: 'new.test', priority: 0 }];
    expect(classify([{ host: 'new.test', priority: 0 }], nw)).toBe('new');
    expect(classify([{ host: 'old.test', priority: 10 }], nw)).toBe('old');
    expect(classify([{ host: 'old.test', priority: 10 }, { host: 'new.test', priority: 0 }], nw)).toBe('mixed');
  });
  it('parses durations', () => {
    expect(parseDuration('72h', '--for')).toBe(72 * 3600_000);
    expect(parseDuration('90', '--interval')).toBe(90_000);
    expect(parseDuration('5m', '--sync-every')).toBe(300_000);
    expect(() => parseDuration('soon', '--for')).toThrow('--for: "soon" is not a duration');
  });
});
