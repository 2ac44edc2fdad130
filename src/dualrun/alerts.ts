import { createHmac } from 'node:crypto';
import { readCa, tlsTrust, warnInsecureOnce } from '../net/tls-trust.js';
import nodemailer from 'nodemailer';
import { resolvePasswordCell } from '../config/accounts.js';
import type { AlertChannelConfig } from '../config/dualrun-schema.js';
import type { JobConfig } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { Secret } from '../secret.js';
import type { AsyncJobStore } from '../store/contract/async.js';

// Alerts to the team's chat or mailbox, each channel in its own documented shape:
// - DingTalk group robot: {"msgtype":"text","text":{"content":…}}; with a signing secret the URL
//   gets &timestamp=<ms>&sign=<urlencoded base64 HmacSHA256(key=secret, "<ms>\n<secret>")>.
// - WeCom group robot: {"msgtype":"text","text":{"content":…}}.
// - Microsoft Teams incoming webhook: a message with one Adaptive Card attachment.
// - Slack incoming webhook: {"text":…}.
// - Generic webhook: mailshift's own JSON object (below), with optional extra headers.
// - E-mail over SMTP (nodemailer).
// URLs, secrets and headers are env:/cmd: values, resolved when sending and never printed.

export interface Alert {
  /** Same key within `repeatMs` -> sent once. */
  key: string;
  level: 'warning' | 'critical' | 'info';
  title: string;
  message: string;
}

export interface AlertPayload {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

const text = (job: JobConfig, a: Alert) => `[mailshift ${job.job}] ${a.title}\n${a.message}`;

export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** The HTTP request of one channel (pure but for the clock; e-mail has none). */
export function buildPayload(ch: Exclude<AlertChannelConfig, { type: 'email' }>, secrets: { url: Secret; secret?: Secret; headers?: Record<string, Secret> }, job: JobConfig, a: Alert, now = Date.now()): AlertPayload {
  let url = secrets.url.reveal();
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  const content = text(job, a);
  switch (ch.type) {
    case 'dingtalk':
      if (secrets.secret) url += `${url.includes('?') ? '&' : '?'}timestamp=${now}&sign=${encodeURIComponent(dingtalkSign(secrets.secret.reveal(), now))}`;
      return { url, headers, body: { msgtype: 'text', text: { content } } };
    case 'wecom':
      return { url, headers, body: { msgtype: 'text', text: { content } } };
    case 'slack':
      return { url, headers, body: { text: content } };
    case 'teams':
      return {
        url,
        headers,
        body: {
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: {
                $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                type: 'AdaptiveCard',
                version: '1.2',
                body: [
                  { type: 'TextBlock', text: `mailshift ${job.job}: ${a.title}`, weight: 'Bolder', size: 'Medium', wrap: true, color: a.level === 'info' ? 'Default' : 'Attention' },
                  { type: 'TextBlock', text: a.message, wrap: true },
                ],
              },
            },
          ],
        },
      };
    case 'webhook':
      for (const [k, v] of Object.entries(secrets.headers ?? {})) headers[k.toLowerCase()] = v.reveal();
      return { url, headers, body: { source: 'mailshift', job: job.job, domain: job.domain, key: a.key, level: a.level, title: a.title, message: a.message, at: new Date(now).toISOString() } };
  }
}

/** "slack", or "slack#2" for the second Slack channel (unless it has a name). */
const channelName = (all: AlertChannelConfig[], i: number) => {
  const ch = all[i]!;
  const nth = all.slice(0, i).filter((c) => c.type === ch.type).length;
  return ch.name ?? `${ch.type}${nth ? `#${nth + 1}` : ''}`;
};

/** Sends to one channel; resolves to "ok" or a one-line error that names no secret. */
async function sendOne(job: JobConfig, ch: AlertChannelConfig, i: number, a: Alert): Promise<string> {
  const where = `dualRun.alerts[${i}]`;
  try {
    if (ch.type === 'email') {
      const s = ch.smtp;
      if (s.tls === 'none' && !s.allowInsecure) return `${where}: smtp.tls "none" needs smtp.allowInsecure: true`;
      if (s.allowInsecure) warnInsecureOnce(`${where}.smtp`, s.host, s.port, s.tls);
      const pass = s.password ? resolvePasswordCell(s.password, `${where}.smtp.password`) : undefined;
      const t = nodemailer.createTransport({
        host: s.host,
        port: s.port,
        secure: s.tls === 'implicit',
        requireTLS: s.tls === 'starttls',
        ignoreTLS: s.tls === 'none',
        tls: tlsTrust({ allowInsecure: s.allowInsecure, ...(s.caFile ? { ca: readCa(job.configDir, s.caFile, `${where}.smtp.caFile`) } : {}) }),
        ...(s.user ? { auth: { user: s.user, pass: pass?.reveal() ?? '' } } : {}),
        connectionTimeout: 10_000,
        socketTimeout: 15_000,
      });
      try {
        await t.sendMail({ from: ch.from, to: ch.to, subject: `[mailshift ${job.job}] ${a.title}`, text: `${a.message}\n\n(${a.level}; alert ${a.key})\n` });
      } finally {
        t.close();
      }
      return 'ok';
    }
    const secrets = {
      url: resolvePasswordCell(ch.url, `${where}.url`),
      ...(ch.type === 'dingtalk' && ch.secret ? { secret: resolvePasswordCell(ch.secret, `${where}.secret`) } : {}),
      ...(ch.type === 'webhook' && ch.headers ? { headers: Object.fromEntries(Object.entries(ch.headers).map(([k, v]) => [k, resolvePasswordCell(v, `${where}.headers.${k}`)])) } : {}),
    };
    const p = buildPayload(ch, secrets, job, a);
    const res = await fetch(p.url, { method: 'POST', headers: p.headers, body: JSON.stringify(p.body), signal: AbortSignal.timeout(10_000) });
    const body = await res.text();
    if (!res.ok) return `${where} (${ch.type}): HTTP ${res.status}`;
    // DingTalk and WeCom answer 200 with {"errcode":…,"errmsg":…}.
    if (ch.type === 'dingtalk' || ch.type === 'wecom') {
      try {
        const j = JSON.parse(body) as { errcode?: number; errmsg?: string };
        if (j.errcode !== undefined && j.errcode !== 0) return `${where} (${ch.type}): refused: ${j.errcode} ${String(j.errmsg ?? '').slice(0, 120)}`;
      } catch {
        // not JSON: the status code said OK
      }
    }
    return 'ok';
  } catch (err) {
    // Error texts of fetch/nodemailer name hosts, not URLs with tokens; keep them short anyway.
    const e = err as Error & { code?: string };
    return `${where} (${ch.type}): ${e.name === 'TimeoutError' ? 'timed out' : e.code ?? e.message.split('\n')[0]!.replace(/https?:\/\/\S+/g, '<url>')}`;
  }
}

export interface SentAlert {
  sent: boolean;
  results: Record<string, string>;
}

/**
 * Sends an alert to every configured channel, unless the same key was sent within `repeatMs`.
 * The result of each channel is recorded with the alert; a failing channel does not stop the others.
 */
export async function sendAlert(job: JobConfig, store: AsyncJobStore, a: Alert, opts: { repeatMs?: number; log?: Logger } = {}): Promise<SentAlert> {
  const hs = store.dualRunHealth;
  const channels = job.dualRun.alerts;
  const last = await hs.lastAlert(a.key);
  if (last && Date.now() - Date.parse(last.at) < (opts.repeatMs ?? 6 * 3600_000)) return { sent: false, results: last.results };
  if (!channels.length) {
    await hs.addAlert({ key: a.key, level: a.level, message: `${a.title}: ${a.message}`, results: {} });
    return { sent: false, results: {} };
  }
  const out = await Promise.all(channels.map((ch, i) => sendOne(job, ch, i, a).then((r) => [channelName(channels, i), r] as const)));
  const results = Object.fromEntries(out);
  await hs.addAlert({ key: a.key, level: a.level, message: `${a.title}: ${a.message}`, results });
  opts.log?.info({ key: a.key, results }, 'alert sent');
  return { sent: true, results };
}
