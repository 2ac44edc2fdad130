import { isIP } from 'node:net';
import { z } from 'zod';

// The `auth:` block of a server side (source/destination). How mailshift signs in there:
// password (the accounts CSV cells, the default), oauth2 (a token per mailbox or one app token),
// or master (one admin credential for every mailbox).

export const AUTH_METHODS = ['password', 'oauth2', 'master'] as const;
export const OAUTH_FLOWS = ['device', 'loopback', 'client-credentials', 'service-account'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type OAuthFlow = (typeof OAUTH_FLOWS)[number];

const cell = z.string().min(1);

export const authSchema = z
  .object({
    method: z.enum(AUTH_METHODS, { message: `must be one of ${AUTH_METHODS.join(', ')}` }).default('password'),
    // oauth2
    flow: z.enum(OAUTH_FLOWS, { message: `must be one of ${OAUTH_FLOWS.join(', ')}` }).optional(),
    issuer: z.string().url().optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: cell.optional(),
    serviceAccountKey: z.string().min(1).optional(),
    scope: z.string().min(1).optional(),
    // master
    user: z.string().min(1).optional(),
    password: cell.optional(),
    style: z.enum(['authzid', 'separator'], { message: 'must be authzid or separator' }).optional(),
    separator: z.string().min(1).max(4).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const need = (field: keyof typeof a, why: string) => {
      if (a[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    };
    if (a.method === 'master') {
      need('user', 'for method master (the admin user)');
      need('password', 'for method master (the admin password, e.g. env:ADMIN_PW)');
    }
    if (a.method === 'oauth2') {
      if (a.flow === 'client-credentials') need('clientSecret', 'for flow client-credentials (e.g. env:M365_APP_SECRET)');
      if (a.flow === 'service-account') need('serviceAccountKey', "for flow service-account (the key JSON file)");
      if (a.issuer) {
        const u = new URL(a.issuer);
        if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
          ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must be https (http is accepted only on a loopback address)' });
        } else if (u.protocol !== 'http:' && u.protocol !== 'https:') {
          ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must be an https URL' });
        }
      }
    }
  });

export type AuthFile = z.infer<typeof authSchema>;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** A side's sign-in after presets are applied (the secrets are still unresolved cells). */
export type SideAuth =
  | { method: 'password' }
  | { method: 'master'; user: string; password: string; style: 'authzid' | 'separator'; separator: string }
  | {
      method: 'oauth2';
      flow: OAuthFlow;
      issuer: string;
      clientId: string;
      clientSecret?: string;
      /** Absolute path of the service-account key JSON. */
      serviceAccountKey?: string;
      scope: string;
    };
