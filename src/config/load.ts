import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { resolveAuth } from './auth-resolve.js';
import { findPreset, PRESETS } from './presets.js';
import { configFileSchema, type ServerFile } from './schema.js';
import type { JobConfig, ServerConfig, Side } from './types.js';

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
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(`${file}: ${describeIssue(parsed.error.issues[0]!)}`);
  const cfg = parsed.data;
  const dir = dirname(path);
  const storePath = resolve(dir, cfg.store ?? `${cfg.job}.mailshift.db`);
  return {
    job: cfg.job,
    domain: cfg.domain.toLowerCase(),
    company: cfg.company ?? cfg.domain,
    configPath: path,
    configDir: dir,
    storePath,
    logPath: storePath.replace(/\.db$/, '') + '.log',
    source: resolveServer(file, 'source', cfg.source, dir),
    destination: resolveServer(file, 'destination', cfg.destination, dir),
    accountsPath: resolve(dir, cfg.accounts),
    folders: cfg.folders,
    sync: cfg.sync,
    dualRun: cfg.dualRun,
    cutover: cfg.cutover,
    kit: cfg.kit,
  };
}

function resolveServer(file: string, side: Side, s: ServerFile, dir: string): ServerConfig {
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
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${where} is required`;
  return `${where}: ${issue.message}`;
}
