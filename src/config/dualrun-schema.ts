import { z } from 'zod';

// The `dualRun:` section of the config. Owned by the dual-run phase; every field has a default.
//
// dualRun:
//   intervalSeconds: 300
//   deletes: keep                 # keep | trash | propagate: what a source expunge does to the copy
//   lagAlertSeconds: 1800         # alert when the end-to-end lag passes this
//   canary: { to: [it@acme.com.hk], every: 15m, via: { host: 127.0.0.1, port: 2525, tls: none }, timeoutSeconds: 600 }
//   alerts:                       # secrets are env:NAME / cmd:COMMAND values (or literal, not advised)
//     - { type: dingtalk, url: "env:DINGTALK_URL", secret: "env:DINGTALK_SECRET" }
//     - { type: wecom, url: "env:WECOM_URL" }
//     - { type: teams, url: "env:TEAMS_URL" }
//     - { type: slack, url: "env:SLACK_URL" }
//     - { type: webhook, url: "https://ops.example/hook", headers: { authorization: "env:HOOK_TOKEN" } }
//     - { type: email, to: [it@acme.com.hk], from: mailshift@acme.com.hk, smtp: { host: smtp.acme.com.hk, port: 587, tls: starttls, user: it, password: "env:SMTP_PASS" } }

const secretText = z.string().min(1);

const alertChannel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dingtalk'), url: secretText, secret: secretText.optional(), name: z.string().optional() }).strict(),
  z.object({ type: z.literal('wecom'), url: secretText, name: z.string().optional() }).strict(),
  z.object({ type: z.literal('teams'), url: secretText, name: z.string().optional() }).strict(),
  z.object({ type: z.literal('slack'), url: secretText, name: z.string().optional() }).strict(),
  z.object({ type: z.literal('webhook'), url: secretText, headers: z.record(z.string(), secretText).optional(), name: z.string().optional() }).strict(),
  z
    .object({
      type: z.literal('email'),
      to: z.array(z.string().min(3)).min(1),
      from: z.string().min(3),
      smtp: z
        .object({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535).default(587),
          tls: z.enum(['implicit', 'starttls', 'none']).default('starttls'),
          allowInsecure: z.boolean().default(false),
          caFile: z.string().min(1).optional(),
          user: z.string().optional(),
          password: secretText.optional(),
        })
        .strict(),
      name: z.string().optional(),
    })
    .strict(),
]);

const canarySchema = z
  .object({
    to: z.array(z.string().min(3)).min(1),
    every: z.string().default('15m'),
    via: z
      .object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(25), tls: z.enum(['implicit', 'starttls', 'none']).default('starttls'), allowInsecure: z.boolean().default(false), caFile: z.string().min(1).optional() })
      .strict()
      .optional(),
    from: z.string().optional(),
    timeoutSeconds: z.number().int().min(5).default(600),
  })
  .strict();

export const dualRunSchema = z
  .object({
    intervalSeconds: z.number().int().min(10).default(300),
    deletes: z.enum(['keep', 'trash', 'propagate']).default('keep'),
    lagAlertSeconds: z.number().int().min(1).default(1800),
    canary: canarySchema.optional(),
    alerts: z.array(alertChannel).default([]),
  })
  .strict()
  .default({ intervalSeconds: 300, deletes: 'keep', lagAlertSeconds: 1800, alerts: [] });

export type DualRunConfig = z.infer<typeof dualRunSchema>;
export type AlertChannelConfig = z.infer<typeof alertChannel>;
export type CanaryConfig = z.infer<typeof canarySchema>;
export type DeletesMode = DualRunConfig['deletes'];
