import { PRESETS } from '../../config/presets.js';
import { askSelect, askText } from '../prompts.js';
import { signInSteps } from './sign-in.js';
import { domainName, hostName, jobName, port } from './validate.js';

// The `init` wizard: every answer is checked as it is typed, each provider is shown with what
// mailshift knows about it (host, port, encryption, sign-in, limits, warnings), and nothing is
// written until every answer is in (Ctrl-C at any question leaves no file behind).

export interface WizardAnswers {
  job: string;
  domain: string;
  company?: string;
  sourcePreset: string;
  sourceHost?: string;
  sourcePort?: number;
  sourceTls?: Tls;
  destinationPreset: string;
  destinationHost?: string;
  destinationPort?: number;
  destinationTls?: Tls;
  /** Config sections added by plugged-in steps (sign-in). */
  extra: Record<string, unknown>;
}

export type Tls = 'implicit' | 'starttls' | 'none';

export interface WizardIO {
  say(line: string): void;
}

const choices = Object.values(PRESETS).map((p) => ({ value: p.id, name: `${p.name} (${p.id})` }));

/** What mailshift knows about a provider, as the wizard shows it. */
export function presetLines(id: string): string[] {
  const p = PRESETS[id];
  if (!p) return [];
  const auth: Record<string, string> = {
    password: 'password',
    'app-password': 'app password / client authorization code per user',
    oauth2: 'OAuth2 (Modern Authentication); basic passwords are refused',
  };
  const lines = [
    `  ${p.name}: ${p.imap ? `IMAP ${p.imap.host}:${p.imap.port} (${p.imap.tls === 'implicit' ? 'TLS' : p.imap.tls})` : 'you give the IMAP host'}; sign-in: ${auth[p.auth] ?? p.auth}${p.maxConnections ? `; at most ${p.maxConnections} connections` : ''}`,
  ];
  if (p.authHelp) lines.push(`  sign-in: ${p.authHelp}`);
  for (const q of p.quirks ?? []) lines.push(`  warning: ${q.text}`);
  return lines;
}

export async function runWizard(given: Partial<WizardAnswers>, io: WizardIO): Promise<WizardAnswers> {
  const domain = given.domain ?? (await askText('Mail domain being moved (e.g. acme.com.hk)', undefined, domainName)).trim();
  const company = given.company ?? ((await askText('Company name (for the staff kit and reports)', domain.split('.')[0])).trim() || undefined);
  const job = given.job ?? (await askText('Job name', `${domain.split('.')[0]}-${new Date().getFullYear()}`, jobName)).trim();
  const side = async (label: string, preset: string | undefined, def: string, host: string | undefined): Promise<{ id: string; host?: string; port?: number; tls?: Tls }> => {
    const id = preset ?? (await askSelect(label, choices, def));
    for (const l of presetLines(id)) io.say(l);
    if (host || PRESETS[id]?.imap) return { id, host };
    return { id, ...(await askServer()) };
  };
  const src = await side('Where is the mail now?', given.sourcePreset, 'tencent-exmail', given.sourceHost);
  const dst = await side('Where is it going?', given.destinationPreset, 'm365', given.destinationHost);
  const answers: WizardAnswers = {
    job,
    domain,
    ...(company ? { company } : {}),
    sourcePreset: src.id,
    ...(src.host ? { sourceHost: src.host } : {}),
    ...(src.port ? { sourcePort: src.port } : {}),
    ...(src.tls ? { sourceTls: src.tls } : {}),
    destinationPreset: dst.id,
    ...(dst.host ? { destinationHost: dst.host } : {}),
    ...(dst.port ? { destinationPort: dst.port } : {}),
    ...(dst.tls ? { destinationTls: dst.tls } : {}),
    extra: {},
  };
  for (const step of signInSteps) Object.assign(answers.extra, (await step.ask(answers)) ?? {});
  return answers;
}

/** Host, port and encryption of a server the preset does not know (also asked again to fix a failed login). */
export async function askServer(current: { host?: string; port?: number; tls?: Tls } = {}): Promise<{ host: string; port: number; tls: Tls }> {
  const host = (await askText('  IMAP host', current.host, hostName)).trim();
  const p = Number(await askText('  IMAP port', String(current.port ?? 993), port));
  const tls = await askSelect<Tls>(
    '  Encryption',
    [
      { value: 'implicit', name: 'TLS from the start (usually port 993)' },
      { value: 'starttls', name: 'STARTTLS (usually port 143)' },
      { value: 'none', name: 'none: passwords in clear text (allowInsecure; only on a trusted local network)' },
    ],
    current.tls ?? (p === 143 ? 'starttls' : 'implicit'),
  );
  return { host, port: p, tls };
}
