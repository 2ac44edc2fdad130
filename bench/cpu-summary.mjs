#!/usr/bin/env node
// Sums the .cpuprofile files that `cpu-profile.mjs --cpu-prof DIR` wrote: self time per function
// and per file, and the inclusive share of one path fragment (default the SQLite store, dist/store/):
// a sample counts once when any frame of its stack is in that path, so native better-sqlite3 time
// under a store method is counted with the store.
//
// Worker threads (the WAL checkpointer) write profiles of their own: --threads all counts them too.
//
//   node bench/cpu-summary.mjs DIR [--top 25] [--match /dist/store/] [--threads main|all]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args[0];
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const top = Number(opt('--top', '25'));
const match = opt('--match', '/dist/store/');
const threads = opt('--threads', 'main');
if (!dir) {
  console.error('usage: node bench/cpu-summary.mjs DIR [--top N] [--match PATH]');
  process.exit(2);
}

const byFn = new Map();
const byFile = new Map();
const inclusive = new Map(); // store function (outermost frame in `match`) -> µs
let total = 0;
let matched = 0;
const short = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/') || '(native)';
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);

// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread.
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && (threads === 'all' || /\.\d+\.0\.\d+\.cpuprofile$/.test(f)));
for (const f of files) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The outermost frame of `match` on each node's stack (cached per node).
  const storeFrame = new Map();
  const frameIn = (id) => {
    if (storeFrame.has(id)) return storeFrame.get(id);
    const n = nodes.get(id);
    const up = parent.has(id) ? frameIn(parent.get(id)) : null;
    const here = n.callFrame.url.includes(match) ? `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : null;
    const v = up ?? here;
    storeFrame.set(id, v);
    return v;
  };
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const n = nodes.get(id);
    const fr = n.callFrame;
    total += dt;
    add(byFn, `${fr.functionName || '(anon)'} ${short(fr.url)}:${fr.lineNumber + 1}`, dt);
    add(byFile, short(fr.url), dt);
    const s = frameIn(id);
    if (s) {
      matched += dt;
      add(inclusive, s, dt);
    }
  });
}

const ms = (us) => (us / 1000).toFixed(0).padStart(7) + ' ms';
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
const show = (title, m, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${ms(v)} ${pct(v)}  ${k}`);
};
const idle = byFn.get('(idle) (native):0') ?? 0;
console.log(`${files.length} profiles (${threads} threads), ${ms(total)} sampled, ${ms(total - idle)} not idle; under ${match}: ${ms(matched)} ${pct(matched)} of all, ${((100 * matched) / (total - idle)).toFixed(1)}% of not idle`);
show('self time by function', byFn, top);
show('self time by file', byFile, top);
show(`inclusive time by outermost ${match} function`, inclusive, top);
