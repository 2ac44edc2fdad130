import { z } from 'zod';
import { authSchema } from './auth-schema.js';
import { cutoverSchema } from './cutover-schema.js';
import { groupwareSchema } from './groupware-schema.js';
import { dualRunSchema } from './dualrun-schema.js';
import { kitSchema } from './kit-schema.js';
import { socketTimeoutSchema } from './timeout-schema.js';

// The config file as written by the user, before presets and paths are applied.

const serverSchema = z
  .object({
    preset: z.string().optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    tls: z.enum(['implicit', 'starttls', 'none']).optional(),
    allowInsecure: z.boolean().default(false),
    /** A PEM file of the company's own CA, trusted for this server besides the system's CAs. */
    caFile: z.string().min(1).optional(),
    maxConnections: z.number().int().min(1).max(64).optional(),
    timeoutSeconds: socketTimeoutSchema,
    maxMessageBytes: z.number().int().positive().optional(),
    throttle: z
      .object({
        bytesPerSecond: z.number().positive().optional(),
        messagesPerHour: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    auth: authSchema.optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    job: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
    domain: z.string().regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/i, 'must be a domain name like acme.com.hk'),
    company: z.string().min(1).optional(),
    /** IANA time zone for every date people read (default: the system's). */
    timezone: z.string().min(1).optional(),
    store: z.string().min(1).optional(),
    storePassword: z.string().min(1).optional(), // a postgres:// store's password: env:NAME or cmd:COMMAND
    source: serverSchema,
    destination: serverSchema,
    accounts: z.string().min(1),
    folders: z
      .object({
        exclude: z.array(z.string().min(1)).default([]),
        include: z.array(z.string().min(1)).optional(),
        rename: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .default({ exclude: [], rename: [] }),
    sync: z
      .object({
        batchMessages: z.number().int().min(1).max(1000).default(100),
        bytesInFlight: z.number().int().min(1024 * 1024).default(64 * 1024 * 1024),
        since: z.union([z.string().min(1).refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date like 2025-01-01'), z.date()]).optional(),
      })
      .strict()
      .default({ batchMessages: 100, bytesInFlight: 64 * 1024 * 1024 }),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(8),
        maxSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(600),
      })
      .strict()
      .default({ maxAttempts: 8, maxSeconds: 600 }),
    dualRun: dualRunSchema,
    cutover: cutoverSchema,
    kit: kitSchema,
    groupware: groupwareSchema,
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ServerFile = z.infer<typeof serverSchema>;
