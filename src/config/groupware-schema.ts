import { z } from 'zod';
import { resolve as resolvePath } from 'node:path';
import { InputError } from '../errors.js';

// The optional `groupware:` section: contacts and calendars over CardDAV/CalDAV, or as export
// files where a side has no DAV. Each side is either { url } or { files }.

const sideSchema = z.union([
  // caFile: the company's own CA for this DAV server (PEM, relative to the config); default: the
  // mail server's caFile of the same side.
  z.object({ url: z.string().url('must be a URL like https://dav.example.com/'), caFile: z.string().min(1).optional() }).strict(),
  z.object({ files: z.string().min(1) }).strict(),
]);

export const groupwareSchema = z
  .object({
    source: sideSchema,
    destination: sideSchema,
    include: z.array(z.enum(['contacts', 'calendars', 'tasks'])).min(1).default(['contacts', 'calendars']),
  })
  .strict()
  .optional();

export type GroupwareFile = z.infer<typeof groupwareSchema>;

/** One side as the job uses it: a DAV server URL, or a folder of export files (absolute path). */
export type GroupwareSide = { kind: 'dav'; url: string; ca?: string } | { kind: 'files'; dir: string };

export interface GroupwareConfig {
  source: GroupwareSide;
  destination: GroupwareSide;
  include: ('contacts' | 'calendars' | 'tasks')[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Applies the section's rules: `files:` relative to the config file; `http://` only on a loopback
 * address (tests, the demo); a URL always ends in "/" so relative hrefs resolve under it.
 */
export function resolveGroupware(
  file: string,
  dir: string,
  g: GroupwareFile,
  /** Reads and checks a caFile (load.ts); the unit tests leave it out. */
  readCa: (key: string, caFile: string) => string = (key, caFile) => {
    throw new InputError(`${file}: ${key}.caFile ${caFile}: not read here`);
  },
  mailCaFile: { source?: string; destination?: string } = {},
): GroupwareConfig | undefined {
  if (!g) return undefined;
  const side = (name: 'source' | 'destination', s: NonNullable<GroupwareFile>['source']): GroupwareSide => {
    if ('files' in s) return { kind: 'files', dir: resolvePath(dir, s.files) };
    const u = new URL(s.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InputError(`${file}: groupware.${name}.url must be https:// (got ${u.protocol})`);
    if (u.protocol === 'http:' && !LOOPBACK.has(u.hostname)) {
      throw new InputError(`${file}: groupware.${name}.url is http:// on ${u.hostname}; only https:// is accepted except on a loopback address`);
    }
    if (u.username || u.password) throw new InputError(`${file}: groupware.${name}.url must not contain a user or password (they come from the accounts file)`);
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    // Its own caFile, else the mail server's of the same side (one company CA for both).
    const caFile = s.caFile ?? mailCaFile[name];
    return { kind: 'dav', url: u.href, ...(caFile ? { ca: readCa(s.caFile ? `groupware.${name}` : name, caFile) } : {}) };
  };
  const source = side('source', g.source);
  if (g.destination && 'files' in g.source && 'files' in g.destination) {
    throw new InputError(`${file}: groupware.source and groupware.destination are both files; one side must be a DAV server`);
  }
  return { source, destination: side('destination', g.destination), include: g.include };
}
