import { VERSION } from '../version.js';
// The assess phase: a read-only look at both sides of every account, the domain's DNS, a short
// throughput probe, and a report (HTML, Markdown, JSON) with a go/no-go verdict. It writes
// nothing to either server: folders are opened with EXAMINE, bodies fetched with BODY.PEEK[].
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assessAccount, destinationLimit, type AccountResult } from '../assess/account.js';
import { snapshotDomain } from '../assess/domain.js';
import { computeEstimate, measureThroughput, type ProbeTarget } from '../assess/estimate.js';
import { fmtBytes, fmtDuration } from '../assess/format.js';
import { probeServer } from '../assess/probe.js';
import { renderHtml } from '../assess/render-html.js';
import { renderMarkdown } from '../assess/render-md.js';
import { i18n, pickLang, type Lang } from '../i18n/index.js';
import { findRisks, toCopy } from '../assess/risks.js';
import { leasedOpener, readOnlyPool } from '../assess/session.js';
import PQueue from 'p-queue';
import { HISTOGRAM_LABELS, type Assessment, type CapabilityReport, type DomainSnapshot, type Failure, type ServerProbe } from '../assess/types.js';
import type { Account } from '../config/types.js';
import { credentialsOf, type PhaseContext } from './context.js';
import { ensureDir } from '../files/ensure-dir.js';
import { writePrivate } from '../files/write-private.js';

export interface AssessOptions {
  /** Report directory (default: <configDir>/assessment). */
  outDir?: string;
  /** Length of the read-only throughput probe (default 20 s; 0 skips it). */
  probeSeconds?: number;
  /** "Now", for the 30-days check (tests). */
  now?: Date;
  /** Language of assessment.html/.md (default: kit.languages[0], else LANG). */
  lang?: Lang;
}

export interface AssessResult {
  assessment: Assessment;
  files: { html: string; md: string; json: string };
  runId: number;
}


/** An account whose assessment threw: reported as such; the others carry on. */
function failedAccount(account: Account, err: Error): AccountResult {
  const side = (s: 'source' | 'destination', user: string) => ({
    side: s,
    user,
    login: { ok: false },
    folders: [],
    totals: { folders: 0, messages: 0, bytes: 0 },
    histogram: [],
    largest: [],
    error: err.message.slice(0, 200),
  });
  return {
    report: { sourceUser: account.sourceUser, destinationUser: account.destinationUser, source: side('source', account.sourceUser), destination: side('destination', account.destinationUser), mapping: [], assessed: false },
    probeFolders: [],
  };
}

export async function runAssess(ctx: PhaseContext, opts: AssessOptions = {}): Promise<AssessResult> {
  const { config, store, log, progress } = ctx;
  const phaseId = await store.startPhase('assess');
  const sessions = { source: readOnlyPool(config.source, 'source', credentialsOf(ctx), log), destination: readOnlyPool(config.destination, 'destination', credentialsOf(ctx), log) };
  const closeSessions = () => Promise.all([sessions.source.close(), sessions.destination.close()]);
  try {
    const now = opts.now ?? new Date();
    // Started first: DNS runs while the servers are examined, and never fails the assessment.
    const domainP: Promise<DomainSnapshot> = snapshotDomain(config, { signal: ctx.signal }).catch((err: Error) => ({
      domain: config.domain,
      resolvers: [],
      via: 'mailshift-dns' as const,
      mx: { values: [], error: err.message },
      spf: { values: [], error: err.message },
      dmarc: { values: [], error: err.message },
      autodiscover: { values: [], error: err.message },
      advice: [`DNS could not be checked (${err.message})`],
    }));

    // 1. Each server once: DNS, TCP, TLS, greeting.
    progress.note(`assess: checking ${config.source.host}:${config.source.port} and ${config.destination.host}:${config.destination.port}`);
    const [srcProbe, dstProbe] = await Promise.all([probeServer('source', config.source), probeServer('destination', config.destination)]);
    const servers: ServerProbe[] = [srcProbe, dstProbe];
    for (const p of servers) progress.note(p.ok ? `  ${p.side} server ${p.host}:${p.port}: reachable${p.cert ? ` (certificate for ${p.cert.names.join(', ') || '?'}, ${p.cert.trusted ? 'trusted' : 'NOT trusted'})` : ''}` : `  ${p.failure!.reason}`);
    const serverFailure: { source?: Failure; destination?: Failure } = { source: srcProbe.failure, destination: dstProbe.failure };

    // 2-4. Accounts: a few at a time, on the run's session pools (one per server, every account's
    // sessions counted against its maxConnections; closed at the end of the phase).

    const capabilities: { source?: CapabilityReport; destination?: CapabilityReport } = {};
    const results: (AccountResult | undefined)[] = new Array(ctx.accounts.length);
    const overall = progress.task('assess accounts', ctx.accounts.length, 'accounts');
    const concurrency = Math.max(1, Math.min(4, config.source.maxConnections, config.destination.maxConnections));
    let finished = 0;
    const workOn = async (i: number, account: Account) => {
      try {
        await store.upsertAccount(account.sourceUser, account.destinationUser);
        results[i] = await assessAccount(account, {
          config,
          log,
          signal: ctx.signal,
          serverFailure,
          capabilities,
          credentials: credentialsOf(ctx),
          sessions,
          onFolder: () => overall.update(finished, { now: account.sourceUser }),
        }).catch((err: Error) => failedAccount(account, err));
        const r = results[i]!.report;
        const fail = r.source.login.failure ?? r.destination.login.failure;
        for (const side of [r.source, r.destination]) {
          const f = side.login.failure;
          if (f && !serverFailure[side.side]) await store.addEvent({ phase: 'assess', level: 'warn', kind: 'assess.login', message: f.reason, data: { side: side.side, user: side.user, kind: f.kind, fix: f.fix } });
        }
        progress.note(
          fail
            ? `  ${account.sourceUser}: ${fail.reason}`
            : `  ${account.sourceUser}: ${r.source.totals.folders} folders, ${r.source.totals.messages} messages, ${fmtBytes(r.source.totals.bytes)}`,
        );
      } finally {
        overall.update(++finished);
      }
    };
    const queue = new PQueue({ concurrency });
    await Promise.all(ctx.accounts.map((a, i) => queue.add(async () => (ctx.signal.aborted ? undefined : workOn(i, a)))));
    overall.stop();
    const done = results.filter((r): r is AccountResult => !!r);
    const accounts = done.map((r) => r.report);

    // 6. Throughput probe: read-only, from the source, with the job's connection count.
    const probeSeconds = opts.probeSeconds ?? 20;
    const connections = Math.min(config.source.maxConnections, config.destination.maxConnections);
    let probe;
    if (probeSeconds > 0 && !ctx.signal.aborted) {
      const targets: ProbeTarget[] = done
        .filter((r) => r.report.source.login.ok && r.probeFolders.length)
        .map((r) => {
          const account = ctx.accounts.find((a) => a.sourceUser === r.report.sourceUser)!;
          // From the same pool: the account's session that read the inventory is reused.
          return {
            ...leasedOpener(sessions.source, account),
            folders: r.probeFolders,
          };
        });
      progress.note(`assess: measuring read throughput for up to ${probeSeconds} s with ${connections} connection(s)`);
      probe = await measureThroughput(targets, { seconds: probeSeconds, connections, signal: ctx.signal });
    }
    await closeSessions();
    const copyable = (r: AccountResult) => ({ sourceUser: r.report.sourceUser, ...toCopy(r.report) });
    const estimate = computeEstimate({ probe, accounts: done.filter((r) => r.report.source.login.ok).map(copyable), source: config.source, destination: config.destination });
    for (const a of accounts) {
      const e = estimate.perAccount.find((p) => p.sourceUser === a.sourceUser);
      if (e) a.estimate = { seconds: e.seconds, boundBy: e.boundBy };
    }

    // 5. Risks and verdict.
    const limit = destinationLimit(config, capabilities.destination);
    const risks = findRisks({
      servers,
      capabilities,
      accounts,
      destinationLimit: limit,
      sourcePreset: config.source.preset,
      destinationPreset: config.destination.preset,
      now,
      clearText: (['source', 'destination'] as const).filter((s) => config[s].tls === 'none').map((s) => ({ side: s, host: config[s].host })),
    });
    const blockers = risks.filter((r) => r.severity === 'blocker').length;
    const histogram = new Array<number>(HISTOGRAM_LABELS.length).fill(0);
    for (const a of accounts) a.source.histogram.forEach((n, i) => (histogram[i]! += n));
    const domainSnapshot = await domainP;
    const assessment: Assessment = {
      job: config.job,
      domain: config.domain,
      generatedAt: now.toISOString(),
      mailshiftVersion: VERSION,
      verdict: blockers ? 'no-go' : 'go',
      summary: {
        accounts: ctx.accounts.length,
        accountsAssessed: accounts.filter((a) => a.assessed).length,
        folders: accounts.reduce((s, a) => s + a.source.totals.folders, 0),
        messages: accounts.reduce((s, a) => s + a.source.totals.messages, 0),
        bytes: accounts.reduce((s, a) => s + a.source.totals.bytes, 0),
        blockers,
        warnings: risks.filter((r) => r.severity === 'warning').length,
        // Only a measured read rate gives a copy time worth stating; otherwise "not measured".
        estimatedSeconds: estimate.probe && estimate.probe.messages > 0 ? estimate.totalSeconds : undefined,
      },
      servers,
      capabilities,
      destinationLimit: limit,
      accounts,
      risks,
      estimate,
      domainSnapshot,
      histogram: { labels: HISTOGRAM_LABELS, counts: histogram },
    };

    // 8. Output files and the store.
    const outDir = resolve(config.configDir, opts.outDir ?? 'assessment');
    ensureDir(outDir);
    const files = { html: join(outDir, 'assessment.html'), md: join(outDir, 'assessment.md'), json: join(outDir, 'assessment.json') };
    writePrivate(files.json, JSON.stringify(assessment, null, 2) + '\n');
    const I = i18n(opts.lang ?? pickLang(undefined, config), config.timezone);
    writePrivate(files.md, renderMarkdown(assessment, I));
    writePrivate(files.html, renderHtml(assessment, I));
    const runId = await store.assess.saveAssessment(assessment, { phaseRunId: phaseId, reportDir: outDir });
    const outcome = ctx.signal.aborted ? 'interrupted' : blockers ? 'incomplete' : 'complete';
    await store.finishPhase(phaseId, outcome, { verdict: assessment.verdict, blockers, warnings: assessment.summary.warnings, runId, report: files.html });
    await store.addEvent({ phase: 'assess', level: blockers ? 'warn' : 'info', kind: 'assess.verdict', message: `assessment: ${assessment.verdict} (${blockers} blocking, ${assessment.summary.warnings} warnings)`, data: { runId } });
    log.info({ verdict: assessment.verdict, blockers, runId, estimate: fmtDuration(estimate.totalSeconds) }, 'assessment written');
    return { assessment, files, runId };
  } catch (err) {
    await closeSessions();
    await store.finishPhase(phaseId, ctx.signal.aborted ? 'interrupted' : 'failed', { error: (err as Error).message });
    throw err;
  }
}
