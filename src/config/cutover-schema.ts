import { z } from 'zod';

// The `cutover:` section of the config. Owned by the cutover phase. Every field is optional:
// a config without the section loads, and what is missing comes from the provider presets or
// from what mailshift saw at the first `cutover plan` / `cutover check`.
//
// cutover:
//   at: 2026-12-05T10:00:00+08:00          # planned switch time T (or `cutover plan --at`)
//   mx: [{ host: acme-com-hk.mail.protection.outlook.com, priority: 0 }]   # default: destination preset dns.mx
//   oldMx: [{ host: mxbiz1.qq.com, priority: 5 }]   # default: what the first check/plan saw, else source preset
//   spfInclude: spf.protection.outlook.com  # default: destination preset
//   oldSpfInclude: spf.mail.qq.com          # default: source preset
//   dkimSelectors: [selector1, selector2]   # default: destination preset
//   autodiscover: autodiscover.outlook.com  # CNAME target of autodiscover.<domain>; default: destination preset
//   imapHost: outlook.office365.com         # expected RFC 6186 _imaps._tcp target; default: destination preset / host
//   submissionHost: smtp.office365.com      # expected _submission._tcp target; default: destination preset
//   maxTtl: 300                             # MX TTL wanted during the window (seconds)
//   dns:                                    # which servers are asked (default: the domain's NS, and public resolvers)
//     resolvers: ["127.0.0.1:5301"]
//     authoritative: ["127.0.0.1:5300"]
//     timeoutMs: 3000
//   smtp:                                   # the probe of the new MX hosts (never sends DATA)
//     port: 25
//     hostMap: { "mx.example": "127.0.0.1:2525" }   # connect here instead of the MX name (tests, split DNS)
//     caFile: ca.pem                        # extra CA trusted besides the system CAs (relative to the config)
//     heloName: mailshift.local
//     mailFrom: ""                          # reverse-path for the RCPT probe; "" is the null sender <>
//     timeoutMs: 15000
//   mtaSts:                                 # the MTA-STS policy fetch (https://mta-sts.<domain>/.well-known/mta-sts.txt)
//     hostMap: { "mta-sts.acme.com.hk": "127.0.0.1:8443" }
//     caFile: ca.pem
const hostPriority = z.object({ host: z.string().min(1), priority: z.number().int().min(0).max(65535) }).strict();
const hostPort = z.string().regex(/^(\[[^\]]+\]|[^:\s]+)(:\d{1,5})?$/, 'must be host or host:port');

export const cutoverSchema = z
  .object({
    at: z
      .union([z.string().min(1).refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time like 2026-12-05T10:00:00+08:00'), z.date()])
      .optional(),
    mx: z.array(hostPriority).min(1).optional(),
    oldMx: z.array(hostPriority).min(1).optional(),
    spfInclude: z.string().min(1).optional(),
    oldSpfInclude: z.string().min(1).optional(),
    dkimSelectors: z.array(z.string().min(1)).optional(),
    autodiscover: z.string().min(1).optional(),
    imapHost: z.string().min(1).optional(),
    submissionHost: z.string().min(1).optional(),
    maxTtl: z.number().int().min(30).max(86400).optional(),
    dns: z
      .object({
        resolvers: z.array(hostPort).min(1).optional(),
        authoritative: z.array(hostPort).min(1).optional(),
        timeoutMs: z.number().int().min(100).max(60000).optional(),
      })
      .strict()
      .optional(),
    smtp: z
      .object({
        port: z.number().int().min(1).max(65535).optional(),
        hostMap: z.record(z.string(), hostPort).optional(),
        caFile: z.string().min(1).optional(),
        heloName: z.string().min(1).optional(),
        mailFrom: z.string().optional(),
        timeoutMs: z.number().int().min(100).max(300000).optional(),
      })
      .strict()
      .optional(),
    mtaSts: z
      .object({
        hostMap: z.record(z.string(), hostPort).optional(),
        caFile: z.string().min(1).optional(),
        timeoutMs: z.number().int().min(100).max(300000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .default({});

export type CutoverConfig = z.infer<typeof cutoverSchema>;
