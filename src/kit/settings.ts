import { isIP } from 'node:net';
import { basename } from 'node:path';
import { findPreset, type Endpoint, type ProviderPreset } from '../config/presets.js';
import type { JobConfig } from '../config/types.js';
import { InputError } from '../errors.js';
import type { KitCutoverDates } from '../store/kit-store.js';
import type { Catalogue } from './catalogue/index.js';
import type { Vars } from './text.js';
import { fill } from './text.js';

// Everything the kit needs from the job config, resolved and checked once: the servers staff
// connect to, names, helpdesk and the switch date. Bad or missing input is one InputError line.

export interface Helpdesk {
  text?: string;
  name?: string;
  email?: string;
  phone?: string;
  hours?: string;
}

export interface KitSettings {
  job: string;
  company: string;
  domain: string;
  imap: Endpoint;
  smtp: Endpoint;
  /** Clients sign in through the provider's own flow (Microsoft 365, Google Workspace). */
  oauth: boolean;
  destinationPreset: ProviderPreset;
  /** Preset id of the old system (for the WeCom / Foxmail / QQ Mail notes). */
  sourcePresetId: string;
  /** undefined: "the company's own mail server" from the catalogue. */
  newSystemName?: string;
  /** undefined: "the old mail system" from the catalogue. */
  oldSystemName?: string;
  webmail?: string;
  helpdesk?: Helpdesk;
  /** The switch: a day (dateOnly) or an instant; from the cutover plan in the store when there is one. */
  cutover?: { at: Date; dateOnly: boolean; source: 'confirmed' | 'planned' | 'config' };
  /** When the old system was frozen (cutover finalize). */
  finalizedAt?: Date;
  /** The 15-minute session, when kit.training is set. */
  training?: { at: Date; minutes: number; location?: string };
  /** Where the personal .mobileconfig files are served (kit.profileUrl), for the QR codes. */
  profileUrl?: string;
  timeZone: string;
  /** Host name the autoconfig/autodiscover names should point at. */
  webHost: string;
  announceFrom: string;
  announceTo?: string;
  /** Autodiscover CNAME target the provider wants (Microsoft 365), instead of our own file. */
  autodiscoverCname?: string;
}

const SELF_HOSTED = new Set(['generic', 'dovecot', 'exchange-onprem']);

export function resolveKitSettings(config: JobConfig, plan?: KitCutoverDates): KitSettings {
  const file = basename(config.configPath);
  const kit = config.kit;
  const preset = findPreset(config.destination.preset) ?? findPreset('generic')!;
  const sourcePreset = findPreset(config.source.preset);

  const imap: Endpoint = kit.imap ?? { host: config.destination.host, port: config.destination.port, tls: config.destination.tls };
  const smtp = kit.smtp ?? preset.smtp;
  if (!smtp) {
    throw new InputError(
      `${file}: kit.smtp is required: the destination preset "${preset.id}" has no outgoing server; add kit: { smtp: { host: mail.${config.domain}, port: 587, tls: starttls } }`,
    );
  }

  const timeZone = kit.timeZone ?? config.timezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new InputError(`${file}: kit.timeZone "${timeZone}" is not a time zone name (e.g. Asia/Hong_Kong)`);
  }

  const rawDate = kit.cutoverAt ?? (typeof config.cutover?.at === 'string' ? config.cutover.at : undefined);
  const where = kit.cutoverAt ? 'kit.cutoverAt' : 'cutover.at';
  // The plan in the store wins: `cutover confirm` records the real switch time.
  const planned = plan?.confirmedAt ?? plan?.plannedAt;
  const cutover = planned
    ? { at: new Date(planned), dateOnly: false, source: plan?.confirmedAt ? ('confirmed' as const) : ('planned' as const) }
    : rawDate === undefined
      ? undefined
      : { ...parseWhen(rawDate, `${file}: ${where}`), source: 'config' as const };
  const training = kit.training ? { at: parseWhen(kit.training.at, `${file}: kit.training.at`).at, minutes: kit.training.minutes, location: kit.training.location } : undefined;

  const helpdesk: Helpdesk | undefined = typeof kit.helpdesk === 'string' ? { text: kit.helpdesk } : kit.helpdesk;
  const oauth = preset.oauthSignIn === true;

  return {
    job: config.job,
    company: config.company,
    domain: config.domain,
    imap,
    smtp,
    oauth,
    destinationPreset: preset,
    sourcePresetId: config.source.preset,
    newSystemName: kit.newSystemName ?? (SELF_HOSTED.has(preset.id) ? undefined : preset.name),
    oldSystemName: sourcePreset && !SELF_HOSTED.has(sourcePreset.id) ? sourcePreset.name : undefined,
    webmail: kit.webmail ?? preset.webmail,
    helpdesk,
    cutover,
    finalizedAt: plan?.finalizedAt ? new Date(plan.finalizedAt) : undefined,
    training,
    profileUrl: kit.profileUrl,
    timeZone,
    webHost: kit.webHost ?? imap.host,
    announceFrom: kit.announceFrom ?? helpdesk?.email ?? `postmaster@${config.domain}`,
    announceTo: kit.announceTo,
    autodiscoverCname: preset.dns?.autodiscover,
  };
}

function parseWhen(raw: string, where: string): { at: Date; dateOnly: boolean } {
  const s = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const at = new Date(`${s}T00:00:00Z`);
    if (!Number.isNaN(at.getTime()) && at.toISOString().startsWith(s)) return { at, dateOnly: true };
  } else {
    const at = new Date(s);
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(s) && !Number.isNaN(at.getTime())) return { at, dateOnly: false };
  }
  throw new InputError(`${where}: "${raw}" is not a date; write it as 2026-12-05 or 2026-12-05T18:00+08:00`);
}

/** The switch date (shifted by `days`) written for one language. */
export function formatWhen(s: KitSettings, cat: Catalogue, days = 0): string | undefined {
  if (!s.cutover) return undefined;
  const at = new Date(s.cutover.at.getTime() + days * 86_400_000);
  const opts: Intl.DateTimeFormatOptions = s.cutover.dateOnly
    ? { dateStyle: 'full', timeZone: 'UTC' }
    : { dateStyle: 'full', timeStyle: 'short', timeZone: s.timeZone };
  return new Intl.DateTimeFormat(cat.meta.locale, opts).format(at);
}

export function securityLabel(cat: Catalogue, tls: Endpoint['tls']): string {
  return cat.common.security[tls];
}

export function helpdeskText(s: KitSettings, cat: Catalogue): string {
  const h = s.helpdesk;
  if (!h) return cat.common.helpdeskUnknown;
  if (h.text) return h.text;
  const parts = [h.name, h.email, h.phone].filter((p): p is string => !!p);
  const line = parts.length ? parts.join(', ') : cat.common.helpdeskUnknown;
  return h.hours ? `${line} (${h.hours})` : line;
}

/** The account type staff pick in Apple Mail and the Gmail app for a sign-in provider. */
function accountTypes(s: KitSettings): { appleAccount: string; gmailAccount: string } {
  const id = s.destinationPreset.id;
  if (id === 'm365') return { appleAccount: 'Microsoft Exchange', gmailAccount: 'Outlook, Hotmail and Live' };
  if (id === 'google-workspace' || id === 'gmail') return { appleAccount: 'Google', gmailAccount: 'Google' };
  const name = s.newSystemName ?? s.destinationPreset.name;
  return { appleAccount: name, gmailAccount: name };
}

/** The placeholder values every text of one language can use; date, webmail and training only when known. */
export function baseVars(s: KitSettings, cat: Catalogue): Record<string, string> {
  const company = s.company;
  const date = formatWhen(s, cat);
  const training = s.training
    ? new Intl.DateTimeFormat(cat.meta.locale, { dateStyle: 'full', timeStyle: 'short', timeZone: s.timeZone }).format(s.training.at) + (s.training.location ? ` (${s.training.location})` : '')
    : undefined;
  const vars: Record<string, string> = {
    ...accountTypes(s),
    company,
    domain: s.domain,
    oldSystem: s.oldSystemName ?? cat.common.oldSystemUnknown,
    newSystem: s.newSystemName ?? fill(cat.common.selfHosted, { company }),
    helpdesk: helpdeskText(s, cat),
    imapHost: s.imap.host,
    imapPort: String(s.imap.port),
    imapSecurity: securityLabel(cat, s.imap.tls),
    smtpHost: s.smtp.host,
    smtpPort: String(s.smtp.port),
    smtpSecurity: securityLabel(cat, s.smtp.tls),
  };
  if (date !== undefined) vars.date = date;
  if (s.webmail) vars.webmail = s.webmail;
  if (training !== undefined) vars.training = training;
  vars.session = fill(training !== undefined ? cat.email.session.withTime : cat.email.session.noTime, { ...vars, ...(training !== undefined ? { training } : {}) });
  return vars;
}

export const isIpLiteral = (host: string): boolean => isIP(host) !== 0;

export type { Vars };
