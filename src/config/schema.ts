import { z } from 'zod';
import { cutoverSchema } from './cutover-schema.js';
import { kitSchema } from './kit-schema.js';

// The config file as written by the user, before presets and paths are applied.

const serverSchema = z
  .object({
    preset: z.string().optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    tls: z.enum(['implicit', 'starttls', 'none']).optional(),
    allowInsecure: z.boolean().default(false),
    maxConnections: z.number().int().min(1).max(64).optional(),
    maxMessageBytes: z.number().int().positive().optional(),
    throttle: z
      .object({
        bytesPerSecond: z.number().positive().optional(),
        messagesPerHour: z.number().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const configFileSchema = z
  .object({
    job: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only'),
    domain: z.string().regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$/i, 'must be a domain name like acme.com.hk'),
    company: z.string().min(1).optional(),
    store: z.string().min(1).optional(),
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
    dualRun: z
      .object({ intervalSeconds: z.number().int().min(10).default(300) })
      .strict()
      .default({ intervalSeconds: 300 }),
    cutover: cutoverSchema,
    kit: kitSchema,
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ServerFile = z.infer<typeof serverSchema>;
