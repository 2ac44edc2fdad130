import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../src/config/types.js';
import { classifyImapError, describeImapError } from '../../src/imap/errors.js';

// The one-line diagnoses for failures no retry can heal: each says what to change, and only a
// certificate problem points at allowInsecure (which cannot help the others).

const server = (tls: ServerConfig['tls'], allowInsecure = false): ServerConfig => ({
  preset: 'generic', host: 'mail.acme.test', port: 993, tls, allowInsecure, maxConnections: 4, throttle: {},
});
const at = (tls: ServerConfig['tls'], allowInsecure = false) => ({ server: server(tls, allowInsecure), user: 'a@acme.test', side: 'destination' as const });

describe('TLS diagnoses', () => {
  it('a server without STARTTLS: use implicit TLS, never allowInsecure', () => {
    const f = describeImapError(new Error('Server does not support STARTTLS'), at('starttls'));
    expect(f.kind).toBe('tls');
    expect(f.message).toBe('destination mail.acme.test:993 (a@acme.test): TLS failed: Server does not support STARTTLS; the server does not offer STARTTLS on this port: use tls: implicit (usually port 993) — mailshift never falls back to plaintext');
    expect(f.message).not.toMatch(/allowInsecure/);
  });

  it('plaintext on the implicit-TLS port: say so in words, suggest starttls', () => {
    const raw = Object.assign(new Error('80ECA4FD157F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    const f = describeImapError(raw, at('implicit'));
    expect(f.message).toBe('destination mail.acme.test:993 (a@acme.test): TLS failed: the server answered in plaintext, not TLS (wrong version number); the server does not speak TLS on this port: use tls: starttls (usually port 143), or the implicit-TLS port (usually 993)');
  });

  it('an untrusted certificate: allowInsecure is named, unless it is already on', () => {
    const raw = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(describeImapError(raw, at('implicit')).message).toMatch(/; if this server uses a self-signed or company certificate you trust, set allowInsecure: true for it$/);
    expect(describeImapError(raw, at('implicit', true)).message).toMatch(/TLS failed: self-signed certificate$/);
  });
});

describe('quota', () => {
  it('says "full" once', () => {
    const f = classifyImapError({ responseStatus: 'NO', serverResponseCode: 'OVERQUOTA', responseText: 'Quota exceeded (mailbox for user is full)' });
    expect(f.kind).toBe('quota');
    expect(f.message).toBe('destination over quota: Quota exceeded (mailbox for user is full)');
    expect(classifyImapError({ responseStatus: 'NO', serverResponseCode: 'OVERQUOTA', responseText: 'Quota exceeded' }).message).toBe('destination mailbox is full: Quota exceeded');
  });
});
