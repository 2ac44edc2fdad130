import { createHash } from 'node:crypto';
import type { Endpoint } from '../config/presets.js';
import { renderPlist } from './plist.js';
import type { KitSettings } from './settings.js';
import { el, renderXml } from './xml.js';

// Client auto-configuration files (reference: anchors-migration.md section c):
// Thunderbird autoconfig, Outlook Autodiscover POX, and an Apple profile per person.
// None of them ever carries a password.

const socketType = (tls: Endpoint['tls']) => ({ implicit: 'SSL', starttls: 'STARTTLS', none: 'plain' })[tls];

/** Thunderbird `config-v1.1.xml`, served at https://autoconfig.<domain>/mail/config-v1.1.xml. */
export function thunderbirdConfig(s: KitSettings): string {
  const server = (kind: 'incomingServer' | 'outgoingServer', type: string, e: Endpoint) =>
    el(
      kind,
      { type },
      el('hostname', undefined, e.host),
      el('port', undefined, String(e.port)),
      el('socketType', undefined, socketType(e.tls)),
      el('authentication', undefined, 'password-cleartext'),
      el('username', undefined, '%EMAILADDRESS%'),
    );
  const provider = el(
    'emailProvider',
    { id: s.domain },
    el('domain', undefined, s.domain),
    el('displayName', undefined, `${s.company} mail`),
    el('displayShortName', undefined, s.company),
    server('incomingServer', 'imap', s.imap),
    server('outgoingServer', 'smtp', s.smtp),
    s.webmail ? el('documentation', { url: s.webmail }, el('descr', { lang: 'en' }, `${s.company} webmail`)) : undefined,
  );
  return renderXml(el('clientConfig', { version: '1.1' }, provider));
}

const AUTODISCOVER_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
const OUTLOOK_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/**
 * Outlook Autodiscover POX response for IMAP + SMTP. The SPA trap: SPA defaults to "on" when
 * omitted, and Outlook then fails plain password login, so it is always written "off".
 * LoginName is left out: the file is the same for everyone, and Outlook then uses the address.
 */
export function autodiscoverXml(s: KitSettings): string {
  const protocol = (type: 'IMAP' | 'SMTP', e: Endpoint) =>
    el(
      'Protocol',
      undefined,
      el('Type', undefined, type),
      el('Server', undefined, e.host),
      el('Port', undefined, String(e.port)),
      el('DomainRequired', undefined, 'off'),
      el('SPA', undefined, 'off'),
      el('SSL', undefined, e.tls === 'none' ? 'off' : 'on'),
      el('Encryption', undefined, { implicit: 'SSL', starttls: 'TLS', none: 'None' }[e.tls]),
      el('AuthRequired', undefined, 'on'),
      type === 'SMTP' ? el('UsePOPAuth', undefined, 'on') : undefined,
      type === 'SMTP' ? el('SMTPLast', undefined, 'off') : undefined,
    );
  const account = el(
    'Account',
    undefined,
    el('AccountType', undefined, 'email'),
    el('Action', undefined, 'settings'),
    protocol('IMAP', s.imap),
    protocol('SMTP', s.smtp),
  );
  return renderXml(el('Autodiscover', { xmlns: AUTODISCOVER_NS }, el('Response', { xmlns: OUTLOOK_NS }, account)));
}

/** A stable UUID from a name, so a re-generated profile replaces the installed one. */
export function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/** Reverse-DNS identifier base, e.g. hk.com.acme.mailshift.acme-2026. */
export function profileIdentifier(s: KitSettings): string {
  const job = s.job.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${s.domain.split('.').reverse().join('.')}.mailshift.${job}`;
}

/**
 * Apple configuration profile with one `com.apple.mail.managed` payload for one person.
 * Unsigned; SSL on (the default is off); no password (the device asks for it at install).
 */
export function mobileconfig(s: KitSettings, address: string, texts: { displayName: string; description: string }): string {
  const base = profileIdentifier(s);
  const who = address.toLowerCase();
  const mailId = `${base}.mail.${who.replace(/[^a-z0-9.-]/g, '-')}`;
  return renderPlist({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: `${base}.profile.${who.replace(/[^a-z0-9.-]/g, '-')}`,
    PayloadUUID: stableUuid(`${base}/profile/${who}`),
    PayloadDisplayName: texts.displayName,
    PayloadDescription: texts.description,
    PayloadOrganization: s.company,
    PayloadRemovalDisallowed: false,
    PayloadContent: [
      {
        PayloadType: 'com.apple.mail.managed',
        PayloadVersion: 1,
        PayloadIdentifier: mailId,
        PayloadUUID: stableUuid(`${base}/mail/${who}`),
        PayloadDisplayName: texts.displayName,
        EmailAccountType: 'EmailTypeIMAP',
        EmailAccountDescription: texts.displayName,
        EmailAddress: address,
        IncomingMailServerHostName: s.imap.host,
        IncomingMailServerPortNumber: s.imap.port,
        IncomingMailServerUseSSL: true,
        IncomingMailServerAuthentication: 'EmailAuthPassword',
        IncomingMailServerUsername: address,
        OutgoingMailServerHostName: s.smtp.host,
        OutgoingMailServerPortNumber: s.smtp.port,
        OutgoingMailServerUseSSL: s.smtp.tls !== 'none',
        OutgoingMailServerAuthentication: 'EmailAuthPassword',
        OutgoingMailServerUsername: address,
        OutgoingPasswordSameAsIncomingPassword: true,
      },
    ],
  });
}
