import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// SQL lives in src/store only: no module elsewhere reaches the database, its handle or
// better-sqlite3 (credentials.prepare() is the credential provider's own method, not SQL).

const ROOT = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const RULES: [string, RegExp][] = [
  ['the store handle (.db)', /\.db\b\s*[.?]|\bstore\.db\b/],
  ['a prepared SQL statement', /\.prepare\(\s*[`'"]/],
  ['raw SQL', /\.pragma\(\s*[`'"]|\.exec\(\s*[`'"]\s*(SELECT|INSERT|UPDATE|DELETE|DROP|ALTER|BEGIN|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER))\b/i],
  ['better-sqlite3', /from\s+['"]better-sqlite3['"]/],
  ['the SQLite handle accessor', /\bsqliteOf\b|sqlite-handle/],
];

describe('SQL stays inside src/store', () => {
  it('no file of src/ outside src/store touches the database', () => {
    const hits: string[] = [];
    for (const f of files(join(ROOT, 'src'))) {
      const rel = relative(ROOT, f);
      if (rel.startsWith(join('src', 'store'))) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const [what, re] of RULES) if (re.test(line)) hits.push(`${rel}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });

  it('the rules catch what they are meant to catch', () => {
    const caught = (line: string) => RULES.some(([, re]) => re.test(line));
    expect(caught("ctx.store.db.prepare('SELECT 1')")).toBe(true);
    expect(caught('const r = db.prepare(`SELECT * FROM messages`)')).toBe(true);
    expect(caught("import Database from 'better-sqlite3';")).toBe(true);
    expect(caught("db.exec('DROP TABLE events')")).toBe(true);
    expect(caught('await credentials.prepare();')).toBe(false);
    expect(caught("await conn.exec('APPEND', attributes)")).toBe(false);
    expect(caught("client.exec('CREATE', [{ type: 'ATOM', value: name }])")).toBe(false);
    expect(caught("const storePath = `${cfg.job}.mailshift.db`;")).toBe(false);
  });

  it('tests reach the store through its methods; only file-level tests open the file themselves', () => {
    // Those write SQL to play another program tampering with the FILE (or the previous version).
    const FILE_LEVEL = new Set(['test/unit/store.test.ts', 'test/integration/store-health.test.ts']);
    const hits: string[] = [];
    for (const f of files(join(ROOT, 'test'))) {
      const rel = relative(ROOT, f);
      if (rel === 'test/unit/sql-boundary.test.ts') continue;
      const text = readFileSync(f, 'utf8');
      if (/\bstore\.db\b|\.db\.(prepare|exec|pragma|transaction)\(|\bsqliteOf\(/.test(text)) hits.push(`${rel}: store.db`);
      if (!FILE_LEVEL.has(rel) && /from\s+['"]better-sqlite3['"]/.test(text)) hits.push(`${rel}: better-sqlite3`);
    }
    expect(hits).toEqual([]);
  });
});
