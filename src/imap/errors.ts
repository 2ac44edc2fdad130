import type { ServerConfig, Side } from '../config/types.js';
import { findPreset } from '../config/presets.js';
import { ImapConnectionError, ImapFailure, ImapProtocolError } from '../errors.js';

// The classes live in the one error family (src/errors.ts); re-exported so imports stay put.
export { ImapFailure, type ImapFailureKind } from '../errors.js';

interface RawImapError {
  message?: string;
  code?: string;
  responseStatus?: string;
  responseText?: string;
  serverResponseCode?: string;
  authenticationFailed?: boolean;
  throttleReset?: number;
  /** imapflow's NoConnection error carries the server's BYE text here ("[THROTTLED] …"). */
  reason?: string;
}

const CONNECTION_CODES = new Set(['NoConnection', 'EConnectionClosed', 'ETIMEOUT', 'ECONNRESET', 'EPIPE', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS', 'SocketTimeout']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'ConnectionTimeout', 'GreetingTimeout']);
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/;

/** Classifies any error (ours by class and fields, imapflow's and Node's by their fields) into an ImapFailure with a one-line reason (no secrets). */
export function classifyImapError(err: unknown): ImapFailure {
  if (err instanceof ImapFailure) return err;
  const e = (err ?? {}) as RawImapError;
  const code = e.code ?? '';
  const text = (e.responseText ?? (typeof e.reason === 'string' ? `${e.message ?? ''}: ${e.reason}` : e.message) ?? String(err)).replace(/\s+/g, ' ').trim();
  const src = e.serverResponseCode?.toUpperCase() ?? '';
  const upper = text.toUpperCase();
  if (e.authenticationFailed || src === 'AUTHENTICATIONFAILED' || src === 'AUTHORIZATIONFAILED' || code === 'AuthenticationFailure') {
    return new ImapFailure(`login refused: ${text}`, 'auth', undefined, { cause: err });
  }
  if (code === 'ETHROTTLE' || src === 'THROTTLED' || /THROTTLED|SUGGESTED BACKOFF/.test(upper)) {
    const m = /Suggested Backoff Time:\s*(\d+)/i.exec(text);
    return new ImapFailure(`server throttling: ${text}`, 'throttled', e.throttleReset ?? (m ? Number(m[1]) : undefined), { cause: err });
  }
  // Gmail answers [OVERQUOTA] "Account exceeded command or bandwidth limits" when a user's daily
  // IMAP transfer (about 500 MB uploaded, 2,500 MB downloaded) is used up: not a full mailbox, and
  // retrying only prolongs the lock. It resets within 24 hours.
  if ((src === 'OVERQUOTA' || src === 'LIMIT') && /BANDWIDTH|COMMAND OR|DAILY|PER DAY/.test(upper)) {
    return new ImapFailure(`the provider's daily transfer limit for this account was reached (${text}); nothing is lost: run the same command again once it resets (Gmail: within 24 hours)`, 'daily-limit', undefined, { cause: err });
  }
  if (src === 'OVERQUOTA' || /QUOTA/.test(upper)) {
    // The server's own text usually says "full" already; say it once.
    return new ImapFailure(/\bfull\b/i.test(text) ? `destination over quota: ${text}` : `destination mailbox is full: ${text}`, 'quota', undefined, { cause: err });
  }
  if (src === 'TOOBIG' || src === 'APPENDLIMIT' || /TOO (BIG|LARGE)|SIZE LIMIT|MESSAGE SIZE|EXCEEDS|LARGER THAN THE MAXIMUM/.test(upper)) {
    return new ImapFailure(`message refused as too large: ${text}`, 'too-large', undefined, { cause: err });
  }
  // RFC 5530: the server failed or is busy, not this message; Dovecot answers SERVERBUG when an
  // index lock times out. Retried like a dropped connection (fresh session, reconcile first);
  // UNAVAILABLE (a subsystem down) pauses the whole server instead (failure policy).
  if (src === 'UNAVAILABLE') return new ImapFailure(`server temporarily unavailable: ${text}`, 'unavailable', undefined, { cause: err });
  if (src === 'SERVERBUG' || src === 'INUSE') {
    return new ImapFailure(`server temporarily failed: ${text}`, 'connection', undefined, { cause: err });
  }
  if (src === 'TRYCREATE') return new ImapFailure(`folder does not exist: ${text}`, 'trycreate', undefined, { cause: err });
  if (TLS_CODES.test(code) || /certificate|self.signed|TLS|SSL/i.test(text)) {
    // OpenSSL's "…:SSL routines:ssl3_get_record:wrong version number:…" says one thing.
    const said = /wrong version number/i.test(text) ? 'the server answered in plaintext, not TLS (wrong version number)' : text;
    return new ImapFailure(`TLS failed: ${said}`, 'tls', undefined, { cause: err });
  }
  if (UNREACHABLE_CODES.has(code)) return new ImapFailure(`cannot reach the server: ${code} ${text}`.trim(), 'unreachable', undefined, { cause: err });
  // Ours say so by class (BulkConnectionError, FramingError); imapflow's and Node's by code or text.
  if (err instanceof ImapConnectionError || CONNECTION_CODES.has(code) || /connection (closed|lost|reset)|socket/i.test(text)) {
    return new ImapFailure(`connection lost: ${text}`, 'connection', undefined, { cause: err });
  }
  if (err instanceof ImapProtocolError) return new ImapFailure(text || 'unreadable server answer', 'unknown', undefined, { cause: err });
  // A tagged NO/BAD: ours (ImapCommandError, BulkCommandError) and imapflow's carry the same fields.
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') return new ImapFailure(`server refused: ${text}`, 'refused', undefined, { cause: err });
  return new ImapFailure(text || 'unknown IMAP error', 'unknown', undefined, { cause: err });
}

/** classifyImapError plus who/where and, for a login failure, the preset's advice. */
export function describeImapError(err: unknown, at: { server: ServerConfig; user: string; side: Side }): ImapFailure {
  const f = classifyImapError(err);
  const where = `${at.side} ${at.server.host}:${at.server.port} (${at.user})`;
  let hint = '';
  if (f.kind === 'auth') hint = `; ${findPreset(at.server.preset)?.authHelp ?? 'check the user name and password'}`;
  if (f.kind === 'tls') hint = tlsHint(f.message, at.server);
  const account = { side: at.side, account: at.user };
  // The hint is kept as a field too (the message reads exactly as before: "…; <hint>").
  return new ImapFailure(`${where}: ${f.message}`, f.kind, f.retryAfterMs, hint ? { cause: err, ...account, hint: hint.replace(/^; /, '') } : { cause: err, ...account });
}

/**
 * What to do about a TLS failure. Only a certificate problem is helped by allowInsecure; a
 * server without STARTTLS, or plaintext on the implicit-TLS port, needs the other tls mode.
 */
function tlsHint(message: string, server: ServerConfig): string {
  if (/STARTTLS/i.test(message)) return '; the server does not offer STARTTLS on this port: use tls: implicit (usually port 993) — mailshift never falls back to plaintext';
  if (/wrong version number|packet length too long|unknown protocol|EPROTO/i.test(message)) {
    return server.tls === 'implicit'
      ? '; the server does not speak TLS on this port: use tls: starttls (usually port 143), or the implicit-TLS port (usually 993)'
      : '; the TLS handshake failed: check the tls setting and the port';
  }
  if (server.allowInsecure) return '';
  return '; if this server uses a self-signed or company certificate you trust, set allowInsecure: true for it';
}
