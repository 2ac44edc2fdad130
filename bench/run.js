#!/usr/bin/env node
// mailshift benchmark: generates a corpus into a fresh Dovecot source and copies it, in the same
// run, with mailshift and with mbsync (one process per account, all at once) into two fresh
// destinations; checks each destination against the source; writes a Markdown table.
//
//   npm run bench                  # medium corpus (~20,000 messages, ~1 GB), 3 rounds
//   npm run bench -- --preset small --runs 5
//   npm run bench -- --preset many --runs 1   # 100,000 small messages: memory must stay flat
//   npm run bench -- --profile m365           # destinations behind the capability proxy (m365, gmail, minimal)
//   npm run bench -- --destination cyrus      # Cyrus IMAP destinations (test/support/install-cyrus.sh)
//   npm run bench -- --connections 5          # mailshift's maxConnections on both sides (default: the presets')
//
// Plain ESM importing the built code from dist/ (npm run bench builds first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from '../dist/corpus/index.js';
import { startDovecot } from '../dist/sandbox/dovecot.js';
import { readAll } from '../dist/sandbox/read-all.js';
import { seedMaildir } from '../dist/sandbox/maildir.js';
import { seedMessages, seedUser } from '../dist/sandbox/seed.js';
import { startCyrus } from '../dist/sandbox/cyrus.js';
import { startCapProxy } from '../dist/sandbox/cap-proxy.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BIN = join(ROOT, 'bin', 'mailshift.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const preset = opt('--preset', 'medium');
const profile = opt('--profile', undefined);
const destKind = opt('--destination', 'dovecot');
const runs = Number(opt('--runs', '3'));
const connections = opt('--connections', undefined);
if (connections !== undefined && !(Number.isInteger(Number(connections)) && Number(connections) >= 1 && Number(connections) <= 64)) {
  console.error(`--connections: a whole number from 1 to 64, not "${connections}"`);
  process.exit(2);
}
if (!Number.isInteger(runs) || runs < 1 || runs > 9) {
  console.error(`--runs: a whole number from 1 to 9, not "${opt('--runs')}"`);
  process.exit(2);
}
if (!['tiny', 'small', 'medium', 'many'].includes(preset)) {
  console.error(`--preset: tiny, small, medium or many, not "${preset}"`);
  process.exit(2);
}
if (profile !== undefined && !['m365', 'gmail', 'minimal'].includes(profile)) {
  console.error(`--profile: m365, gmail or minimal, not "${profile}"`);
  process.exit(2);
}
if (!['dovecot', 'cyrus'].includes(destKind)) {
  console.error(`--destination: dovecot or cyrus, not "${destKind}"`);
  process.exit(2);
}
const MBSYNC = ['/usr/bin/mbsync', '/usr/local/bin/mbsync'].find((p) => existsSync(p));
const IMAPSYNC = spawnSync('sh', ['-c', 'command -v imapsync'], { encoding: 'utf8' }).stdout.trim() || undefined;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const work = mkdtempSync(join(tmpdir(), 'mailshift-bench-'));
const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** Runs a command, measuring wall time and peak RSS (of the process tree, via /usr/bin/time -v). */
function timed(cmd, argv, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const full = TIME ? [TIME, ['-v', cmd, ...argv]] : [cmd, argv];
    const child = spawn(full[0], full[1], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
      const cpu = ['User', 'System'].reduce((n, k) => n + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(err)?.[1] ?? NaN), 0);
      resolve({ code, seconds, rssMiB: m ? Number(m[1]) / 1024 : undefined, cpu, out, err });
    });
  });
}

// Destinations store mail as a production server does (fsync before each APPEND's OK); the
// source only serves reads, and is filled faster without it.
const server = (name, sep, prefix) => startDovecot({ name, separator: sep, namespacePrefix: prefix, durable: name !== 'source' });

/**
 * The user name on the destination: Cyrus without virtual domains takes letters, digits, '_' and
 * '-' only (its classic namespace uses '.' as the separator), so there both tools copy into the
 * same renamed login; on Dovecot it is the source's own.
 */
const dstUser = (u) => (destKind === 'cyrus' ? u.user.replace(/[^a-z0-9_-]/gi, '_') : u.user);

/**
 * A destination as the tools see it: Dovecot ('.' + 'INBOX.') or Cyrus (classic namespace, the
 * same shape), optionally behind the capability-filtering proxy of a provider profile. `imap` is
 * where the tools connect; the server itself is read for the fidelity check and its CPU.
 */
async function destination(name) {
  const srv = destKind === 'cyrus' ? await startCyrus({ name, namespace: 'classic' }) : await server(name, '.', 'INBOX.');
  const proxy = profile ? await startCapProxy({ host: '127.0.0.1', port: srv.port }, profile) : undefined;
  return {
    srv,
    proxy,
    imap: { port: proxy ? proxy.port : srv.port },
    addUsers: (us) => srv.addUsers(us),
    destroy: async () => {
      await proxy?.close();
      await srv.destroy();
    },
  };
}

// ---- fidelity ---------------------------------------------------------------------------------

/** Per folder: missing, duplicated, altered bytes, flag and date differences against the source. */
async function compare(src, dst, users, mapFolder) {
  const r = { messages: 0, missing: 0, duplicated: 0, altered: 0, flags: 0, dates: 0 };
  for (const u of users) {
    const [a, b] = await Promise.all([readAll(src, u.user, u.password, { hashOnly: true }), readAll(dst, dstUser(u), u.password, { hashOnly: true })]);
    const dstBy = new Map(b.map((f) => [f.path, f]));
    for (const f of a) {
      r.messages += f.messages.length;
      const target = dstBy.get(mapFolder(u.user, f.path));
      const got = target ? [...target.messages] : [];
      if (target) dstBy.delete(target.path);
      // Pair by identical bytes first, then whatever is left by position (altered bytes).
      const left = [];
      for (const m of f.messages) {
        const i = got.findIndex((x) => x.sha256 === m.sha256);
        if (i < 0) {
          left.push(m);
          continue;
        }
        const x = got.splice(i, 1)[0];
        if (x.flags.join(' ') !== m.flags.join(' ')) r.flags++;
        if (x.internalDate.getTime() !== m.internalDate.getTime()) r.dates++;
      }
      for (const m of left) {
        const x = got.shift();
        if (!x) {
          r.missing++;
          continue;
        }
        r.altered++;
        if (x.flags.join(' ') !== m.flags.join(' ')) r.flags++;
        if (x.internalDate.getTime() !== m.internalDate.getTime()) r.dates++;
      }
      r.duplicated += got.length;
    }
    for (const f of dstBy.values()) r.duplicated += f.messages.length; // in folders the source does not have
  }
  return r;
}

// ---- tools under test ---------------------------------------------------------------------------

function mailshiftJob(src, dst, users, round) {
  const dir = join(work, `mailshift-job-${round}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + users.map((u) => `${u.user},${u.password},${dstUser(u)},${u.password}`).join('\n') + '\n');
  const s = (port, preset) => ({ host: '127.0.0.1', port, tls: 'none', allowInsecure: true, ...(preset ? { preset } : {}), ...(connections ? { maxConnections: Number(connections) } : {}) });
  writeFileSync(join(dir, 'mailshift.yaml'), JSON.stringify({ job: 'bench', domain: 'acme.test', source: s(src.port, 'dovecot'), destination: s(dst.imap.port, destKind === 'dovecot' && !profile ? 'dovecot' : undefined), accounts: 'accounts.csv' }));
  return async () => {
    const r = await timed(process.execPath, [BIN, 'sync', '--config', join(dir, 'mailshift.yaml'), '--no-progress', '--json']);
    if (r.code !== 0) throw new Error(`mailshift exited ${r.code}: ${r.err.slice(-2000)}`);
    const json = JSON.parse(r.out);
    return { ...r, copied: json.copied, bytes: json.bytes };
  };
}

/** One dual-run pass of the same job (after its sync): nothing changed, so nothing is copied. */
async function mailshiftDualRunPass(round) {
  const dir = join(work, `mailshift-job-${round}`);
  const r = await timed(process.execPath, [BIN, 'dual-run', '--once', '--config', join(dir, 'mailshift.yaml'), '--no-progress', '--json']);
  if (r.code !== 0) throw new Error(`mailshift dual-run exited ${r.code}: ${r.err.slice(-2000)}`);
  return r;
}

/** mbsync folder name -> mailshift's mapping (for the fidelity check of mailshift). */
function mailshiftMapping(round) {
  const dir = join(work, `mailshift-job-${round}`);
  const r = spawnSync(process.execPath, [BIN, 'status', '--json', '--config', join(dir, 'mailshift.yaml')], { encoding: 'utf8' });
  const status = JSON.parse(r.stdout);
  const map = new Map();
  for (const a of status.accounts) for (const f of a.folders) if (f.direction === 'forward') map.set(`${a.sourceUser}\t${f.source}`, f.destination);
  return (user, path) => map.get(`${user}\t${path}`) ?? path;
}

function mbsyncJob(src, dst, users, round) {
  const dir = join(work, `mbsync-${round}`);
  mkdirSync(dir, { recursive: true });
  const configs = users.map((u, i) => {
    const state = join(dir, `state-${i}`) + '/';
    mkdirSync(state, { recursive: true });
    const pass = join(dir, `pass-${i}`);
    writeFileSync(pass, u.password, { mode: 0o600 });
    const file = join(dir, `mbsyncrc-${i}`);
    // Copy everything, keep arrival dates, never expunge: the fairest like-for-like setup.
    writeFileSync(
      file,
      [
        `IMAPAccount far`, `Host 127.0.0.1`, `Port ${src.port}`, `User ${u.user}`, `PassCmd "cat ${pass}"`, `SSLType None`, `AuthMechs LOGIN`, '',
        `IMAPStore far`, `Account far`, '',
        `IMAPAccount near`, `Host 127.0.0.1`, `Port ${dst.imap.port}`, `User ${dstUser(u)}`, `PassCmd "cat ${pass}"`, `SSLType None`, `AuthMechs LOGIN`, '',
        `IMAPStore near`, `Account near`, '',
        `Channel all`, `Far :far:`, `Near :near:`, `Patterns *`, `Sync Pull`, `Create Near`, `Expunge None`, `Remove None`, `CopyArrivalDate yes`, `SyncState ${state}`, '',
      ].join('\n'),
    );
    return file;
  });
  return async () => {
    const started = process.hrtime.bigint();
    const runs = await Promise.all(configs.map((c) => timed(MBSYNC, ['-q', '-c', c, '-a'])));
    const failed = runs.find((r) => r.code !== 0);
    if (failed) throw new Error(`mbsync exited ${failed.code}: ${failed.err.slice(-1500)}`);
    // Peak RSS of processes running at once: the sum of each one's peak is an upper bound.
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMiB: runs.reduce((n, r) => n + (r.rssMiB ?? 0), 0), cpu: runs.reduce((n, r) => n + r.cpu, 0) };
  };
}

// ---- the run ------------------------------------------------------------------------------------

/** CPU seconds of a Dovecot instance so far: its master and every child it has reaped. */
function serverCpu(server) {
  try {
    const f = readFileSync(`/proc/${server.masterPid()}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

/** Runs one first copy and adds the CPU seconds each server spent on it. */
async function measured(run, src, dst) {
  const before = [serverCpu(src), serverCpu(dst)];
  const r = await run();
  await new Promise((res) => setTimeout(res, 300)); // the last sessions' processes exit and are reaped
  return { ...r, srcCpu: serverCpu(src) - before[0], dstCpu: serverCpu(dst) - before[1] };
}

/**
 * The `many` preset: the medium corpus's five users with 20,000 plain 1-4 KB messages each in ten
 * folders (100,000 in all): the message count of a big company, to show that memory does not
 * grow with it. Written straight into the source's Maildir (IMAP seeding would take minutes).
 */
function manyUsers() {
  const folders = ['INBOX', 'Archive', ...Array.from({ length: 8 }, (_, i) => `Projects/${2019 + i}`)].map((path) => ({ path }));
  return generateCorpus('medium').map((u) => ({
    user: u.user,
    password: u.password,
    folders,
    messageCount: 20_000,
    *messages() {
      for (let i = 0; i < 20_000; i++) {
        const date = new Date(Date.UTC(2020, 0, 1) + i * 3_600_000);
        const body = `Line ${i} of a routine message.\r\n`.repeat(30 + (i % 90));
        yield {
          folder: folders[i % folders.length].path,
          raw: Buffer.from(`Message-ID: <many-${i}@${u.user}>\r\nFrom: Peter <p@acme.test>\r\nTo: ${u.user}\r\nSubject: routine ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${body}`),
          flags: i % 3 ? ['\\Seen'] : [],
          internalDate: date,
        };
      }
    },
  }));
}

/** The line of a failed mbsync run that says what went wrong. */
const mbsyncError = (err) => String(err.message).split('\n').filter((l) => /error/i.test(l) && !/^mbsync exited/.test(l)).pop() ?? String(err.message).split('\n')[0];

const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(d));

async function main() {
  const users = preset === 'many' ? manyUsers() : generateCorpus(preset);
  const total = users.reduce((n, u) => n + u.messageCount, 0);
  log(`preset ${preset}: ${users.length} users, ${total} messages; work dir ${work}`);
  const src = await server('source', '/', '');
  let dstA;
  let dstB;
  try {
    let t = Date.now();
    let bytes = 0;
    for (const u of users) {
      if (preset === 'many') {
        await src.addUser(u.user, u.password);
        bytes += (await seedMaildir(src, u.user, u.password, u.messages(), { folders: u.folders })).bytes;
      } else {
        bytes += (await seedUser(src, u, { preserveOrder: false, connections: 4 })).bytes;
      }
    }
    log(`seeded ${total} messages (${fmt(bytes / 1048576, 1)} MiB) in ${fmt((Date.now() - t) / 1000, 1)} s`);

    // The first copy, `runs` times into fresh destinations, the tools taking turns to go first:
    // on a shared 2-core machine one run of either tool varies by a third; the median does not.
    const firsts = { mailshift: [], mbsync: [] };
    let ms;
    let mb;
    let mbFailed;
    let round = 0;
    for (; round < runs; round++) {
      await Promise.all([dstA?.destroy(), dstB?.destroy()]);
      [dstA, dstB] = await Promise.all([destination('dest-mailshift'), destination('dest-mbsync')]);
      for (const d of [dstA, dstB]) await d.addUsers(users.map((u) => ({ user: dstUser(u), password: u.password })));
      ms = mailshiftJob(src, dstA, users, round);
      mb = MBSYNC && !mbFailed ? mbsyncJob(src, dstB, users, round) : undefined;
      const order = round % 2 === 0 ? ['mailshift', 'mbsync'] : ['mbsync', 'mailshift'];
      for (const tool of order) {
        if (tool === 'mailshift') {
          const r = await measured(ms, src, dstA.srv);
          firsts.mailshift.push(r);
          log(`round ${round + 1}/${runs} mailshift: ${r.copied} messages in ${fmt(r.seconds, 2)} s, peak RSS ${fmt(r.rssMiB)} MiB`);
        } else if (mb) {
          try {
            const r = await measured(mb, src, dstB.srv);
            firsts.mbsync.push(r);
            log(`round ${round + 1}/${runs} mbsync: ${fmt(r.seconds, 2)} s`);
          } catch (err) {
            // A tool that cannot copy to this destination is a result too: say why, go on alone.
            mbFailed = mbsyncError(err);
            log(`round ${round + 1}/${runs} mbsync failed: ${mbFailed}`);
            mb = undefined;
          }
        }
      }
    }
    round--;
    const m2 = await ms();
    log(`mailshift: no-change re-run ${fmt(m2.seconds, 2)} s (copied ${m2.copied})`);
    // A re-run that fails leaves its cell n/a and says why under the table.
    const mbRerun = async (what) => {
      try {
        return mb ? await mb() : undefined;
      } catch (err) {
        mbRerunFailed.push(`${what}: "${mbsyncError(err)}"`);
        log(`mbsync: ${what} failed: ${mbsyncError(err)}`);
        return undefined;
      }
    };
    const mbRerunFailed = [];
    const b2 = await mbRerun('no-change re-run');
    if (b2) log(`mbsync: no-change re-run ${fmt(b2.seconds, 2)} s`);

    // 100 new messages per user, then an incremental run of each.
    t = Date.now();
    for (const u of users) {
      const extra = [];
      for (let i = 0; i < 100; i++) {
        const date = new Date(Date.UTC(2026, 10, 1, 0, 0, i));
        extra.push({ folder: 'INBOX', raw: Buffer.from(`Message-ID: <bench-${i}@${u.user}>\r\nFrom: bench@acme.test\r\nTo: ${u.user}\r\nSubject: new mail ${i}\r\nDate: ${date.toUTCString()}\r\n\r\n${'new mail body\r\n'.repeat(50)}`), flags: i % 2 ? ['\\Seen'] : [], internalDate: date });
      }
      await seedMessages(src, u.user, u.password, extra);
    }
    const m3 = await ms();
    log(`mailshift: +100/user re-run ${fmt(m3.seconds, 2)} s (copied ${m3.copied})`);
    const b3 = await mbRerun('+100/user re-run');
    if (b3) log(`mbsync: +100/user re-run ${fmt(b3.seconds, 2)} s`);

    // The first pass after a sync reads every folder's flags once (there is no flag watermark
    // yet); the second is the pass a dual-run repeats every few minutes while nothing changes.
    const d1 = await mailshiftDualRunPass(round);
    log(`mailshift: first dual-run pass ${fmt(d1.seconds, 2)} s (CPU ${fmt(d1.cpu, 2)} s)`);
    const d2 = await mailshiftDualRunPass(round);
    log(`mailshift: no-change dual-run pass ${fmt(d2.seconds, 2)} s (CPU ${fmt(d2.cpu, 2)} s)`);

    log('checking fidelity (reading every message of every destination)');
    const fa = await compare(src, dstA.srv, users, mailshiftMapping(round));
    const fb = mb ? await compare(src, dstB.srv, users, (_u, p) => p) : undefined;
    const violations = [dstA, dstB].flatMap((d) => d.proxy?.violations ?? []);
    const mib = bytes / 1048576;
    const rows = [];
    const median = (xs) => [...xs].sort((a, b) => a.seconds - b.seconds)[Math.floor((xs.length - 1) / 2)];
    const summary = (xs) => ({ ...median(xs), all: xs.map((x) => fmt(x.seconds, 2)).join(', '), rssMiB: Math.max(...xs.map((x) => x.rssMiB ?? 0)) });
    rows.push({ tool: 'mailshift', run: summary(firsts.mailshift), noChange: m2, delta: m3, fid: fa });
    if (firsts.mbsync.length && !mbFailed) rows.push({ tool: `mbsync (isync ${spawnSync(MBSYNC, ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[1] ?? ''}, ${users.length} processes)`, run: summary(firsts.mbsync), noChange: b2, delta: b3, fid: fb });

    const destText = `${destKind === 'cyrus' ? 'Cyrus IMAP destinations (classic INBOX. namespace)' : "Dovecot destinations ('.' + 'INBOX.', mail_fsync=optimized as in production)"}${profile ? `, behind the capability proxy's ${profile} profile (${violations.length} commands outside it)` : ''}`;
    const lines = [
      `# mailshift benchmark: ${preset} corpus${profile ? `, ${profile} profile` : ''}${destKind === 'cyrus' ? ', Cyrus destination' : ''}`,
      '',
      `${new Date().toISOString()} · ${users.length} accounts · ${total} messages · ${fmt(mib, 1)} MiB · loopback; source Dovecot ('/' no prefix); ${destText}${connections ? ` · mailshift at maxConnections ${connections} per side` : ''} · ${(await import('node:os')).cpus().length} cores`,
      '',
      `| tool | first copy, median of ${runs} (s) | all runs (s) | msgs/s | MiB/s | CPU s: tool / source / destination server | peak RSS (MiB) | no-change re-run (s) | +100/user re-run (s) | missing | duplicated | altered bytes | flag diffs | date diffs |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.tool} | ${fmt(r.run.seconds, 2)} | ${r.run.all} | ${fmt(total / r.run.seconds)} | ${fmt(mib / r.run.seconds, 1)} | ${fmt(r.run.cpu, 1)} / ${fmt(r.run.srcCpu, 1)} / ${fmt(r.run.dstCpu, 1)} | ${fmt(r.run.rssMiB)} | ${fmt(r.noChange?.seconds, 2)} | ${fmt(r.delta?.seconds, 2)} | ${r.fid.missing} | ${r.fid.duplicated} | ${r.fid.altered} | ${r.fid.flags} | ${r.fid.dates} |`,
      ),
      '',
      IMAPSYNC ? `imapsync found at ${IMAPSYNC} but not run by this script.` : 'imapsync: not installed (it is not packaged in Debian here), so not measured.',
      MBSYNC ? (mbFailed ? `mbsync (isync ${spawnSync(MBSYNC, ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[1] ?? ''}) could not copy to this destination: "${mbFailed}"; no mbsync figures.` : '') : 'mbsync: not installed (apt-get install isync), so not measured.',
      '',
      'Times are wall-clock end to end (process start to exit); the first copy figures are those of the median run. CPU: the tool\'s own (user + system, /usr/bin/time) and each Dovecot\'s (its processes, from /proc), on a 2-core machine where all three share the cores. Peak RSS from /usr/bin/time -v (mbsync: sum of the per-account processes). Fidelity: every destination message compared with the source by SHA-256 of its bytes, flags (keywords included) and INTERNALDATE, per mapped folder.',
    ];
    if (mbRerunFailed.length) lines.push('', `mbsync failed in: ${mbRerunFailed.join('; ')}.`);
    if (rows[1]) lines.push('', `Speed-up, messages per second: ${fmt(rows[1].run.seconds / rows[0].run.seconds, 2)}x mbsync.`);
    lines.push('', `No-change dual-run pass (mailshift, all ${users.length} accounts, a second \`dual-run --once\` after the runs above): ${fmt(d2.seconds, 2)} s, CPU ${fmt(d2.cpu, 2)} s. The first pass after the sync, which reads every folder's flags once to record its watermark: ${fmt(d1.seconds, 2)} s, CPU ${fmt(d1.cpu, 2)} s.`);
    const md = lines.join('\n') + '\n';
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}-${preset}${profile ? `-${profile}` : ''}${destKind === 'cyrus' ? '-cyrus' : ''}.md`);
    writeFileSync(file, md);
    process.stdout.write(md);
    log(`written ${file}`);
  } finally {
    await Promise.all([src.destroy(), dstA?.destroy(), dstB?.destroy()]);
    if (!args.includes('--keep')) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
