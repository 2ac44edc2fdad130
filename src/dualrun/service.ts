import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { JobConfig } from '../config/types.js';

// `dual-run --install-service`: a systemd user unit (Linux) or a launchd agent (macOS) that runs
// the same dual-run unattended, restarted if it dies. No secret goes into the file: passwords stay
// env:/cmd: values, and env: variables come from an environment file the user fills (mode 0600).

export interface ServiceFile {
  kind: 'systemd' | 'launchd';
  path: string;
  contents: string;
  /** How to start, stop and watch it, one command a line. */
  instructions: string[];
}

const unitName = (job: string) => `mailshift-${job.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
const q = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function serviceFile(job: JobConfig, argv: string[], opts: { platform?: NodeJS.Platform; home?: string; node?: string; bin: string }): ServiceFile {
  const home = opts.home ?? homedir();
  const node = opts.node ?? process.execPath;
  const name = unitName(job.job);
  const args = [node, opts.bin, 'dual-run', '--config', job.configPath, '--no-progress', ...argv];
  if ((opts.platform ?? process.platform) === 'darwin') {
    const label = `hk.mailshift.${name.slice('mailshift-'.length)}`;
    const path = join(home, 'Library', 'LaunchAgents', `${label}.plist`);
    const contents = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${xml(label)}</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
  <key>WorkingDirectory</key><string>${xml(job.configDir)}</string>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>ThrottleInterval</key><integer>60</integer>
  <key>StandardOutPath</key><string>${xml(job.logPath.replace(/\.log$/, '.service.log'))}</string>
  <key>StandardErrorPath</key><string>${xml(job.logPath.replace(/\.log$/, '.service.log'))}</string>
</dict>
</plist>
`;
    return {
      kind: 'launchd',
      path,
      contents,
      instructions: [
        `start:  launchctl bootstrap gui/$(id -u) ${q(path)}`,
        `stop:   launchctl bootout gui/$(id -u)/${label}`,
        `status: mailshift health --config ${q(job.configPath)}`,
        'env: passwords given as env:NAME must be set for launchd too (launchctl setenv NAME value), or use cmd: cells (e.g. the macOS keychain)',
      ],
    };
  }
  const path = join(home, '.config', 'systemd', 'user', `${name}.service`);
  const envFile = join(home, '.config', 'mailshift', `${name.slice('mailshift-'.length)}.env`);
  const contents = `# Written by \`mailshift dual-run --install-service\` for job ${job.job} (${job.domain}).
[Unit]
Description=mailshift dual-run for ${job.job} (${job.domain})
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
WorkingDirectory=${q(job.configDir)}
# env:NAME password cells read their variables from here (create it with mode 0600).
EnvironmentFile=-${envFile}
ExecStart=${args.map(q).join(' ')}
# Ctrl-C semantics: the pass in flight ends, then the process exits 0.
KillSignal=SIGINT
TimeoutStopSec=900
Restart=on-failure
RestartSec=60

[Install]
WantedBy=default.target
`;
  return {
    kind: 'systemd',
    path,
    contents,
    instructions: [
      `start:  systemctl --user daemon-reload && systemctl --user enable --now ${name}.service`,
      `stop:   systemctl --user stop ${name}.service   (and 'disable' to keep it from starting at login)`,
      `log:    journalctl --user -u ${name}.service -f`,
      `status: mailshift health --config ${q(job.configPath)}   (cron-friendly; add --alert)`,
      `keep it running after you log out: loginctl enable-linger ${process.env.USER ?? '$USER'}`,
      `env: variables for env: password cells go in ${envFile} (NAME=value lines, chmod 600)`,
    ],
  };
}

export function installService(f: ServiceFile): void {
  mkdirSync(join(f.path, '..'), { recursive: true });
  writeFileSync(f.path, f.contents, { mode: 0o644 });
}
