import type { Line, Msg } from '../i18n/msg.js';
// The assessment as data: what `assess` found, kept in the store and rendered to HTML/MD/JSON.
// Every field is JSON-safe (no bigint, no Set), so the same object is the JSON report.
import type { Side, TlsMode } from '../config/types.js';
import type { FolderMapping } from '../mapping/plan.js';

export type Severity = 'blocker' | 'warning' | 'info';
export type Verdict = 'go' | 'no-go';

/** One thing that would lose mail or stop the job, with who is affected and what to do. */
export interface Risk {
  /** Stable id of the kind of risk, e.g. "oversize", "quota", "login". */
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  fix: string;
  /** Source user names of the accounts affected (empty: the whole job). */
  accounts: string[];
  /** "user: folder" entries, when the risk is about folders. */
  folders: string[];
  messages?: number;
  bytes?: number;
  /** The same title, detail and fix as catalogue keys (findings.risk) with their values, for pages in other languages. */
  msg?: { title: Msg; detail: Line[]; fix: Line[] };
}

export interface CertInfo {
  subject?: string;
  /** DNS names the certificate is valid for (subjectAltName, else CN). */
  names: string[];
  issuer?: string;
  validFrom?: string;
  validTo?: string;
  selfSigned: boolean;
  /** The certificate chains to a trusted CA. */
  trusted: boolean;
  /** The certificate is valid for the host name in the config. */
  matchesHost: boolean;
  /** Node's verification error code, when not trusted. */
  error?: string;
}

/** Why a server or a login failed: one line for the reason, one for the fix. */
export interface Failure {
  kind: 'unreachable' | 'tls' | 'auth' | 'connection' | 'refused' | 'unknown' | 'throttled' | string;
  reason: string;
  fix: string;
}

/** DNS, TCP and TLS to one server, tested once per server (not once per account). */
export interface ServerProbe {
  side: Side;
  host: string;
  port: number;
  tls: TlsMode;
  preset: string;
  addresses: string[];
  dnsMs?: number;
  tcpMs?: number;
  tlsMs?: number;
  tlsProtocol?: string;
  cert?: CertInfo;
  greeting?: string;
  /** Reachable, and TLS acceptable under the config (trusted, or allowInsecure). */
  ok: boolean;
  failure?: Failure;
}

export interface MissingCapability {
  name: string;
  cost: string;
}

export interface CapabilityReport {
  side: Side;
  /** Every capability the server announced after login. */
  list: string[];
  /** The capabilities mailshift cares about, present or not. */
  checked: Record<string, boolean>;
  appendLimit?: number;
  statusSize: boolean;
  missing: MissingCapability[];
  namespaces: { personal: NamespaceInfo[]; other: NamespaceInfo[]; shared: NamespaceInfo[] };
  delimiter?: string;
}

export interface NamespaceInfo {
  prefix: string;
  delimiter: string | null;
}

export interface LargeMessage {
  folder: string;
  uid: number;
  size: number;
  internalDate?: string;
}

export interface FolderInventory {
  path: string;
  logicalPath: string;
  specialUse?: string;
  selectable: boolean;
  messages: number;
  bytes: number;
  /** Where `bytes` came from: STATUS SIZE (RFC 8438) or the sum of FETCH RFC822.SIZE. */
  sizeSource: 'status-size' | 'fetch' | 'none';
  oldest?: string;
  newest?: string;
  largest: LargeMessage[];
  error?: string;
}

export interface QuotaInfo {
  root?: string;
  storageUsed?: number;
  storageLimit?: number;
  messagesUsed?: number;
  messagesLimit?: number;
}

/** Message-size histogram: counts per bucket; bucket i holds sizes < HISTOGRAM_EDGES[i]. */
export const HISTOGRAM_EDGES = [10 * 1024, 100 * 1024, 1024 * 1024, 10 * 1024 * 1024, 25 * 1024 * 1024, 50 * 1024 * 1024];
export const HISTOGRAM_LABELS = ['< 10 KB', '10–100 KB', '100 KB–1 MB', '1–10 MB', '10–25 MB', '25–50 MB', '≥ 50 MB'];

export interface SideReport {
  side: Side;
  user: string;
  /** `how`: the sign-in used (password, master user, OAuth2 ...), never a secret. */
  login: { ok: boolean; ms?: number; failure?: Failure; how?: string };
  folders: FolderInventory[];
  totals: { folders: number; messages: number; bytes: number; oldest?: string; newest?: string };
  histogram: number[];
  largest: LargeMessage[];
  quota?: QuotaInfo;
  /** Source only: messages larger than the destination accepts. */
  oversize?: LargeMessage[];
  /** The session failed after login (listing or reading broke off): the figures are partial. */
  error?: string;
}

/** One line of the mapping preview: sync's FolderMapping, flattened for the report. */
export interface MappingRow extends Omit<FolderMapping, 'source'> {
  sourcePath: string;
  sourceLogicalPath: string;
  messages: number;
  bytes: number;
}

export interface AccountEstimate {
  seconds: number;
  /** What bounds this account's duration (e.g. "measured read throughput", "Gmail 500 MB/day upload"). */
  boundBy: string;
}

export interface AccountReport {
  sourceUser: string;
  destinationUser: string;
  source: SideReport;
  destination: SideReport;
  mapping: MappingRow[];
  mappingError?: string;
  estimate?: AccountEstimate;
  /** Both logins worked and the inventory ran. */
  assessed: boolean;
}

export interface ThroughputProbe {
  seconds: number;
  connections: number;
  messages: number;
  bytes: number;
  messagesPerSecond: number;
  bytesPerSecond: number;
  error?: string;
}

export interface Estimate {
  probe?: ThroughputProbe;
  totalSeconds: number;
  perAccount: { sourceUser: string; seconds: number; boundBy: string }[];
  assumptions: string[];
  /** The assumptions as catalogue messages (findings.estimate), for pages in other languages. */
  notes?: Msg[];
}

export interface DnsRecordSet<T> {
  values: T[];
  ttl?: number;
  error?: string;
}

export interface DomainSnapshot {
  domain: string;
  resolvers: string[];
  /** Which resolver code answered: the project's TTL-aware client, or node:dns (no TTLs). */
  via: 'mailshift-dns' | 'node-dns';
  mx: DnsRecordSet<{ exchange: string; priority: number }>;
  spf: DnsRecordSet<string>;
  dmarc: DnsRecordSet<string>;
  autodiscover: DnsRecordSet<string>;
  advice: string[];
  /** The advice as catalogue messages (findings.dns), for pages in other languages. */
  adviceNotes?: Msg[];
}

export interface Assessment {
  job: string;
  domain: string;
  generatedAt: string;
  mailshiftVersion: string;
  verdict: Verdict;
  summary: {
    accounts: number;
    accountsAssessed: number;
    folders: number;
    messages: number;
    bytes: number;
    blockers: number;
    warnings: number;
    estimatedSeconds?: number;
  };
  servers: ServerProbe[];
  capabilities: { source?: CapabilityReport; destination?: CapabilityReport };
  /** The destination's per-message limit used for the over-size check, and where it came from. */
  destinationLimit?: { bytes: number; from: string };
  accounts: AccountReport[];
  risks: Risk[];
  estimate: Estimate;
  domainSnapshot: DomainSnapshot;
  histogram: { labels: string[]; counts: number[] };
}
