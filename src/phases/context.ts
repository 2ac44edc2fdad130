import { JobCredentials } from '../auth/provider.js';
import type { Credentials } from '../auth/types.js';
import type { Account, JobConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { AsyncJobStore } from '../store/contract/async.js';

/** A unit of long work the user can watch: a bar on a terminal, periodic log lines otherwise. */
export interface ProgressTask {
  update(done: number, info?: Record<string, string | number>): void;
  increment(by?: number, info?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressSink {
  /** `unit` decides how numbers are shown (bytes as MiB, messages as a count). */
  task(name: string, total: number, unit?: 'messages' | 'bytes' | 'accounts' | 'steps'): ProgressTask;
  /** A line of human-readable status (shown above the bars on a terminal, logged otherwise). */
  note(line: string): void;
  /** Terminals only: a block of lines kept at the bottom and redrawn in place (e.g. dual-run's table); [] removes it. */
  panel?(lines: string[]): void;
}

/** Everything a phase needs. Phases never import the CLI; the CLI builds this and passes it in. */
export interface PhaseContext {
  config: JobConfig;
  /** The accounts this run works on (after --accounts filtering), with passwords resolved. */
  accounts: Account[];
  /** The job's records, through the store contract (SQLite in production, memory in tests). */
  store: AsyncJobStore;
  log: Logger;
  /** Aborted on the first Ctrl-C / SIGTERM: stop taking new work, finish what is in flight. */
  signal: AbortSignal;
  /** Commands that stop gracefully (dual-run): aborted on the first Ctrl-C, to end after the work in flight. */
  stop?: AbortSignal;
  progress: ProgressSink;
  /** What sessions send to log in; built from the config on first use when the caller gave none. */
  credentials?: Credentials;
}

/** The job's credential provider (one per context, so parallel sessions share refreshes). */
export function credentialsOf(ctx: PhaseContext): Credentials {
  return (ctx.credentials ??= new JobCredentials(ctx.config, ctx.log));
}

export const silentProgress: ProgressSink = {
  task: () => ({ update() {}, increment() {}, setTotal() {}, stop() {} }),
  note() {},
};
