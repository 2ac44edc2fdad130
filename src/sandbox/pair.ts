import { dovecotAvailable, startDovecot, type DovecotServer, type StartDovecotOptions } from './dovecot.js';
import { SandboxError } from '../errors.js';

export interface PairOptions {
  /** Destination APPENDLIMIT in bytes. */
  appendLimit?: number;
  /** Destination per-user quota in bytes. */
  quotaBytes?: number;
  /** Also start implicit-TLS listeners (self-signed). */
  tlsPort?: boolean;
  /** Extra options for either side (e.g. baseDir, port, keepAfterExit). */
  source?: Partial<StartDovecotOptions>;
  destination?: Partial<StartDovecotOptions>;
}

export interface DovecotPair {
  /** '/' separator, no namespace prefix. */
  source: DovecotServer;
  /** '.' separator, 'INBOX.' prefix, optional APPENDLIMIT and quota. */
  destination: DovecotServer;
  /** Stops both and deletes the directories startDovecot created. */
  stop(): Promise<void>;
}

/**
 * Starts the "source" and "destination" servers at once (no test-framework hooks: for the demo
 * and the benchmark; tests use test/support's startPair/usePair). If one fails, the other is stopped.
 */
export async function startSandboxPair(opts: PairOptions = {}): Promise<DovecotPair> {
  if (!dovecotAvailable()) throw new SandboxError('Dovecot is not installed: apt-get install -y dovecot-imapd');
  const results = await Promise.allSettled([
    startDovecot({ name: 'source', separator: '/', namespacePrefix: '', tlsPort: opts.tlsPort, ...opts.source }),
    startDovecot({
      name: 'destination',
      separator: '.',
      namespacePrefix: 'INBOX.',
      appendLimit: opts.appendLimit,
      quotaBytes: opts.quotaBytes,
      tlsPort: opts.tlsPort,
      ...opts.destination,
    }),
  ]);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((s) => s.destroy()));
    throw failure.reason;
  }
  const [source, destination] = started as [DovecotServer, DovecotServer];
  return {
    source,
    destination,
    stop: async () => {
      await Promise.all([source.destroy(), destination.destroy()]);
    },
  };
}
