/** Temp job configs for the kit tests (no server is needed: the kit reads config, CSV and store). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const PEOPLE = ['alice@acme.com.hk', 'Chan.TaiMan@acme.com.hk', 'wong.siuming@acme.com.hk'];

export interface KitJob {
  dir: string;
  configPath: string;
  cleanup(): void;
}

export function makeKitJob(overrides: Record<string, unknown> = {}, opts: { keep?: boolean } = {}): KitJob {
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-kit-'));
  const csv = ['source_user,source_password,destination_user,destination_password', ...PEOPLE.map((p, i) => `old${i}@acme.com.hk,pw${i},${p},cmd:false`)];
  writeFileSync(join(dir, 'accounts.csv'), csv.join('\n') + '\n');
  const config = {
    job: 'acme-2026',
    domain: 'acme.com.hk',
    company: 'Acme Trading & Co <HK> 貿易',
    source: { preset: 'tencent-exmail' },
    destination: { preset: 'dovecot', host: 'mail.acme.com.hk', port: 993, tls: 'implicit' },
    accounts: 'accounts.csv',
    cutover: { at: '2026-12-05T18:00:00+08:00' },
    kit: {
      helpdesk: { name: 'IT helpdesk', email: 'it@acme.com.hk', phone: '+852 2123 4567', hours: 'Mon–Fri 9:00–18:00' },
      smtp: { host: 'smtp.acme.com.hk', port: 465, tls: 'implicit' },
      webmail: 'https://webmail.acme.com.hk',
    },
    ...overrides,
  };
  const configPath = join(dir, 'mailshift.yaml');
  writeFileSync(configPath, stringify(config));
  return { dir, configPath, cleanup: () => (opts.keep || process.env.KEEP_KIT ? undefined : rmSync(dir, { recursive: true, force: true })) };
}
