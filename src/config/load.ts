import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { isTimeZone, systemTimeZone } from '../i18n/format.js';
import { resolveAuth } from './auth-resolve.js';
import { findPreset, PRESETS } from './presets.js';
import { configFileSchema, type ServerFile } from './schema.js';
import type { JobConfig, ServerConfig, Side } from './types.js';
import { resolveGroupware } from './groupware-schema.js';
import { isPostgresUrl, parsePgTarget } from '../store/postgres/target.js';
import { resolvePasswordCell } from './accounts.js';

/** Reads, validates and resolves a job config. Every problem is one InputError line naming the file and field. */
export function loadConfig(configPath: string): JobConfig {
  const path = resolve(configPath);
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `${file}: config file not found (${path}); create one with "mailshift init" or pass --config` : `${file}: cannot read (${code})`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    const e = err as Error & { linePos?: { line: number }[] };
    const line = e.linePos?.[0]?.line;
    throw new InputError(`${file}${line ? ` line ${line}` : ''}: not valid YAML or JSON (${e.message.split('\n')[0]})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${file}: expected a mapping of settings (job, domain, source, destination, accounts)`);
  }
  // reportInput: the issue carries the value given, so a wrong type is told apart from a missing one.
  const parsed = configFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new InputError(`${file}: ${describeIssue(parsed.error.issues[0]!)}`);
  const cfg = parsed.data;
  const dir = dirname(path);
  const pgStore = isPostgresUrl(cfg.store)
    ? parsePgTarget(cfg.store, { where: `${file}: store`, password: () => (cfg.storePassword ? resolvePasswordCell(cfg.storePassword, `${file}: storePassword`) : undefined) })
    : undefined;
  const storePath = pgStore ? pgStore.where : resolve(dir, cfg.store ?? `${cfg.job}.mailshift.db`);
  // The host's zone is asked of ICU only when something reads it (dates for people): starting
  // ICU's time zones costs 0.1-0.3 s of CPU, most of a no-change sync's start-up. A zone given
  // in the file is checked here, so a wrong one is still refused before anything runs.
  let zone = cfg.timezone === undefined ? undefined : resolveTimeZone(file, cfg.timezone);
  return {
    job: cfg.job,
    domain: cfg.domain.toLowerCase(),
    company: cfg.company ?? cfg.domain,
    get timezone() {
      return (zone ??= systemTimeZone());
    },
    configPath: path,
    configDir: dir,
    storePath,
    ...(pgStore ? { postgresStore: pgStore } : {}),
    logPath: pgStore ? resolve(dir, `${cfg.job}.mailshift.log`) : storePath.replace(/\.db$/, '') + '.log',
    source: resolveServer(file, dir, 'source', cfg.source),
    destination: resolveServer(file, dir, 'destination', cfg.destination),
    accountsPath: resolve(dir, cfg.accounts),
    folders: cfg.folders,
    sync: cfg.sync,
    retry: cfg.retry,
    dualRun: cfg.dualRun,
    cutover: cfg.cutover,
    kit: cfg.kit,
    groupware: resolveGroupware(file, dir, cfg.groupware, (key, caFile) => readCaFile(file, dir, key, caFile), { source: cfg.source.caFile, destination: cfg.destination.caFile }),
  };
}

/** Reads a caFile: it must exist and hold at least one PEM certificate. */
function readCaFile(file: string, dir: string, side: string, caFile: string): string {
  const path = resolve(dir, caFile);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`${file}: ${side}.caFile ${caFile}: file not found or not readable`);
  }
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) {
    throw new InputError(`${file}: ${side}.caFile ${caFile}: not a PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  return pem;
}

function resolveServer(file: string, dir: string, side: Side, s: ServerFile): ServerConfig {
  const presetId = s.preset ?? 'generic';
  const preset = findPreset(presetId);
  if (!preset) {
    throw new InputError(`${file}: ${side}.preset "${presetId}" is unknown (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  const host = s.host ?? preset.imap?.host;
  if (!host) throw new InputError(`${file}: ${side}.host is required (the ${preset.name} preset has no fixed host)`);
  const tls = s.tls ?? preset.imap?.tls ?? 'implicit';
  const port = s.port ?? preset.imap?.port ?? (tls === 'implicit' ? 993 : 143);
  if (tls === 'none' && !s.allowInsecure) {
    throw new InputError(`${file}: ${side}.tls is "none" (passwords in clear text); set ${side}.allowInsecure: true to allow it`);
  }
  return {
    preset: presetId,
    host,
    port,
    tls,
    allowInsecure: s.allowInsecure,
    ...(s.caFile ? { ca: readCaFile(file, dir, side, s.caFile) } : {}),
    ...(s.timeoutSeconds ? { timeoutSeconds: s.timeoutSeconds } : {}),
    maxConnections: s.maxConnections ?? preset.maxConnections,
    maxMessageBytes: s.maxMessageBytes ?? preset.maxMessageBytes,
    throttle: {
      bytesPerSecond: s.throttle.bytesPerSecond,
      messagesPerHour: s.throttle.messagesPerHour ?? preset.messagesPerHour,
    },
    ...(s.auth && s.auth.method !== 'password' ? { auth: resolveAuth(file, side, s.auth, preset, dir) } : {}),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `unknown setting ${issue.keys.map((k) => (issue.path.length ? `${where}.${k}` : k)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `${where} is required`;
    const given = typeof issue.input === 'string' ? JSON.stringify(issue.input) : Array.isArray(issue.input) ? 'a list' : typeof issue.input === 'object' ? 'a mapping' : String(issue.input);
    const wanted = issue.expected === 'boolean' ? 'true or false' : issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
    return `${where} must be ${wanted}, not ${given}`;
  }
  return `${where}: ${issue.message}`;
}

function resolveTimeZone(file: string, tz: string | undefined): string {
  if (tz === undefined) return systemTimeZone();
  if (!isTimeZone(tz)) throw new InputError(`${file}: timezone "${tz}" is not a time zone name (e.g. Asia/Hong_Kong)`);
  return tz;
}
