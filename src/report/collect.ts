import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JobConfig, ServerConfig } from '../config/types.js';
import { collectGroupware } from '../groupware/report.js';
import type { AsyncJobStore } from '../store/contract/async.js';
import { addTotals, zeroTotals, type ReportData, type ServerSummary } from './model.js';

const server = (s: ServerConfig): ServerSummary => ({ preset: s.preset, host: s.host, port: s.port, tls: s.tls });

function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Reads the store (and only the store: no server is contacted) into the report's data model. */
export async function collectReport(config: JobConfig, store: AsyncJobStore, at = new Date()): Promise<ReportData> {
  const vs = store.verify;
  const job = await store.job();
  const rows = await vs.folderTotals();
  const accounts = new Map<string, ReportData['accounts'][number]>();
  for (const a of await store.accounts()) {
    accounts.set(a.sourceUser, { sourceUser: a.sourceUser, destinationUser: a.destinationUser, state: a.state, lastError: a.lastError, totals: zeroTotals(), folders: [] });
  }
  const totals = { ...zeroTotals(), accounts: accounts.size, folders: 0 };
  for (const r of rows) {
    const acc = accounts.get(r.account)!;
    const t = { total: r.total, copied: r.copied, adopted: r.adopted, skipped: r.skipped, failed: r.failed, pending: r.pending, bytesCopied: r.bytesCopied };
    acc.folders.push({ ...t, sourcePath: r.sourcePath, destinationPath: r.destinationPath, specialUse: r.specialUse, state: r.folderState });
    addTotals(acc.totals, t);
    addTotals(totals, t);
    totals.folders++;
  }

  const verification = await vs.latestRun() ?? null;
  const droppedFlags: ReportData['droppedFlags'] = (await vs.droppedFlagTotals()).map((d) => ({ ...d, source: 'sync' as const }));
  for (const f of verification?.folders ?? []) {
    for (const r of f.refusedFlags) droppedFlags.push({ account: f.account, folder: f.sourcePath, flag: r.flag, messages: r.messages, source: 'verify' });
  }
  for (const e of await vs.flagEvents()) {
    const d = (e.data ?? {}) as { account?: string; folder?: string; flag?: string; flags?: string[]; messages?: number };
    for (const flag of d.flags ?? (d.flag ? [d.flag] : [])) {
      droppedFlags.push({ account: d.account ?? '', folder: d.folder ?? '', flag, messages: d.messages ?? 1, source: 'sync' });
    }
  }

  // Fingerprints: one line per copied message, sorted by the store, hashed per account and overall.
  const overall = createHash('sha256');
  const perAccount = new Map<string, { hash: ReturnType<typeof createHash>; copied: number }>();
  await vs.eachCopiedFingerprint((account, fp) => {
    overall.update(fp + '\n');
    let a = perAccount.get(account);
    if (!a) perAccount.set(account, (a = { hash: createHash('sha256'), copied: 0 }));
    a.hash.update(fp + '\n');
    a.copied++;
  });
  const copyTimes = rows.flatMap((r) => [r.firstCopiedAt, r.lastCopiedAt]).filter((x): x is string => !!x).sort();

  return {
    schema: 'mailshift.report/1',
    generatedAt: at.toISOString(),
    tool: { name: 'mailshift', version: toolVersion() },
    job: {
      name: config.job,
      domain: config.domain,
      company: config.company,
      createdAt: job?.createdAt ?? null,
      source: server(config.source),
      destination: server(config.destination),
    },
    phases: (await store.phaseRuns()).map((p) => ({
      phase: stepOf(p),
      startedAt: p.startedAt,
      finishedAt: p.finishedAt,
      outcome: p.outcome,
      seconds: p.finishedAt ? Math.round((Date.parse(p.finishedAt) - Date.parse(p.startedAt)) / 100) / 10 : null,
    })),
    totals,
    accounts: [...accounts.values()],
    throughput: await vs.throughputPerMinute(),
    canaries: (await store.dualRunHealth
      .canaries(5000))
      .reverse()
      .map((c) => ({ sentAt: c.sentAt, recipient: c.recipient, state: c.state, deliverySeconds: c.deliveryS, lagSeconds: c.lagS })),
    problems: (await vs.problems()).map((p) => ({ ...p, reason: p.reason ?? 'no reason recorded' })),
    droppedFlags,
    groupware: await collectGroupware(store),
    verification,
    audit: {
      copiedMessages: totals.copied,
      copiedBytes: totals.bytesCopied,
      firstCopyAt: copyTimes[0] ?? null,
      lastCopyAt: copyTimes.at(-1) ?? null,
      fingerprintMethod:
        'per message: Message-ID | INTERNALDATE | normalised header hash (SHA-256 of Message-ID, Date, From, To, Cc, Subject, In-Reply-To; first 128 bits) | size in bytes; lines ordered by account then fingerprint, each followed by a newline, hashed with SHA-256',
      fingerprintTotal: overall.digest('hex'),
      perAccount: [...perAccount.entries()].map(([account, a]) => ({
        account,
        destination: accounts.get(account)?.destinationUser ?? '',
        copied: a.copied,
        fingerprint: a.hash.digest('hex'),
      })),
    },
  };
}

/** "cutover watch", "cutover finalize": which step of a phase that has several, where recorded. */
function stepOf(p: { phase: string; summary: unknown }): string {
  const command = (p.summary as { command?: unknown } | null)?.command;
  return typeof command === 'string' ? command : p.phase;
}
