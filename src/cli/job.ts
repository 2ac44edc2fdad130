import { JobCredentials, usesSignIn } from '../auth/provider.js';
import { accountsFor, mergedDestinations } from '../config/accounts.js';
import { loadConfig } from '../config/load.js';
import type { Account, JobConfig } from '../config/types.js';
import { InputError, InterruptedError } from '../errors.js';
import { exitNow } from './exit.js';
import { createJobLogger, type Logger } from '../logger.js';
import { silentProgress, type PhaseContext, type ProgressSink } from '../phases/context.js';
import { openJobStore } from '../store/open.js';
import { logLineProgress, terminalProgress } from './progress.js';

/** Options every command has (commander's global options). */
export interface GlobalOptions {
  config: string;
  json?: boolean;
  progress?: boolean;
  logLevel?: string;
  accounts?: string;
}

export interface JobRunOptions {
  /** The command line as a user would read it, recorded with the lock. */
  command: string;
  /** Read-only commands (status, report) neither lock the job nor load passwords. */
  readOnly?: boolean;
  /** Load and resolve the accounts CSV (default true). */
  needsAccounts?: boolean;
  /** The first Ctrl-C only asks to stop after the work in flight (ctx.stop), and is not an interruption. */
  gracefulStop?: boolean;
}

/** Writes human output; suppressed under --json so stdout is machine-readable. */
export const say = (opts: GlobalOptions, line: string) => {
  if (!opts.json) process.stdout.write(line + '\n');
};
export const warn = (line: string) => process.stderr.write(line + '\n');

/**
 * Builds the PhaseContext for one command: config, accounts, store (locked unless read-only),
 * log, progress and the Ctrl-C signal; runs `fn`; and always releases what it took.
 */
export async function withJob<T>(opts: GlobalOptions, run: JobRunOptions, fn: (ctx: PhaseContext) => Promise<T>): Promise<T> {
  const config = loadConfig(opts.config);
  const accounts = run.needsAccounts === false ? [] : selectAccounts(accountsFor(config), opts.accounts);
  if (!run.readOnly) for (const line of mergedDestinations(accounts)) warn(`mailshift: warning: ${line}`);
  const log = createJobLogger(config.logPath, opts.logLevel ?? 'info').child({ job: config.job, command: run.command });
  const store = await openJobStore(config);
  const releasers: (() => void | Promise<void>)[] = [() => store.close()];
  try {
    await store.ensureJob(config.job, config.domain);
    if (!run.readOnly) await store.acquireLock(run.command);
    const controller = new AbortController();
    const stop = run.gracefulStop ? new AbortController() : undefined;
    releasers.push(onInterrupt(controller, log, stop));
    const progress = makeProgress(opts, log);
    releasers.push(() => progress.close());
    log.info({ accounts: accounts.length }, `${run.command} started`);
    const credentials = new JobCredentials(config, log);
    // Bad sign-in settings (an issuer without discovery, a missing key file) fail before any work: exit 2.
    if (!run.readOnly && accounts.length && usesSignIn(config)) await credentials.prepare();
    const ctx: PhaseContext = { config, accounts, store, log, signal: controller.signal, ...(stop ? { stop: stop.signal } : {}), progress, credentials };
    const result = await fn(ctx);
    if (controller.signal.aborted) throw new InterruptedError('interrupted; the checkpoint is consistent: run the same command again to continue');
    return result;
  } finally {
    for (const release of releasers.reverse()) {
      try {
        await release();
      } catch {
        // Releasing must never hide the real outcome.
      }
    }
    log.flush?.();
  }
}

/** Loads just the config (for commands that need no store, e.g. kit without a sync). */
export function configOnly(opts: GlobalOptions): JobConfig {
  return loadConfig(opts.config);
}

export function selectAccounts(all: Account[], filter: string | undefined): Account[] {
  if (!filter) return all;
  const wanted = filter.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = wanted.filter((w) => !all.some((a) => a.sourceUser.toLowerCase() === w));
  if (unknown.length) throw new InputError(`--accounts: ${unknown.join(', ')} not in the accounts file`);
  return all.filter((a) => wanted.includes(a.sourceUser.toLowerCase()));
}

function makeProgress(opts: GlobalOptions, log: Logger): ProgressSink & { close(): void } {
  if (opts.json) return { ...silentProgress, close() {} };
  if (opts.progress !== false && process.stderr.isTTY && process.stdout.isTTY) return terminalProgress();
  return logLineProgress(log, warn);
}

/**
 * First Ctrl-C (or SIGTERM): abort the signal so phases stop taking work and commit what is in
 * flight. Second: exit at once with 130 (the store is transactional, so it stays consistent).
 */
function onInterrupt(controller: AbortController, log: Logger, stop?: AbortController): () => void {
  const handler = (sig: NodeJS.Signals) => {
    if (stop && !stop.signal.aborted) {
      log.warn({ sig }, 'stop requested: ending after the work in flight');
      warn('mailshift: stopping after the pass in flight (press Ctrl-C again to stop sooner)');
      stop.abort();
      return;
    }
    if (controller.signal.aborted) {
      log.warn({ sig }, 'second interrupt: exiting now');
      exitNow(new InterruptedError('stopped at once; the checkpoint is consistent, run the same command again to continue'), warn);
    }
    log.warn({ sig }, 'interrupt: finishing in-flight work');
    warn('mailshift: stopping after the messages in flight are committed (press Ctrl-C again to stop at once)');
    controller.abort(new InterruptedError('interrupted'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
