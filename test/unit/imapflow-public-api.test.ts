import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// mailshift uses imapflow's public API only: no deep imports, no private fields, no internal
// methods. A new release may change any of those without notice; this test fails the build
// the day one of them appears in src/ again.

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : /\.(ts|js|mjs|cjs)$/.test(n) ? [p] : [];
  });
}

// Each pattern names what it catches. `exec(` with a string first argument is imapflow's
// internal command runner (a RegExp's exec takes a variable, never a quoted command name).
const FORBIDDEN: [RegExp, string][] = [
  [/imapflow\/(lib|dist)\b/, 'deep import of imapflow internals'],
  [/\.exec\(\s*['"`][A-Z]/, "imapflow's internal exec()"],
  [/\.run\(\s*['"`](?:APPEND|FETCH|SELECT|EXAMINE|CAPABILITY|NOOP|LOGIN|AUTHENTICATE|ID|ENABLE|COMPRESS|STARTTLS)\b/, "imapflow's internal run()"],
  [/\btagCounter\b/, 'imapflow private field tagCounter'],
  [/\brequestQueue\b/, 'imapflow private field requestQueue'],
  [/\bcurrentRequest\b/, 'imapflow private field currentRequest'],
  [/\b_inflate\b|\b_deflate\b/, 'imapflow private compression streams'],
  [/\bstreamer\b/, "imapflow's private response streamer"],
  [/\bdisableBinary\b/, 'imapflow private option field'],
  [/\benhanceCommandError\b|\bgetSelectedMailbox\b|\bclearSocketHandlers\b/, 'imapflow internal helper'],
  [/\.(?:socket|writeSocket)\b(?!\s*[:=]\s)/, 'imapflow socket fields (use unbind())'],
];

// BulkConnection's own run() takes the same command names on a connection mailshift owns.
const OWN_RUN = new Set(['src/imap/bulk/connection.ts', 'src/imap/bulk/commands.ts', 'src/sandbox/cyrus.ts']);

describe('imapflow public API only', () => {
  it('finds no imapflow internals in src/', () => {
    const hits: string[] = [];
    for (const file of sources(join(root, 'src'))) {
      const rel = relative(root, file).replace(/\\/g, '/');
      const text = readFileSync(file, 'utf8');
      // Field and method names are only imapflow's in files that handle an ImapFlow; a deep
      // import is wrong anywhere.
      const usesImapflow = /imapflow|ImapFlow|openClient\(/.test(text);
      for (const [i, line] of text.split('\n').entries()) {
        if (/^\s*(\/\/|\*)/.test(line)) continue; // comments may name what they avoid
        for (const [re, what] of FORBIDDEN) {
          if (!usesImapflow && !what.startsWith('deep import')) continue;
          if (what.includes('run()') && OWN_RUN.has(rel)) continue;
          if (re.test(line)) hits.push(`${rel}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`);
        }
      }
    }
    expect(hits).toEqual([]);
  });

  it('pins imapflow to one exact version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.imapflow).toMatch(/^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    expect(lock.packages['node_modules/imapflow']!.version).toBe(pkg.dependencies.imapflow);
  });

  it('would catch each pattern it looks for', () => {
    // The patterns themselves, checked on the very lines the old bulk path had.
    const old = [
      "import { encodePath } from 'imapflow/lib/tools.js';",
      "response = await conn.exec('APPEND', attributes, { untagged: false });",
      'const tags = (c.tagCounter ?? 0) + 1;',
      '(c.requestQueue?.length ?? 0) === 0',
      '!c.currentRequest &&',
      '!c._inflate &&',
      'socket.unpipe(streamer);',
      'c.writeSocket === c.socket',
    ];
    for (const l of old) expect(FORBIDDEN.some(([re]) => re.test(l)), l).toBe(true);
    // ...and not on ordinary code.
    for (const l of ['const m = /^(\\d+)$/.exec(line);', 'db.exec(m.sql);', "await bulk.noop();", 'const { readSocket, writeSocket, socket } = client.unbind();']) {
      expect(FORBIDDEN.some(([re]) => re.test(l)), l).toBe(false);
    }
  });
});
