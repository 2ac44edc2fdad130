#!/usr/bin/env node
// Tool CPU of one first copy, for profiling the copy path (not a benchmark: no mbsync, no
// fidelity check). Seeds a source once, then copies it into a fresh destination per run and
// prints the tool's CPU seconds (user + system); with --cpu-prof DIR also writes V8 profiles.
//
//   node bench/cpu-profile.mjs --preset small --profile m365 --runs 2 [--cpu-prof /tmp/prof]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from '../dist/corpus/index.js';
import { startDovecot } from '../dist/sandbox/dovecot.js';
import { seedUser } from '../dist/sandbox/seed.js';
import { startCapProxy } from '../dist/sandbox/cap-proxy.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const preset = opt('--preset', 'small');
const profile = opt('--profile', undefined);
const runs = Number(opt('--runs', '1'));
const prof = opt('--cpu-prof', undefined);
const work = mkdtempSync(join(tmpdir(), 'mailshift-cpuprof-'));
const users = generateCorpus(preset);
const src = await startDovecot({ name: 'source', separator: '/', namespacePrefix: '' });
try {
  for (const u of users) await seedUser(src, u, { preserveOrder: false, connections: 4 });
  for (let i = 0; i < runs; i++) {
    const dst = await startDovecot({ name: `dest-${i}`, separator: '.', namespacePrefix: 'INBOX.', durable: true });
    const proxy = profile ? await startCapProxy({ host: '127.0.0.1', port: dst.port }, profile) : undefined;
    await dst.addUsers(users.map((u) => ({ user: u.user, password: u.password })));
    const dir = join(work, `job-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
    const s = (port, p) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, ...(p ? { preset: p } : {}) });
    writeFileSync(join(dir, 'mailshift.yaml'), JSON.stringify({ job: 'prof', domain: 'acme.test', source: s(src.port, 'dovecot'), destination: s(proxy ? proxy.port : dst.port, proxy ? undefined : 'dovecot'), accounts: 'accounts.csv' }));
    const node = [...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []), join(ROOT, 'bin', 'mailshift.js'), 'sync', '--config', join(dir, 'mailshift.yaml'), '--no-progress', '--json'];
    const t0 = process.hrtime.bigint();
    const r = await new Promise((res) => {
      const c = spawn('/usr/bin/time', ['-v', process.execPath, ...node], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) => res({ code, out, err }));
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = ['User', 'System'].map((k) => Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(r.err)?.[1]));
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.err)?.[1]) / 1024;
    let copied = '?';
    try { copied = JSON.parse(r.out).copied; } catch { console.error(r.err.slice(-1500)); }
    console.log(`run ${i + 1}: exit ${r.code}, copied ${copied}, ${secs.toFixed(2)} s wall, CPU ${cpu[0]} user + ${cpu[1]} sys = ${(cpu[0] + cpu[1]).toFixed(2)} s, peak RSS ${rss.toFixed(0)} MiB${proxy ? `, proxy violations ${proxy.violations.length}; commands ${[...proxy.commands].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}` : ''}`);
    await proxy?.close();
    await dst.destroy();
  }
} finally {
  await src.destroy();
  rmSync(work, { recursive: true, force: true });
}
