import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { PIPELINE } from '../../src/phases/pipeline.js';
import type { DovecotPair } from '../../src/sandbox/pair.js';
import { BIN, runCli, type CliResult } from '../support/cli.js';
import { DOMAIN, NEW_MX, startCutoverWorld, type CutoverWorld } from '../support/cutover-fixture.js';
import { readAll, seedUser, snapshotDigest, usePair } from '../support/dovecot.js';

// `mailshift run` end to end: two sandbox Dovecot servers, the cutover world's DNS servers
// (authoritative + resolvers), SMTP and MTA-STS servers on loopback. The job is planned to switch
// a few seconds after it starts, so dual-run ends by itself; the test plays the operator at the
// two gates (flip MX + confirm; finalize).

interface Status {
  schema: number;
  current: string | null;
  gate: { instruction: string; command: string } | null;
  next: string;
  phases: { name: string; done: boolean }[];
  history: { phase: string }[];
  totals: { found: number; copied: number; pending: number; failed: number; remaining: number };
  timeline: { label: string; outcome: string }[];
}

const RUN_FLAGS = ['--no-progress', '--dual-run-interval', '1', '--watch-interval', '1', '--watch-sync-every', '1'];
const ALL_PHASES = PIPELINE.map((p) => p.name);

function setup(world: CutoverWorld, pair: () => DovecotPair, users: { user: string; password: string }[], name: string, switchInSeconds: number) {
  const dir = mkdtempSync(join(tmpdir(), `mailshift-pipeline-${name}-`));
  const cutover = {
    at: new Date(Date.now() + switchInSeconds * 1000).toISOString(),
    mx: [{ host: NEW_MX, priority: 0 }],
    spfInclude: 'spf.newmail.test',
    oldSpfInclude: 'spf.oldmail.test',
    dkimSelectors: ['selector1'],
    autodiscover: 'autodiscover.newmail.test',
    imapHost: 'imap.newmail.test',
    submissionHost: 'smtp.newmail.test',
    dns: { resolvers: world.resolvers, authoritative: world.auth, timeoutMs: 1000 },
    smtp: { hostMap: { [NEW_MX]: world.smtp.address }, caFile: world.pki.caFile, timeoutMs: 5000 },
    mtaSts: { hostMap: { [`mta-sts.${DOMAIN}`]: world.https.address }, caFile: world.pki.caFile, timeoutMs: 5000 },
  };
  const { configPath } = writeJobFiles({ dir, job: name, domain: DOMAIN, source: pair().source, destination: pair().destination, accounts: users, extra: { cutover, kit: { smtp: { host: 'smtp.newmail.test', port: 587, tls: 'starttls' } } } });
  const cli = (args: string[], timeoutMs = 120_000) => runCli([...args, '--config', configPath], { timeoutMs });
  const status = async (): Promise<Status> => {
    const r = await cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Status;
  };
  return { dir, configPath, cli, status, run: () => cli(['run', ...RUN_FLAGS]) };
}

const lastLine = (r: CliResult) => r.stderr.trim().split('\n').filter((l) => l.startsWith('mailshift:')).at(-1) ?? '';

async function sameMail(pair: DovecotPair, users: { user: string; password: string }[]) {
  for (const u of users) {
    const [src, dst] = await Promise.all([readAll(pair.source, u.user, u.password, { hashOnly: true }), readAll(pair.destination, u.user, u.password, { hashOnly: true })]);
    const count = (d: { messages: unknown[] }[]) => d.reduce((n, f) => n + f.messages.length, 0);
    expect(count(dst)).toBe(count(src));
    expect(snapshotDigest(dst).map((l) => l.split(' ').slice(1).join(' ')).sort()).toEqual(snapshotDigest(src).map((l) => l.split(' ').slice(1).join(' ')).sort());
  }
}

describe('mailshift run: the whole migration with operator gates', () => {
  const pair = usePair();
  const killPair = usePair();
  let world: CutoverWorld;
  const users = generateCorpus('tiny', 14);
  const dirs: string[] = [];

  beforeAll(async () => {
    world = await startCutoverWorld();
    world.baseline();
    for (const u of users) world.smtp.accept.add(u.user.toLowerCase());
    for (const p of [pair, killPair]) {
      for (const u of users) {
        await seedUser(p.source, u, { connections: 1 });
        await p.destination.addUser(u.user, u.password);
      }
    }
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** How long each phase took in the uninterrupted (gated) run, from its timeline: the kill test's spans. */
  const observed = new Map<string, number>();
  const flipMx = () => world.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0, ttl: 300 }]);
  const unflipMx = () => world.baseline();

  it('stops at each gate with exit 4 and the instruction, refuses a gate while a check fails, and ends like an uninterrupted run', async () => {
    unflipMx();
    const job = setup(world, () => pair, users, 'gated', 12);
    dirs.push(job.dir);

    const fresh = await job.status();
    expect(fresh.current).toBe('assess');
    expect(fresh.next).toContain('mailshift run');

    const plannedSwitch = Date.parse((parse(readFileSync(job.configPath, 'utf8')) as { cutover: { at: string } }).cutover.at);
    const first = await job.run();
    expect(first.code, first.stderr + first.stdout).toBe(4);
    expect(lastLine(first)).toMatch(new RegExp(`^mailshift: change the MX records of ${DOMAIN} at your DNS host to ${NEW_MX.replace(/\./g, '\\.')} \\(priority 0\\) \\(remove the old ones\\), then run "mailshift cutover confirm"$`));
    // dual-run lasted until the planned switch.
    expect(Date.now()).toBeGreaterThanOrEqual(plannedSwitch);
    expect(first.stdout).toMatch(/step 1\/9: assess[\s\S]*step 2\/9: sync[\s\S]*step 3\/9: dual-run[\s\S]*step 4\/9: cutover plan/);
    const atGate = await job.status();
    expect(atGate.current).toBe('cutover confirm');
    expect(atGate.gate?.command).toBe('mailshift cutover confirm');
    expect(atGate.next).toBe(`mailshift cutover confirm --config ${job.configPath}`);

    // run again at the gate: still the same gate, nothing else happens.
    const again = await job.run();
    expect(again.code).toBe(4);
    expect(lastLine(again)).toBe(lastLine(first));

    // The operator changes MX, but SPF lost the new provider's include: confirm refuses (exit 3).
    flipMx();
    world.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test ~all' }, { text: 'MS=ms12345678' }]);
    const refused = await job.cli(['cutover', 'confirm']);
    expect(refused.code, refused.stderr).toBe(3);
    expect(lastLine(refused)).toMatch(/cutover confirm refused: 1 blocking check\(s\) fail: spf \(include:spf\.newmail\.test \(the new provider\) is missing.*--force/);
    expect((await job.status()).current).toBe('cutover confirm');
    world.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test include:spf.newmail.test ~all' }, { text: 'MS=ms12345678' }]);
    const confirmed = await job.cli(['cutover', 'confirm']);
    expect(confirmed.code, confirmed.stderr).toBe(0);

    const second = await job.run();
    expect(second.code, second.stderr + second.stdout).toBe(4);
    expect(second.stdout).toContain('step 6/9: cutover watch');
    expect(lastLine(second)).toMatch(/when you are ready to freeze the old system .*run "mailshift cutover finalize"/i);
    expect((await job.status()).gate?.command).toBe('mailshift cutover finalize');

    // finalize refuses while a blocking check fails, unless forced with a reason (recorded).
    world.dns.remove(`_dmarc.${DOMAIN}`, 'TXT');
    const noFinal = await job.cli(['cutover', 'finalize']);
    expect(noFinal.code).toBe(3);
    expect(lastLine(noFinal)).toMatch(/cutover finalize refused: .*dmarc/);
    const noReason = await job.cli(['cutover', 'finalize', '--force', ' ']);
    expect(noReason.code).toBe(2);
    const forced = await job.cli(['cutover', 'finalize', '--force', 'DMARC is being re-published by the DNS host']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('now make the old system read-only');
    world.dns.set(`_dmarc.${DOMAIN}`, 'TXT', [{ text: `v=DMARC1; p=none; rua=mailto:dmarc@${DOMAIN}` }]);

    const third = await job.run();
    expect(third.code, third.stderr + third.stdout).toBe(0);
    expect(third.stdout).toMatch(/step 8\/9: kit[\s\S]*step 9\/9: report[\s\S]*the migration is finished/);
    const done = await job.status();
    expect(done.current).toBeNull();
    expect(done.gate).toBeNull();
    expect(done.phases.every((p) => p.done)).toBe(true);
    expect(done.history.map((h) => h.phase)).toEqual(ALL_PHASES);
    expect(done.timeline.map((t) => t.label)).toContain('cutover finalize --force');
    expect(done.timeline.some((t) => /^dual-run pass \d+$/.test(t.label))).toBe(true);
    expect(done.totals.pending).toBe(0);
    expect(done.totals.remaining).toBe(0);
    for (const t of done.timeline as { label: string; outcome: string; startedAt: string; finishedAt: string | null }[]) {
      if (t.outcome === 'complete' && t.finishedAt) observed.set(t.label, Date.parse(t.finishedAt) - Date.parse(t.startedAt));
    }

    const fourth = await job.run();
    expect(fourth.code).toBe(0);
    expect(fourth.stdout).not.toContain('step ');
    const deep = await job.cli(['verify', '--deep']);
    expect(deep.code, deep.stdout).toBe(0);
    await sameMail(pair, users);
  }, 480_000);

  it('SIGKILLed at exactly 25 random moments spread over every phase, run again each time: verify --deep clean and the same phase history', async () => {
    unflipMx();
    // The switch is planned far off while dual-run is being killed, then moved to a few seconds
    // ahead once dual-run has had its kills (however long assess and sync took on a busy machine).
    const job = setup(world, () => killPair, users, 'killed', 3600);
    dirs.push(job.dir);
    // A throttled destination (10 messages/s) makes the sync of the 60 messages last ~6 s, so it can be killed mid-copy.
    const doc0 = parse(readFileSync(job.configPath, 'utf8')) as { destination: Record<string, unknown> };
    doc0.destination.throttle = { messagesPerHour: 36_000 };
    writeFileSync(job.configPath, stringify(doc0));
    // A fixed-seed generator: the kill moments are random but the test is repeatable.
    let seed = 20261201;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    // The schedule: 25 kills over the phases `run` performs itself (the two gates are the
    // operator's: `run` exits 4 there at once). A kill lands at a random moment after the phase's
    // "step" line (start-up does not eat the window), within 80 % of the phase's observed length
    // (the uninterrupted run above, else a default; the first kill of a phase comes early). When the phase ends before its kill, its
    // span becomes what it lasted this time, and a kill it can no longer take (the phase is done)
    // is drawn again in the next phase: dual-run takes any number, as it lasts until the switch.
    const ORDER = ['assess', 'sync', 'dual-run', 'cutover plan', 'cutover watch', 'kit', 'report'];
    const plan = new Map<string, number>(Object.entries({ assess: 4, sync: 4, 'dual-run': 7, 'cutover plan': 3, 'cutover watch': 3, kit: 2, report: 2 }));
    expect([...plan.values()].reduce((a, b) => a + b, 0)).toBe(25);
    const span = new Map<string, number>(Object.entries({ assess: 3000, sync: 5000, 'dual-run': 3000, 'cutover plan': 800, 'cutover watch': 1500, kit: 800, report: 500 }));
    for (const [phase, ms] of observed) if (phase !== 'dual-run' && phase !== 'sync' && span.has(phase)) span.set(phase, Math.min(span.get(phase)!, ms));
    const killed = new Map<string, number>();
    const moved: string[] = [];
    const started = Date.now();
    const gates: string[] = [];
    let kills = 0;
    let replanned = false;
    let finished = false;
    const log: string[] = [];
    onTestFinished(() => console.log(`pipeline kill test rounds:\n${log.join('\n')}`));
    for (let round = 0; round < 150 && !finished; round++) {
      // Dual-run has had its kills: the planned switch comes a few seconds from now.
      if (!replanned && (killed.get('dual-run') ?? 0) >= plan.get('dual-run')!) {
        replanned = true;
        const doc = parse(readFileSync(job.configPath, 'utf8')) as { cutover: { at: string } };
        doc.cutover.at = new Date(Date.now() + 3000).toISOString();
        writeFileSync(job.configPath, stringify(doc));
      }
      // A phase's first kill lands early (within 30 % of its span, at most 300 ms in): how long a
      // phase lasts varies from run to run, and once it has ended it cannot be killed again. Its
      // other kills are spread over 80 % of the span.
      const window = (phase: string) => (killed.get(phase) ? 0.8 * span.get(phase)! : 0.3 * Math.min(span.get(phase)!, 1000));
      const r = await runKilled(job.configPath, (phase) => ((killed.get(phase) ?? 0) < (plan.get(phase) ?? 0) ? rand() * window(phase) : undefined));
      // Phases that ended before their kill: a shorter span next time, and kills a done phase can no longer take move on.
      for (const [phase, ms] of r.endedEarly) span.set(phase, Math.max(5, Math.min(span.get(phase)!, ms)));
      const t = ((Date.now() - started) / 1000).toFixed(0);
      log.push(`+${t}s round ${round}: ${r.killedIn ? `killed in ${r.killedIn}` : `exit ${r.code}`}${r.endedEarly.size ? `; ended before the kill: ${JSON.stringify(Object.fromEntries(r.endedEarly))}` : ''}`);
      // Only a run that was not killed where armed can have finished a phase with kills left.
      const phases = r.killedIn && r.endedEarly.size === 0 ? [] : (await job.status()).phases;
      for (const phase of ORDER) {
        const left = (plan.get(phase) ?? 0) - (killed.get(phase) ?? 0) - (r.killedIn === phase ? 1 : 0);
        if (left <= 0 || !phases.find((p) => p.name === phase)?.done) continue;
        const next = ORDER.slice(ORDER.indexOf(phase) + 1).find((p) => !phases.find((q) => q.name === p)?.done);
        expect(next, `${left} kill(s) of ${phase} left after every phase was done`).toBeDefined();
        plan.set(phase, plan.get(phase)! - left);
        plan.set(next!, (plan.get(next!) ?? 0) + left);
        moved.push(`${left} ${phase}->${next}`);
      }
      if (r.killedIn) {
        kills++;
        killed.set(r.killedIn, (killed.get(r.killedIn) ?? 0) + 1);
        continue;
      }
      if (r.code === 0) {
        finished = true;
        continue;
      }
      // Not killed: it stopped at a gate, as an uninterrupted run does.
      expect(r.code, r.stderr + r.stdout).toBe(4);
      const command = (await job.status()).gate!.command;
      if (gates.at(-1) !== command) gates.push(command);
      if (command === 'mailshift cutover confirm') {
        flipMx();
        const c = await job.cli(['cutover', 'confirm']);
        expect(c.code, c.stderr).toBe(0);
      } else {
        expect(command).toBe('mailshift cutover finalize');
        const f = await job.cli(['cutover', 'finalize']);
        expect(f.code, f.stderr).toBe(0);
      }
    }
    console.log(
      `pipeline kill test: ${kills} kills in ${((Date.now() - started) / 1000).toFixed(0)} s; per phase ${JSON.stringify(Object.fromEntries(killed))}; moved ${JSON.stringify(moved)}`,
    );
    expect(finished).toBe(true);
    expect(kills).toBe(25);
    // Every phase `run` performs was killed at least once.
    expect(ORDER.filter((p) => !killed.get(p))).toEqual([]);
    const s = await job.status();
    expect(s.current).toBeNull();
    expect(s.history.map((h) => h.phase)).toEqual(ALL_PHASES);
    expect(gates).toEqual(['mailshift cutover confirm', 'mailshift cutover finalize']);
    expect(s.timeline.filter((t) => t.outcome === 'killed').length).toBeGreaterThan(0);
    const deep = await job.cli(['verify', '--deep']);
    expect(deep.code, deep.stdout).toBe(0);
    await sameMail(killPair, users);
    // About 8 minutes on a 2-core machine at load 18 (each of the ~28 runs starts Node and the store).
  }, 900_000);
});

interface KilledRun extends CliResult {
  /** The phase the SIGKILL landed in (its "step" line was printed and the next one was not). */
  killedIn?: string;
  /** Phases that had a kill armed and ended first, with how long they lasted (ms). */
  endedEarly: Map<string, number>;
}

/**
 * Starts `mailshift run` as runCli does. When a phase's "step" line appears, `delayFor(phase)`
 * may arm a SIGKILL of the node process that many ms later; the next "step" line or the exit
 * disarms it (the phase ended first).
 */
function runKilled(configPath: string, delayFor: (phase: string) => number | undefined): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', ...RUN_FLAGS, '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let scanned = 0;
    let armed: { phase: string; at: number; timer: NodeJS.Timeout } | undefined;
    let killedIn: string | undefined;
    const endedEarly = new Map<string, number>();
    const disarm = () => {
      if (!armed) return;
      clearTimeout(armed.timer);
      endedEarly.set(armed.phase, Date.now() - armed.at);
      armed = undefined;
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (let nl = stdout.indexOf('\n', scanned); nl >= 0 && !killedIn; nl = stdout.indexOf('\n', scanned)) {
        const line = stdout.slice(scanned, nl);
        scanned = nl + 1;
        const m = /^step \d+\/\d+: (.+)$/.exec(line.trim());
        if (!m) continue;
        disarm();
        const phase = m[1]!;
        const delay = delayFor(phase);
        if (delay === undefined) continue;
        const at = Date.now();
        armed = {
          phase,
          at,
          timer: setTimeout(() => {
            armed = undefined;
            killedIn = phase;
            child.kill('SIGKILL');
          }, delay),
        };
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      disarm();
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr, endedEarly, ...(killedIn && signal === 'SIGKILL' ? { killedIn } : {}) });
    });
  });
}
