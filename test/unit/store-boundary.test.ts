import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// Everything outside src/store reaches an aggregate through the store contract (`store.sync`,
// `store.dualRun`, `ctx.store.verify`, …): no module or test constructs a store class itself, so
// the same code runs on SQLite and on the memory twin. The class list is read from src/store,
// so a new aggregate class is covered without editing this test. The only entry points are
// `Store.open()` (SQLite) and `openMemoryStore()` (memory).

const ROOT = join(import.meta.dirname, '..', '..');
const STORE_DIR = join('src', 'store') + sep;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every class src/store exports, but the two stores themselves (opened, never constructed outside). */
function storeClasses(): string[] {
  const names = new Set<string>();
  for (const f of files(join(ROOT, 'src', 'store'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^export class (\w+)/gm)) names.add(m[1]!);
  }
  names.delete('Store');
  return [...names].sort();
}

const constructs = (classes: string[]) => new RegExp(`\\bnew\\s+(${classes.join('|')})\\s*\\(`);

describe('store classes are constructed only inside src/store', () => {
  const classes = storeClasses();

  it('finds the aggregate classes of both implementations', () => {
    for (const c of ['SyncStore', 'DualRunStore', 'DualRunActionsStore', 'DualRunHealthStore', 'CutoverStore', 'VerifyStore', 'GroupwareStore', 'PipelineStore', 'MemoryCopyCheckpoints', 'MemoryDualRunActions', 'MemoryVerifyRecords']) {
      expect(classes).toContain(c);
    }
  });

  it('no file of src/ or test/ outside src/store constructs one', () => {
    const re = constructs(classes);
    const hits: string[] = [];
    for (const f of [...files(join(ROOT, 'src')), ...files(join(ROOT, 'test'))]) {
      const rel = relative(ROOT, f);
      if (rel.startsWith(STORE_DIR) || rel === join('test', 'unit', 'store-boundary.test.ts')) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (re.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });

  it('the rule catches what it is meant to catch', () => {
    const re = constructs(classes);
    expect(re.test('const sync = new SyncStore(ctx.store);')).toBe(true);
    expect(re.test('const hs = new DualRunHealthStore( store )')).toBe(true);
    expect(re.test('const s = new MemoryStore();')).toBe(true);
    expect(re.test('const sync = ctx.store.sync;')).toBe(false);
    expect(re.test('const store = Store.open(path);')).toBe(false);
    expect(re.test('const m = new Map<string, SyncStore>();')).toBe(false);
  });
});
