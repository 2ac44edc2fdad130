// Provider presets: what mailshift knows about each provider before it connects. Values come
// from ../shared/reference/anchors-migration.md section (d); "unknown" there stays unset here.
import type { TlsMode } from './types.js';

export interface Endpoint {
  host: string;
  port: number;
  tls: TlsMode;
}

export interface ProviderQuirk {
  /** Stable id used by assess to attach a risk (e.g. "fetch-range-30-days"). */
  id: string;
  text: string;
}

export interface ProviderPreset {
  id: string;
  name: string;
  /** Default IMAP endpoint; undefined when it is site-specific (the user must give the host). */
  imap?: Endpoint;
  smtp?: Endpoint;
  /** What a non-browser IMAP client must present. */
  auth: 'password' | 'app-password' | 'oauth2';
  /** One line for a failed login: where to get the right credential. */
  authHelp: string;
  /** Simultaneous IMAP connections mailshift will open per server for this provider. */
  maxConnections: number;
  /** Largest message the provider accepts on APPEND, in bytes (undefined: ask the server). */
  maxMessageBytes?: number;
  /** Published daily IMAP upload budget (bytes), e.g. Gmail 500 MB/day. */
  dailyUploadBytes?: number;
  /** Published daily IMAP download budget (bytes). */
  dailyDownloadBytes?: number;
  /** Steady message rate the provider tolerates before throttling. */
  messagesPerHour?: number;
  /** Largest number of items a mailbox may hold (Microsoft 365: 500,000). */
  maxItems?: number;
  /** The server refuses SELECT until the client sends IMAP ID (RFC 2971). */
  requiresImapId?: boolean;
  quirks: ProviderQuirk[];
  /** Destination DNS values for the cutover checklist and the kit. */
  dns?: {
    mx?: { exchange: string; priority: number }[];
    spfInclude?: string;
    dkimSelectors?: string[];
    autodiscover?: string;
  };
  webmail?: string;
  /** Clients sign in through the provider's own (OAuth) flow; config files cannot carry it. */
  oauthSignIn?: boolean;
  /** mailshift's own OAuth2 sign-in defaults (auth.method: oauth2). */
  oauth?: {
    issuer: string;
    /** Scope for a user's own sign-in (device / loopback). */
    scope: string;
    /** Scope for app-only sign-in (client-credentials / service-account). */
    appScope: string;
    flow: 'device' | 'loopback';
    /** Flows this provider refuses for IMAP, with the one-line reason. */
    refuses?: Partial<Record<'device' | 'loopback' | 'client-credentials' | 'service-account', string>>;
  };
}

const MB = 1024 * 1024;

export const PRESETS: Record<string, ProviderPreset> = {
  generic: {
    id: 'generic',
    name: 'Generic IMAP server',
    auth: 'password',
    authHelp: 'check the user name and password with the mail server administrator',
    maxConnections: 4,
    quirks: [],
  },
  dovecot: {
    id: 'dovecot',
    name: 'Dovecot',
    auth: 'password',
    authHelp: 'check the user name and password in the Dovecot passdb',
    maxConnections: 8,
    quirks: [],
  },
  'tencent-exmail': {
    id: 'tencent-exmail',
    name: 'Tencent Exmail (腾讯企业邮)',
    imap: { host: 'imap.exmail.qq.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.exmail.qq.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp:
      'use the mail password, or a client-specific password (客户端专用密码) when Secure Login / WeChat binding is on; the admin may have to allow the user IMAP access in the WeCom service scope',
    maxConnections: 4,
    quirks: [
      {
        id: 'fetch-range-30-days',
        text: 'IMAP fetch range (收取选项) defaults to "last 30 days": set it to "all" and tick 收取"我的文件夹" in Settings > Client settings for every user',
      },
      { id: 'folder-names', text: 'system folders are "Sent Messages", "Deleted Messages", "Drafts", "Junk"; user folders may sit under 其他文件夹/' },
    ],
    dns: {
      mx: [
        { exchange: 'mxbiz1.qq.com', priority: 5 },
        { exchange: 'mxbiz2.qq.com', priority: 10 },
      ],
      spfInclude: 'spf.mail.qq.com',
    },
    webmail: 'https://exmail.qq.com',
  },
  aliyun: {
    id: 'aliyun',
    name: 'Alibaba Mail (阿里邮箱, China site)',
    imap: { host: 'imap.qiye.aliyun.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.qiye.aliyun.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp:
      'use the password or the third-party client security password (三方客户端安全密码); for new customers the postmaster must first allow third-party clients',
    maxConnections: 4,
    quirks: [
      {
        id: 'fetch-range-30-days',
        text: 'IMAP fetch range defaults to "30 days": set it to "all" in the webmail client settings for every user',
      },
      { id: 'third-party-blocked', text: 'third-party clients are blocked by default for new customers: the postmaster must enable them' },
      { id: 'folder-chars', text: 'folder names containing + * \\ / must be renamed' },
    ],
    dns: {
      mx: [
        { exchange: 'mx1.qiye.aliyun.com', priority: 5 },
        { exchange: 'mx2.qiye.aliyun.com', priority: 10 },
        { exchange: 'mx3.qiye.aliyun.com', priority: 15 },
      ],
      spfInclude: 'spf.qiye.aliyun.com',
    },
    webmail: 'https://qiye.aliyun.com',
  },
  'aliyun-intl': {
    id: 'aliyun-intl',
    name: 'Alibaba Mail (international site)',
    imap: { host: 'imap.sg.aliyun.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.sg.aliyun.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp: 'use the password or the third-party client security password; the login site must match the instance (mail.sg / mail.hk.aliyun.com)',
    maxConnections: 4,
    quirks: [
      { id: 'fetch-range-30-days', text: 'IMAP fetch range defaults to "30 days": set it to "all" for every user' },
      { id: 'folder-chars', text: 'folder names containing + * \\ / must be renamed' },
    ],
    dns: {
      mx: [
        { exchange: 'mx1.sg.aliyun.com', priority: 5 },
        { exchange: 'mx2.sg.aliyun.com', priority: 10 },
      ],
      spfInclude: 'spf.sg.aliyun.com',
    },
    webmail: 'https://mail.sg.aliyun.com',
  },
  'netease-qiye': {
    id: 'netease-qiye',
    name: 'NetEase enterprise mail (网易企业邮)',
    imap: { host: 'imap.qiye.163.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.qiye.163.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp: 'use the 16-character client authorization password (客户端授权密码, needs a bound phone); ERR.LOGIN.IPDENY means the admin IP whitelist blocks this machine',
    maxConnections: 4,
    requiresImapId: true,
    quirks: [{ id: 'imap-id', text: 'NetEase servers refuse SELECT ("Unsafe Login") unless the client sends IMAP ID first; mailshift sends it' }],
    webmail: 'https://qiye.163.com',
  },
  m365: {
    id: 'm365',
    name: 'Microsoft 365 / Exchange Online',
    imap: { host: 'outlook.office365.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.office365.com', port: 587, tls: 'starttls' },
    auth: 'oauth2',
    authHelp: 'Microsoft 365 removed password (Basic) login for IMAP in October 2022: it needs OAuth2 (XOAUTH2), and IMAP must be enabled per mailbox',
    maxConnections: 4,
    maxMessageBytes: 35 * MB,
    messagesPerHour: 3600,
    maxItems: 500_000,
    quirks: [
      { id: 'max-items', text: 'IMAP migration stops at 500,000 items per mailbox (newest first)' },
      { id: 'slash-in-folder', text: 'folders with "/" in their name are skipped by Microsoft: they are renamed' },
      { id: 'files-folder', text: 'the hidden "Files" folder should be excluded' },
      { id: 'throttling', text: 'throttles with "Suggested Backoff Time"; about 4 messages/s is sustainable' },
    ],
    dns: {
      spfInclude: 'spf.protection.outlook.com',
      dkimSelectors: ['selector1', 'selector2'],
      autodiscover: 'autodiscover.outlook.com',
    },
    webmail: 'https://outlook.office.com',
    oauthSignIn: true,
    // "organizations" serves device and loopback sign-in for any work account; app-only needs the tenant's own issuer.
    oauth: {
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
      appScope: 'https://outlook.office365.com/.default',
      flow: 'device',
      refuses: { 'service-account': 'Microsoft 365 has no service accounts: use flow client-credentials (IMAP.AccessAsApp)' },
    },
  },
  'google-workspace': {
    id: 'google-workspace',
    name: 'Google Workspace / Gmail',
    imap: { host: 'imap.gmail.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtp.gmail.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp: 'Google turned off password access for "less secure apps" in 2024: use an app password (needs 2-Step Verification) or OAuth',
    maxConnections: 10,
    maxMessageBytes: 35_651_584,
    // Google states these in MB; read as decimal (10^6), the unit every mailshift report uses.
    dailyUploadBytes: 500_000_000,
    dailyDownloadBytes: 2_500_000_000,
    quirks: [
      { id: 'labels-as-folders', text: 'every label is a folder: a message with two labels is listed twice; [Gmail]/All Mail holds everything again' },
      { id: 'hidden-labels', text: 'labels can be hidden from IMAP ("Show in IMAP"); a per-folder message cap may be set' },
      { id: 'folder-names', text: 'leading/trailing blanks and "^" are refused in folder names' },
    ],
    dns: {
      mx: [{ exchange: 'smtp.google.com', priority: 1 }],
      spfInclude: '_spf.google.com',
      dkimSelectors: ['google'],
    },
    webmail: 'https://mail.google.com',
    oauthSignIn: true,
    oauth: {
      issuer: 'https://accounts.google.com',
      scope: 'https://mail.google.com/',
      appScope: 'https://mail.google.com/',
      flow: 'loopback',
      refuses: {
        device: "Google does not allow the mail scope (https://mail.google.com/) on its device flow: use flow loopback (a browser on this machine) or service-account",
        'client-credentials': 'Google has no client-credentials grant for Gmail: use flow service-account with domain-wide delegation',
      },
    },
  },
  zoho: {
    id: 'zoho',
    name: 'Zoho Mail',
    imap: { host: 'imappro.zoho.com', port: 993, tls: 'implicit' },
    smtp: { host: 'smtppro.zoho.com', port: 465, tls: 'implicit' },
    auth: 'app-password',
    authHelp: 'use the password, or an application-specific password when 2FA is on; IMAP access must be enabled per account',
    maxConnections: 4,
    quirks: [{ id: 'hidden-folders', text: 'only folders ticked in the IMAP "Folder settings" are visible over IMAP' }],
    webmail: 'https://mail.zoho.com',
  },
  'exchange-onprem': {
    id: 'exchange-onprem',
    name: 'Exchange Server (on premises)',
    auth: 'password',
    authHelp: 'check the password and that the IMAP4 service is running; "authenticated but not connected" means a wrong password',
    maxConnections: 8,
    maxMessageBytes: 10 * MB,
    quirks: [
      { id: 'max-connections', text: 'MaxConnectionsPerUser defaults to 16: raise it before migrating' },
      { id: 'public-folders', text: 'exclude public folders, or they are copied into every mailbox' },
    ],
  },
};

PRESETS.gmail = { ...PRESETS['google-workspace']!, id: 'gmail', name: 'Gmail' };

export function findPreset(id: string): ProviderPreset | undefined {
  return Object.hasOwn(PRESETS, id) ? PRESETS[id] : undefined;
}
