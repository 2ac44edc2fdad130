// The shape every language's message catalogue must have. A language file typed as `Catalogue`
// that misses a key does not compile; test/unit/kit-catalogue.test.ts also compares the keys,
// array lengths and {placeholders} of every language at run time.
//
// Strings may use {placeholders}; fill() in ../text.ts refuses one it has no value for.

export const LANGS = ['en', 'zh-Hant', 'zh-Hans'] as const;
export type Lang = (typeof LANGS)[number];

export const CLIENTS = ['outlookWindows', 'outlookNew', 'outlookMac', 'appleMac', 'appleIos', 'thunderbird', 'androidOutlook', 'androidGmail', 'webmail'] as const;
export type ClientId = (typeof CLIENTS)[number];

export const MOMENTS = ['week-before', 'day-before', 'on-the-day', 'day-after'] as const;
export type Moment = (typeof MOMENTS)[number];

export interface ClientText {
  title: string;
  /** Manual IMAP/SMTP setup (password sign-in). */
  steps: string[];
  /** Provider sign-in (Microsoft 365 / Google Workspace). */
  oauthSteps: string[];
}

export interface FaqItem {
  q: string;
  a: string;
  /** Shown only for this sign-in kind (e.g. the settings-profile question has no place in an OAuth guide). */
  only?: 'password' | 'oauth';
}

import type { ReportsText } from './reports.en.js';

/** The kit's texts plus the reports' (units, words, report, assess, checklist): one catalogue per language. */
export interface Catalogue extends ReportsText {
  meta: {
    /** The language's own name, for the language links. */
    name: string;
    /** BCP 47 tag for <html lang>. */
    htmlLang: string;
    /** Intl locale for dates and numbers. */
    locale: string;
    /** CSS font-family list. */
    fontStack: string;
  };
  common: {
    helpdesk: string;
    helpdeskUnknown: string;
    selfHosted: string;
    oldSystemUnknown: string;
    otherLanguages: string;
    generated: string;
    security: { implicit: string; starttls: string; none: string };
    settings: {
      heading: string;
      incoming: string;
      outgoing: string;
      server: string;
      port: string;
      security: string;
      username: string;
      usernameValue: string;
      password: string;
      passwordValue: string;
      oauthValue: string;
      webmail: string;
    };
  };
  guide: {
    title: string;
    subtitle: string;
    /** When no switch date is known yet (no placeholder reaches staff). */
    subtitleNoDate: string;
    changes: { heading: string; when: string; whenNoDate: string; what: string; address: string; oldMail: string };
    agenda: { heading: string; intro: string; items: string[] };
    settingsIntro: string;
    autoconfig: {
      heading: string;
      thunderbird: string;
      outlook: string;
      profileHeading: string;
      profileIntro: string;
      profileIos: string[];
      profileMac: string[];
      oauthNoFiles: string;
    };
    /** Shown when the source or destination is Tencent Exmail. */
    tencentApps: { heading: string; fromTencent: string[]; toTencent: string };
    setupHeading: string;
    setupIntroPassword: string;
    setupIntroOauth: string;
    clients: Record<ClientId, ClientText>;
    expect: { heading: string; items: string[] };
    wrong: { heading: string; items: string[] };
    faq: { heading: string; items: FaqItem[] };
    contact: { heading: string; text: string };
  };
  sheet: {
    qr: { heading: string; profile: string; web: string; text: string };
    title: string;
    intro: string;
    introNoDate: string;
    address: string;
    noPassword: string;
    profileHint: string;
    oauthHint: string;
    foldersHeading: string;
    folderOld: string;
    folderNew: string;
    copied: string;
    notCopied: string;
    total: string;
    noSync: string;
    noFolders: string;
    notCopiedNote: string;
    /** Contacts and calendars as files to import (a destination without CardDAV/CalDAV). */
    groupwareHeading: string;
    groupwareIntro: string;
    groupwareSteps: string[];
  };
  email: {
    session: { withTime: string; noTime: string };
    switchAttached: string;
    ics: { switchSummary: string; switchText: string; trainingSummary: string; trainingText: string };
    greeting: string;
    signoff: string;
    moments: Record<Moment, { subject: string; paragraphs: string[] }>;
  };
}
