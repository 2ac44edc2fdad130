import { sleep } from './backoff.js';

/**
 * Bytes of message bodies held in memory across the job. A message larger than the whole budget
 * is let through alone (it has to be copied somehow), so memory stays bounded by
 * max(budget, largest message).
 */
export class ByteBudget {
  #used = 0;
  #waiters: { n: number; resolve: () => void }[] = [];
  constructor(readonly capacity: number) {}

  async acquire(n: number): Promise<number> {
    const want = Math.min(n, this.capacity);
    if (this.#waiters.length === 0 && this.#used + want <= this.capacity) {
      this.#used += want;
      return want;
    }
    await new Promise<void>((resolve) => this.#waiters.push({ n: want, resolve }));
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
      if (signal?.aborted) return;
      const need = Math.min(n, this.ratePerSecond) - this.#tokens;
      await sleep(Math.max(10, Math.ceil((need / this.ratePerSecond) * 1000)), signal);
    }
  }
}

/** Per-server throttle from config: bytes/s and messages/hour, shared by every account. */
export class ServerThrottle {
  readonly bytes?: TokenBucket;
  readonly messages?: TokenBucket;
  /** Set when the server asked us to slow down: nobody sends before this time. */
  pausedUntil = 0;
  constructor(t: { bytesPerSecond?: number; messagesPerHour?: number }) {
    if (t.bytesPerSecond) this.bytes = new TokenBucket(t.bytesPerSecond);
    if (t.messagesPerHour) this.messages = new TokenBucket(t.messagesPerHour / 3600);
  }

  async take(bytes: number, messages: number, signal?: AbortSignal): Promise<void> {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) await sleep(wait, signal);
    if (this.messages) await this.messages.take(messages, signal);
    if (this.bytes) await this.bytes.take(bytes, signal);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
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
