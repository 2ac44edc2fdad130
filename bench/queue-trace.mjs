#!/usr/bin/env node
// Where a copy's wall time goes (not a benchmark: no mbsync, no fidelity check). Seeds a source
// once, then copies it into a fresh destination per run with --log-level debug and reads the job
// log: per folder task when it started, how long it waited for its sessions and how long it ran;
// how many tasks ran at once over time (the tail: the end of the copy with sessions idle); the
// byte budget's waits. --bin runs another build (e.g. an old commit's worktree) on the same source.
//
//   node bench/queue-trace.mjs --preset medium [--profile m365] [--runs 2] [--bin /tmp/old/bin/mailshift.js,MAILSHIFT_BULK=off:bin/mailshift.js]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const preset = opt('--preset', 'medium');
const profile = opt('--profile', undefined);
const runs = Number(opt('--runs', '1'));
const bins = (opt('--bin', join(ROOT, 'bin', 'mailshift.js'))).split(',');
// NAME=VALUE:bin in --bin runs that build with one environment variable set (e.g. MAILSHIFT_BULK=off).
const work = mkdtempSync(join(tmpdir(), 'mailshift-qtrace-'));
const users = generateCorpus(preset);

function summarise(logFile) {
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const tasks = lines.filter((l) => l.msg === 'folder task done').map((l) => ({ account: l.account, folder: l.folder, messages: l.messages, start: l.startedAt + l.leaseWaitMs, end: l.startedAt + l.leaseWaitMs + l.ranMs, wait: l.leaseWaitMs }));
  const peak = lines.find((l) => l.msg === 'sessions held at most');
  const budget = lines.find((l) => l.msg === 'byte budget: waits for memory');
  if (!tasks.length) return 'no folder task lines (an older build?)';
  const t0 = Math.min(...lines.filter((l) => l.time).map((l) => l.time));
  const end = Math.max(...tasks.map((t) => t.end));
  const step = 500;
  const profileLine = [];
  for (let t = t0; t < end; t += step) profileLine.push(tasks.filter((x) => x.start < t + step && x.end > t).length);
  const byLen = [...tasks].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, 5);
  const last = [...tasks].sort((a, b) => b.start - a.start)[0];
  const cap = Math.max(...profileLine);
  let tailFrom = end;
  for (let i = profileLine.length - 1; i >= 0 && profileLine[i] < cap; i--) tailFrom = t0 + i * step;
  return [
    `tasks ${tasks.length}, first log line -> last task end ${((end - t0) / 1000).toFixed(2)} s`,
    `tasks running per ${step} ms: ${profileLine.join(' ')}`,
    `below the peak (${cap}) for the last ${((end - tailFrom) / 1000).toFixed(2)} s; last task started at ${((last.start - t0) / 1000).toFixed(2)} s (${last.account} ${last.folder}, ${last.messages} msgs, ${((last.end - last.start) / 1000).toFixed(2)} s)`,
    `longest tasks: ${byLen.map((t) => `${String(t.account).split('@')[0]} ${t.folder} ${t.messages} msgs ${((t.start - t0) / 1000).toFixed(1)}-${((t.end - t0) / 1000).toFixed(1)} s`).join('; ')}`,
    `spare pairs that helped a folder: ${lines.filter((l) => l.msg === 'a spare session pair helps copy this folder').length}`,
    `lease waits total ${(tasks.reduce((n, t) => n + t.wait, 0) / 1000).toFixed(2)} s; ${peak ? `sessions peak ${JSON.stringify(peak.sessionsPeak)}` : ''}${budget ? `, budget ${JSON.stringify(budget.budget)}` : ''}`,
  ].join('\n  ');
}

const src = await startDovecot({ name: 'source', separator: '/', namespacePrefix: '' });
try {
  for (const u of users) await seedUser(src, u, { preserveOrder: false, connections: 4 });
  for (let i = 0; i < runs; i++) {
    for (const [b, spec] of bins.entries()) {
      const [envKV, bin] = spec.includes(':') ? spec.split(':') : ['', spec];
      const extraEnv = envKV ? Object.fromEntries([envKV.split('=')]) : {};
      const dst = await startDovecot({ name: `dest-${i}-${b}`, separator: '.', namespacePrefix: 'INBOX.', durable: true });
      const proxy = profile ? await startCapProxy({ host: '127.0.0.1', port: dst.port }, profile) : undefined;
      await dst.addUsers(users.map((u) => ({ user: u.user, password: u.password })));
      const dir = join(work, `job-${i}-${b}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${u.user},${u.password}`).join('\n') + '\n');
      const s = (port, p) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, ...(p ? { preset: p } : {}) });
      // The same configuration as bench/run.js.
      writeFileSync(join(dir, 'mailshift.yaml'), JSON.stringify({ job: 'qtrace', domain: 'acme.test', store: join(dir, 'job.db'), source: s(src.port, 'dovecot'), destination: s(proxy ? proxy.port : dst.port, proxy ? undefined : 'dovecot'), accounts: 'accounts.csv' }));
      const t0 = process.hrtime.bigint();
      const r = await new Promise((res) => {
        const c = spawn('/usr/bin/time', ['-v', process.execPath, bin, 'sync', '--config', join(dir, 'mailshift.yaml'), '--no-progress', '--json', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('close', (code) => res({ code, out, err }));
      });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = ['User', 'System'].map((k) => Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(r.err)?.[1]));
      let copied = '?';
      try {
        copied = JSON.parse(r.out).copied;
      } catch {
        console.error(r.err.slice(-1500));
      }
      let trace = '';
      try {
        trace = summarise(join(dir, 'job.log'));
      } catch (e) {
        trace = `no trace: ${e.message}`;
      }
      console.log(`run ${i + 1} ${spec}: exit ${r.code}, copied ${copied}, ${secs.toFixed(2)} s wall, tool CPU ${(cpu[0] + cpu[1]).toFixed(2)} s${proxy ? `, proxy violations ${proxy.violations.length}` : ''}\n  ${trace}`);
      await proxy?.close();
      await dst.destroy();
    }
  }
} finally {
  await src.destroy();
  rmSync(work, { recursive: true, force: true });
}
