import { existsSync, readFileSync } from 'node:fs';
import type { GroupwareRecords } from '../store/groupware-store.js';
import type { AsyncOf } from '../store/contract/async.js';
import type { DavSession } from './dav.js';
import { describeObject, parseObject, sameContent, splitExport } from './objects.js';
import type { GroupwareSource } from './source.js';

// `groupware verify`: per collection, every source object by UID on the destination once, with
// the same content (a copy its user changed on the destination, recorded as kept, counts as there).

export interface CollectionVerify {
  collection: string;
  kind: string;
  sourceObjects: number;
  destinationObjects: number;
  missing: number;
  duplicated: number;
  altered: number;
  kept: number;
  details: { uid: string; problem: string }[];
  error?: string;
}

export type VerifyDestination = { kind: 'dav'; dav: DavSession } | { kind: 'files'; dir: string; person: string };

export async function verifyAccount(deps: { gs: AsyncOf<GroupwareRecords>; accountId: number; source: GroupwareSource; dst: VerifyDestination }): Promise<CollectionVerify[]> {
  const { gs, accountId, source, dst } = deps;
  const rows = new Map((await gs.collections(accountId)).map((r) => [r.sourceHref, r]));
  const out: CollectionVerify[] = [];
  for (const c of await source.collections()) {
    const row = rows.get(c.href);
    const v: CollectionVerify = { collection: c.displayName ?? c.href, kind: c.kind, sourceObjects: 0, destinationObjects: 0, missing: 0, duplicated: 0, altered: 0, kept: 0, details: [] };
    out.push(v);
    if (!row?.destinationHref) {
      v.error = 'not copied yet (run "mailshift groupware sync")';
      continue;
    }
    const keptUids = new Set((await gs.objects(row.id)).filter((o) => o.state === 'kept').map((o) => o.uid));
    const src = new Map<string, Buffer>();
    for (const item of (await source.list(c, null)).items) {
      const body = (await source.get(item.href)).body;
      src.set(describeObject(body).uid ?? item.href, body);
    }
    v.sourceObjects = src.size;
    const there = new Map<string, Buffer[]>();
    const add = (uid: string, body: Buffer) => there.set(uid, [...(there.get(uid) ?? []), body]);
    if (dst.kind === 'dav') {
      for (const item of await dst.dav.list(row.destinationHref)) {
        const got = await dst.dav.get(item.href);
        add(describeObject(got.body).uid ?? item.href, got.body);
      }
    } else if (existsSync(row.destinationHref)) {
      const text = readFileSync(row.destinationHref, 'utf8');
      if (c.kind === 'addressbook') {
        const r = splitExport(text, 'VCARD');
        if ('blocks' in r) for (const b of r.blocks) add(describeObject(b.text).uid ?? `line ${b.line}`, Buffer.from(b.text));
      } else {
        const cal = parseObject(text);
        const seen = new Set<string>();
        for (const sub of cal.getAllSubcomponents()) {
          if (sub.name === 'vtimezone') continue;
          const uid = String(sub.getFirstPropertyValue('uid'));
          // Exceptions share their master's UID in one resource; one UID is one object here.
          if (seen.has(uid)) continue;
          seen.add(uid);
          add(uid, Buffer.from(''));
        }
      }
    }
    v.destinationObjects = [...there.values()].reduce((n, l) => n + l.length, 0);
    for (const [uid, body] of src) {
      const copies = there.get(uid) ?? [];
      if (keptUids.has(uid) && copies.length === 1) {
        v.kept++;
        continue;
      }
      if (copies.length === 0) (v.missing++, v.details.push({ uid, problem: 'missing' }));
      else if (copies.length > 1) (v.duplicated++, v.details.push({ uid, problem: `${copies.length} copies` }));
      // Files hold converted vCard 3.0 / merged calendars: there, presence by UID is the check.
      else if (dst.kind === 'dav' && !sameContent(copies[0]!, body)) (v.altered++, v.details.push({ uid, problem: 'content differs' }));
    }
    await gs.saveVerify({
      collectionId: row.id,
      checkedAt: new Date().toISOString(),
      sourceObjects: v.sourceObjects,
      destinationObjects: v.destinationObjects,
      missing: v.missing,
      duplicated: v.duplicated,
      altered: v.altered,
      details: v.details.slice(0, 100),
    });
  }
  return out;
}
