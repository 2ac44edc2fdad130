import { sleep } from './backoff.js';
import { serverPauseMs } from '../errors/policy.js';
import type { ImapFailure } from '../imap/errors.js';

/**
 * Bytes of message bodies held in memory across the job. A message larger than the whole budget
 * is let through alone (it has to be copied somehow), so memory stays bounded by
 * max(budget, largest message).
 */
export class ByteBudget {
  #used = 0;
  #waiters: { n: number; resolve: () => void }[] = [];
  /** How often, and how long in all, an acquire waited (the job's debug log shows it). */
  readonly stats = { waits: 0, waitedMs: 0, peak: 0 };
  constructor(readonly capacity: number) {}

  async acquire(n: number): Promise<number> {
    const want = Math.min(n, this.capacity);
    if (this.#waiters.length === 0 && this.#used + want <= this.capacity) {
      this.#used += want;
      this.stats.peak = Math.max(this.stats.peak, this.#used);
      return want;
    }
    const t0 = Date.now();
    await new Promise<void>((resolve) => this.#waiters.push({ n: want, resolve }));
    this.stats.waits++;
    this.stats.waitedMs += Date.now() - t0;
    this.stats.peak = Math.max(this.stats.peak, this.#used);
    return want;
  }

  release(n: number): void {
    this.#used -= n;
    while (this.#waiters.length && this.#used + this.#waiters[0]!.n <= this.capacity) {
      const w = this.#waiters.shift()!;
      this.#used += w.n;
      w.resolve();
    }
  }

  get used(): number {
    return this.#used;
  }
}

/** A token bucket (rate per second, burst = one second's worth, at least one unit of work). */
export class TokenBucket {
  #tokens: number;
  #last = Date.now();
  constructor(readonly ratePerSecond: number) {
    this.#tokens = ratePerSecond;
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const t = Date.now();
      this.#tokens = Math.min(this.ratePerSecond, this.#tokens + ((t - this.#last) / 1000) * this.ratePerSecond);
      this.#last = t;
      // Work larger than the burst goes once the bucket is full, and leaves it in debt.
      if (this.#tokens >= Math.min(n, this.ratePerSecond)) {
        this.#tokens -= n;
        return;
      }
      const need = Math.min(n, this.ratePerSecond) - this.#tokens;
      // Not cut short by Ctrl-C: the batches in flight drain at the configured rate, not at once.
      await sleep(Math.max(10, Math.ceil((need / this.ratePerSecond) * 1000)));
    }
  }
}

/**
 * messagesPerHour as a promise, counted where it matters: at the server. Messages are paced one
 * slot apart (GCRA), a command goes out only when the last of its slots has come, and commands
 * carry at most a tenth of a 10-second window's share. The pace leaves room for one command in
 * flight and for its transfer time, so no 10-second window at the server (a longer one below 360
 * an hour) sees more than its share; in exchange the copy runs at about 80 % of the rate. `seed`
 * takes what an earlier process of the job sent recently (from the store), so a restart after
 * Ctrl-C or a kill does not start afresh.
 */
export class WindowLimiter {
  readonly windowMs: number;
  readonly perWindow: number;
  /** The most messages one command may carry. */
  readonly batchCap: number;
  /** Milliseconds between two message slots. */
  readonly intervalMs: number;
  #tat = 0;
  constructor(perHour: number) {
    this.windowMs = perHour >= 360 ? 10_000 : Math.ceil(3_600_000 / perHour);
    this.perWindow = Math.max(1, Math.floor((perHour * this.windowMs) / 3_600_000));
    this.batchCap = Math.max(1, Math.floor(this.perWindow / 10));
    this.intervalMs = this.windowMs / Math.max(1, this.perWindow - 2 * this.batchCap);
  }

  seed(sent: { at: number; n: number }[]): void {
    for (const e of sent) this.#tat = Math.max(this.#tat, e.at + e.n * this.intervalMs);
  }

  async take(n: number, _signal?: AbortSignal): Promise<void> {
    // Reserve the slots at once (concurrent callers queue behind them), then wait for the last.
    const start = Math.max(this.#tat, Date.now());
    const ready = start + (n - 1) * this.intervalMs;
    this.#tat = start + n * this.intervalMs;
    // Not cut short by Ctrl-C: a batch whose intent is recorded still goes, at its slot, so the
    // interrupt leaves nothing in flight and the drain keeps the rate.
    while (Date.now() < ready) await sleep(Math.max(1, Math.ceil(ready - Date.now())));
  }

}

/** Per-server throttle from config: bytes/s and messages/hour, shared by every account. */
export class ServerThrottle {
  readonly bytes?: TokenBucket;
  readonly messages?: WindowLimiter;
  /** Set when the server asked us to slow down: nobody sends before this time. */
  pausedUntil = 0;
  constructor(t: { bytesPerSecond?: number; messagesPerHour?: number }) {
    if (t.bytesPerSecond) this.bytes = new TokenBucket(t.bytesPerSecond);
    if (t.messagesPerHour) this.messages = new WindowLimiter(t.messagesPerHour);
  }

  /** The most messages one command may carry so that it fits in one window (undefined: no cap). */
  get batchCap(): number | undefined {
    return this.messages?.batchCap;
  }

  async take(bytes: number, messages: number, signal?: AbortSignal): Promise<void> {
    const wait = this.pausedUntil - Date.now();
    // A server's request to slow down holds during the drain after Ctrl-C too.
    if (wait > 0) await sleep(wait);
    if (this.messages) await this.messages.take(messages, signal);
    if (this.bytes) await this.bytes.take(bytes, signal);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  #streak = 0;
  #streakEnds = 0;
  /**
   * The server answered "throttled" to any session: every session to it (all accounts) waits
   * the server's suggested time, or a doubling back-off while answers keep coming. Returns the wait.
   */
  throttled(f: ImapFailure): number {
    const now = Date.now();
    // Answers to commands sent before the pause are the same episode, not a new step.
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.#streak = now < this.#streakEnds ? this.#streak + 1 : 1;
    const ms = serverPauseMs(f, this.#streak);
    this.pause(ms);
    // Another answer within twice the pause after it ends continues the streak.
    this.#streakEnds = now + 3 * ms;
    return ms;
  }
}

/**
 * The size of the next APPEND batch. A connection cut mid-batch halves it (down to one message),
 * each batch that gets through doubles it back towards the configured size: on a link that
 * drops every few hundred KB, a batch of several MiB resent at full size after every cut would
 * never get through, while smaller batches still move mail.
 */
export class AdaptiveBatch {
  messages: number;
  bytes: number;
  static readonly MIN_BYTES = 64 * 1024;
  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {
    this.messages = maxMessages;
    this.bytes = maxBytes;
  }
  shrink(): void {
    this.messages = Math.max(1, Math.floor(this.messages / 2));
    this.bytes = Math.max(AdaptiveBatch.MIN_BYTES, Math.floor(this.bytes / 2));
  }
  grow(): void {
    this.messages = Math.min(this.maxMessages, this.messages * 2);
    this.bytes = Math.min(this.maxBytes, this.bytes * 2);
  }
}
