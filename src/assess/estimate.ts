import { CATALOGUES } from '../kit/catalogue/index.js';
import { PLAIN_EN, sayWith, type Msg } from '../i18n/msg.js';
// Duration estimate: a short read-only throughput probe (bodies fetched with BODY.PEEK[], so
// nothing is marked \Seen), combined with connection caps, throttles and published daily limits.
import type { ImapFlow } from 'imapflow';
import { findPreset } from '../config/presets.js';
import type { ServerConfig } from '../config/types.js';
import { fmtBytes, fmtDuration } from './format.js';
import type { Estimate, ThroughputProbe } from './types.js';

export interface ProbeTarget {
  /** Opens a new read-only session for this account (one per probe connection). */
  open(): Promise<ImapFlow>;
  close(client: ImapFlow): Promise<void>;
  /** Folders with mail, largest first: wire path and message count. */
  folders: { path: string; messages: number }[];
}

/**
 * Downloads whole messages from the source for `seconds` with `connections` sessions spread over
 * the accounts, in small sequence-number chunks so the deadline is checked between FETCHes.
 * Each account is read at most once; a small mailbox simply ends the probe early.
 */
export async function measureThroughput(targets: ProbeTarget[], opts: { seconds: number; connections: number; chunk?: number; signal?: AbortSignal }): Promise<ThroughputProbe> {
  const started = Date.now();
  const deadline = started + opts.seconds * 1000;
  const chunk = opts.chunk ?? 10;
  const withMail = targets.filter((t) => t.folders.some((f) => f.messages > 0));
  const result: ThroughputProbe = { seconds: 0, connections: 0, messages: 0, bytes: 0, messagesPerSecond: 0, bytesPerSecond: 0 };
  if (!withMail.length) {
    result.error = 'no messages on the source to measure with';
    return result;
  }
  // Work items: (account, folder, sequence range); connections take them from a shared queue,
  // each worker staying on one account's session.
  const n = Math.max(1, Math.min(opts.connections, 64));
  const perAccount = new Map<ProbeTarget, { path: string; from: number; to: number }[]>();
  for (const t of withMail) {
    const items: { path: string; from: number; to: number }[] = [];
    for (const f of t.folders) for (let i = 1; i <= f.messages; i += chunk) items.push({ path: f.path, from: i, to: Math.min(f.messages, i + chunk - 1) });
    perAccount.set(t, items);
  }
  const errors: string[] = [];
  const worker = async (t: ProbeTarget) => {
    const items = perAccount.get(t)!;
    let client: ImapFlow | undefined;
    try {
      client = await t.open();
      result.connections++;
      let current: string | undefined;
      let lock: Awaited<ReturnType<ImapFlow['getMailboxLock']>> | undefined;
      try {
        while (Date.now() < deadline && !opts.signal?.aborted) {
          const item = items.shift();
          if (!item) break;
          if (item.path !== current) {
            lock?.release();
            lock = await client.getMailboxLock(item.path, { readOnly: true, description: 'assess:probe' });
            current = item.path;
          }
          const exists = client.mailbox ? client.mailbox.exists : 0;
          if (item.from > exists) continue;
          // BODY.PEEK[]: the whole message, without setting \Seen.
          for await (const m of client.fetch(`${item.from}:${Math.min(item.to, exists)}`, { source: true })) {
            if (m.source) {
              result.messages++;
              result.bytes += m.source.length;
            }
          }
        }
      } finally {
        lock?.release();
      }
    } catch (err) {
      errors.push((err as Error).message);
    } finally {
      if (client) await t.close(client);
    }
  };
  // Spread the connections over the accounts: with fewer accounts than connections, an account
  // gets several workers that share its queue of chunks.
  const workers: Promise<void>[] = [];
  for (let i = 0; i < n; i++) workers.push(worker(withMail[i % withMail.length]!));
  await Promise.all(workers);
  result.seconds = Math.max((Date.now() - started) / 1000, 0.001);
  result.messagesPerSecond = result.messages / result.seconds;
  result.bytesPerSecond = result.bytes / result.seconds;
  if (errors.length && !result.messages) result.error = errors[0];
  return result;
}

export interface EstimateInput {
  probe?: ThroughputProbe;
  accounts: { sourceUser: string; messages: number; bytes: number }[];
  source: ServerConfig;
  destination: ServerConfig;
}

// Used only when nothing could be measured; said so in the assumptions.
/** What the copier's message pacing achieves of the configured rate (README: Throttle). */
const WINDOW_PACE = 0.8;

const FALLBACK = { messagesPerSecond: 20, bytesPerSecond: 1024 * 1024 };

/** Duration per account and in total, from the measured rate and the limits that bind. */
export function computeEstimate(input: EstimateInput): Estimate {
  const { source, destination } = input;
  const sp = findPreset(source.preset);
  const dp = findPreset(destination.preset);
  const connections = Math.min(source.maxConnections, destination.maxConnections);
  const assumptions: string[] = [];
  const notes: Msg[] = [];
  // Each assumption as a catalogue message (findings.estimate) and, for JSON, its English.
  const note = (key: keyof typeof CATALOGUES.en.findings.estimate, vars?: Msg['vars']) => {
    notes.push({ key, vars });
    assumptions.push(sayWith(CATALOGUES.en.findings.estimate, { key, vars }, PLAIN_EN));
  };
  const measured = input.probe && input.probe.messages > 0;
  let mps = measured ? input.probe!.messagesPerSecond : FALLBACK.messagesPerSecond;
  let bps = measured ? input.probe!.bytesPerSecond : FALLBACK.bytesPerSecond;
  if (measured) {
    const p = input.probe!;
    // The probe ran with min(connections, accounts × workers); scale to the job's connection count.
    if (p.connections > 0 && p.connections < connections) {
      const f = connections / p.connections;
      mps *= f;
      bps *= f;
      note('scaled', { conns: String(p.connections), mps: p.messagesPerSecond.toFixed(1), bps: fmtBytes(p.bytesPerSecond), connections: String(connections) });
    } else {
      note('measured', { seconds: p.seconds.toFixed(1), conns: String(p.connections), mps: p.messagesPerSecond.toFixed(1), bps: fmtBytes(p.bytesPerSecond) });
    }
  } else {
    const fb = { mps: String(FALLBACK.messagesPerSecond), bps: fmtBytes(FALLBACK.bytesPerSecond) };
    if (input.probe?.error) note('notMeasuredWhy', { ...fb, error: input.probe.error });
    else note('notMeasured', fb);
  }
  note('connections', { connections: String(connections), src: String(source.maxConnections), dst: String(destination.maxConnections) });
  note('writes');
  // Job-wide throttles from the config.
  for (const [side, s] of [['source', source], ['destination', destination]] as const) {
    if (s.throttle.bytesPerSecond && s.throttle.bytesPerSecond < bps) {
      bps = s.throttle.bytesPerSecond;
      note('throttle', { sideKey: side, bps: fmtBytes(bps) });
    }
  }
  // throttle.messagesPerHour is kept at the server for the whole job (src/copier/limits.ts
  // ServerThrottle: every account shares it), at about 80 % of the figure; the daily byte budgets
  // are the providers' own, per mailbox.
  const perHour = Math.min(source.throttle.messagesPerHour ?? Infinity, destination.throttle.messagesPerHour ?? Infinity);
  const paced = perHour * WINDOW_PACE;
  if (Number.isFinite(perHour)) note('perHour', { perHour: String(perHour) });
  const dailyUp = dp?.dailyUploadBytes;
  const dailyDown = sp?.dailyDownloadBytes;
  if (dailyUp) note('dailyUp', { provider: dp!.name, bytes: fmtBytes(dailyUp) });
  if (dailyDown) note('dailyDown', { provider: sp!.name, bytes: fmtBytes(dailyDown) });

  const perAccount = input.accounts.map((a) => {
    const bounds: [number, string][] = [
      [a.messages / mps, 'message rate'],
      [a.bytes / bps, 'byte rate'],
    ];
    if (Number.isFinite(perHour)) bounds.push([(a.messages / paced) * 3600, `${perHour} messages/hour`]);
    if (dailyUp && a.bytes > dailyUp) bounds.push([(a.bytes / dailyUp) * 86400, `${fmtBytes(dailyUp)}/day upload limit`]);
    if (dailyDown && a.bytes > dailyDown) bounds.push([(a.bytes / dailyDown) * 86400, `${fmtBytes(dailyDown)}/day download limit`]);
    const [seconds, boundBy] = bounds.reduce((m, b) => (b[0] > m[0] ? b : m));
    return { sourceUser: a.sourceUser, seconds, boundBy };
  });
  // Accounts share the connections and the message throttle: the total is bounded by the whole
  // volume at the job's rates, and by the slowest account on its own (the per-mailbox daily
  // budgets do not add up across mailboxes).
  const msgs = input.accounts.reduce((s, a) => s + a.messages, 0);
  const bytes = input.accounts.reduce((s, a) => s + a.bytes, 0);
  const throttled = Number.isFinite(perHour) ? (msgs / paced) * 3600 : 0;
  const totalSeconds = Math.max(msgs / mps, bytes / bps, throttled, ...perAccount.map((p) => p.seconds), 0);
  note('total', { time: fmtDuration(totalSeconds), totalSeconds });
  return { probe: input.probe, totalSeconds, perAccount, assumptions, notes };
}
