/**
 * The shared setup of the dual-run tests: one user on a sandbox pair, an accounts CSV and a job
 * config in a temp dir. The destination may be the pair's Dovecot itself or anything standing in
 * front of it (the capability proxy), or another server (Cyrus) given by endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli } from './cli.js';
import { startPair, type DovecotPair } from './dovecot.js';

export const DUAL_USER = { user: 'alice@acme.test', password: 'alice-pw' };

export interface Endpoint {
  host: '127.0.0.1';
  port: number;
}

export interface DualRunJobOptions {
  /** The user on both sides (default DUAL_USER). */
  user?: { user: string; password: string };
  /** The destination user's name when it differs (Cyrus names have no '@'). */
  destinationUser?: string;
  /** Started pair to use (default: a new one, with the user added on both sides). */
  pair?: DovecotPair;
  /** Where the job's destination points (default: the pair's destination). */
  destination?: Endpoint;
  /** Where the job's source points (default: the pair's source; e.g. a proxy in front of it). */
  source?: Endpoint;
  /** Server preset of both sides (default 'dovecot'; 'generic' behind a proxy or for Cyrus). */
  preset?: string;
  /** More top-level config fields (dualRun, cutover, sync, …). */
  config?: Record<string, unknown>;
}

export interface DualRunJob {
  pair: DovecotPair;
  dir: string;
  config: string;
  /** The job's store file. */
  db: string;
  user: { user: string; password: string };
  /** Rewrites the config with other extra fields. */
  write(config: Record<string, unknown>): void;
  /** Runs the CLI with --config appended. */
  cli(args: string[], opts?: Parameters<typeof runCli>[1]): ReturnType<typeof runCli>;
}

export async function dualRunJob(job: string, opts: DualRunJobOptions = {}): Promise<DualRunJob> {
  const user = opts.user ?? DUAL_USER;
  let pair = opts.pair;
  if (!pair) {
    pair = await startPair();
    await pair.source.addUser(user.user, user.password);
    await pair.destination.addUser(opts.destinationUser ?? user.user, user.password);
  }
  const dir = mkdtempSync(join(tmpdir(), `mailshift-${job}-`));
  const config = join(dir, 'mailshift.json');
  const preset = opts.preset ?? 'dovecot';
  const dst = opts.destination ?? pair.destination;
  const server = (e: Endpoint) => ({ preset, host: e.host, port: e.port, tls: 'none', allowInsecure: true });
  writeFileSync(join(dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${user.user},${user.password},${opts.destinationUser ?? user.user},${user.password}\n`);
  const write = (more: Record<string, unknown>) =>
    writeFileSync(config, JSON.stringify({ job, domain: 'acme.test', source: server(opts.source ?? pair.source), destination: server(dst), accounts: 'accounts.csv', ...more }));
  write(opts.config ?? {});
  return { pair, dir, config, db: join(dir, `${job}.mailshift.db`), user, write, cli: (args, o) => runCli([...args, '--config', config], o) };
}

export interface RunningDualRun {
  child: ChildProcess;
  /** Resolves with the signal that ended the process (null: it exited by itself). */
  exited: Promise<NodeJS.Signals | null>;
  stderr(): string;
}

/** Starts `mailshift dual-run` (a loop) and resolves once its first pass line is printed. */
export async function startDualRun(config: string, opts: { env?: NodeJS.ProcessEnv; args?: string[]; timeoutMs?: number } = {}): Promise<RunningDualRun> {
  const child = spawn(process.execPath, [BIN, 'dual-run', ...(opts.args ?? []), '--config', config], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('close', (_c, sig) => res(sig)));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`no pass line: ${stderr}`)), opts.timeoutMs ?? 90_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/dual-run pass 1 /.test(stderr)) (clearTimeout(t), res());
    });
  });
  return { child, exited, stderr: () => stderr };
}
