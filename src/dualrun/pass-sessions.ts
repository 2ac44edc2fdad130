import type { Credentials } from '../auth/types.js';
import type { JobConfig } from '../config/types.js';
import { ServerThrottle } from '../copier/limits.js';
import type { RetryEnv } from '../copier/retry.js';
import { sessionPool, type SidePools } from '../copier/session-pools.js';
import type { Logger } from '../logger.js';

/**
 * The sessions of one dual-run pass: one pool per server (capacity maxConnections, shared by
 * every account) that the probe, the move step, the delta sync and the flag step all lease from,
 * so a pass never holds more than maxConnections on either server, and an account's sessions go
 * from one step to the next idle instead of logging in again. `retry` is what the steps retry a
 * transient failure with: the failure policy's decide() through the copier's withRetry.
 */
export interface PassSessions {
  pools: SidePools;
  retry: RetryEnv;
}

export function passSessions(config: JobConfig, credentials: Credentials, log: Logger, signal: AbortSignal): PassSessions {
  return {
    pools: {
      // The move step reads expunges as QRESYNC VANISHED where the source offers it.
      from: sessionPool(config.source, 'source', credentials, log, { qresync: true }),
      to: sessionPool(config.destination, 'destination', credentials, log),
    },
    retry: { log, signal, retry: config.retry, fromThrottle: new ServerThrottle(config.source.throttle), toThrottle: new ServerThrottle(config.destination.throttle) },
  };
}

/** Ends the pass: every session logged out (or dropped when broken) before the pass returns. */
export async function closePassSessions(s: PassSessions, log: Logger): Promise<void> {
  await Promise.all([s.pools.from.close(), s.pools.to.close()]);
  log.debug({ sessionsPeak: { source: s.pools.from.peak, destination: s.pools.to.peak } }, 'dual-run pass: sessions held at most');
}
