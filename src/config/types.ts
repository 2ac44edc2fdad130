import type { Secret } from '../secret.js';
import type { SideAuth } from './auth-schema.js';
import type { CutoverConfig } from './cutover-schema.js';
import type { GroupwareConfig } from './groupware-schema.js';
import type { DualRunConfig } from './dualrun-schema.js';
import type { KitConfig } from './kit-schema.js';

export type TlsMode = 'implicit' | 'starttls' | 'none';
export type Side = 'source' | 'destination';

/** One IMAP server as the job uses it: config merged over its preset. */
export interface ServerConfig {
  preset: string;
  host: string;
  port: number;
  tls: TlsMode;
  /** Allow `tls: none` and unverified certificates. Off by default. */
  allowInsecure: boolean;
  /** PEM text of extra CAs to trust for this server (the config's caFile), besides the system's. */
  ca?: string;
  /** Seconds without an answer while a command waits before the connection is given up (default 300). */
  timeoutSeconds?: number;
  /** Connections open at once to this server across all accounts. */
  maxConnections: number;
  /** Largest message this server accepts (bytes), when known from config or preset. */
  maxMessageBytes?: number;
  throttle: { bytesPerSecond?: number; messagesPerHour?: number };
  /** How mailshift signs in here (absent: passwords from the accounts CSV). */
  auth?: SideAuth;
}

export interface RenameRule {
  /** A folder path on the source (with "/" as separator), or a pattern with * and ?. */
  from: string;
  /** The destination path ("/" as separator); "$1".. refer to the wildcards of `from`. */
  to: string;
}

export interface FolderRules {
  /** Source folder paths or patterns (* and ?) that are not copied. */
  exclude: string[];
  /** When set, only source folders matching one of these patterns are copied (exclude still applies). */
  include?: string[];
  rename: RenameRule[];
}

export interface SyncSettings {
  /** Messages in one MULTIAPPEND batch. */
  batchMessages: number;
  /** Bytes of message bodies in flight across the whole job. */
  bytesInFlight: number;
  /** Only copy messages received on or after this date (the rest stays pending for a run without it). */
  since?: string | Date;
}

export interface JobConfig {
  job: string;
  domain: string;
  /** Company name for reports and the kit. */
  company: string;
  /** IANA time zone every date people read is written in (config `timezone:`, else the system's). */
  timezone: string;
  configPath: string;
  configDir: string;
  storePath: string;
  /** `store: postgres://…` (issue 18): the connection, when the job's store is PostgreSQL. */
  postgresStore?: import('../store/postgres/target.js').PgTarget;
  /** pino JSON log of this job, next to the store. */
  logPath: string;
  source: ServerConfig;
  destination: ServerConfig;
  accountsPath: string;
  folders: FolderRules;
  sync: SyncSettings;
  /** Bound on retries of transient failures (connection lost, server unavailable, throttled). */
  retry: { maxAttempts: number; maxSeconds: number };
  dualRun: DualRunConfig;
  cutover: CutoverConfig;
  kit: KitConfig;
  /** Contacts and calendars (the optional `groupware:` section). */
  groupware?: GroupwareConfig;
}

/** One line of the accounts CSV, with its passwords resolved. */
export interface Account {
  /** 1-based line number in the CSV, for messages. */
  line: number;
  sourceUser: string;
  sourcePassword: Secret;
  destinationUser: string;
  destinationPassword: Secret;
}
