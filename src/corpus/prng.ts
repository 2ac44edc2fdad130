// Seeded randomness for the corpus. Everything derives from integers, never from the clock,
// so the same seed always yields the same bytes.

/** Mixes any number of integers into one 32-bit seed (murmur3 finalizer per step). */
export function mix(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough for test data. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform float in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Picks a key by weight; weights need not sum to 1. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const keys = Object.keys(weights) as K[];
    let total = 0;
    for (const k of keys) total += weights[k];
    let r = this.next() * total;
    for (const k of keys) {
      r -= weights[k];
      if (r < 0) return k;
    }
    return keys[keys.length - 1] as K;
  }
  /** Log-uniform value in [min, max]: many small, few large, like real mail sizes. */
  logUniform(min: number, max: number): number {
    return Math.round(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
  }
  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }
}

/**
 * Fills `n` pseudo-random bytes quickly (xorshift32 over a Uint32Array view), for attachment
 * payloads: incompressible like real PDFs/JPEGs, and ~1 GB/s so `medium` stays fast.
 */
export function randomBytes(seed: number, n: number): Buffer {
  const words = Math.ceil(n / 4);
  const ab = new ArrayBuffer(words * 4);
  const u32 = new Uint32Array(ab);
  let x = seed >>> 0 || 0x1234567;
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u32[i] = x >>> 0;
  }
  return Buffer.from(ab, 0, n);
}
