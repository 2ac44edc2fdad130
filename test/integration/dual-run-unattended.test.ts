import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BIN, runCli } from '../support/cli.js';
import { startDnsServer } from '../support/dns-server.js';
import { dualRunJob } from '../support/dualrun-fixture.js';

// Issue 13, deliverable 4: --install-service writes a user service that runs the same dual-run;
// --until-cutover ends the loop (exit 0) once DNS shows the new MX.

const USER = { user: 'alice@acme.test', password: 'alice-secret-pw' };

describe('dual-run unattended', () => {
  it('--install-service writes a systemd user unit for the same config (no secret in it) and prints start/stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-service-'));
    const home = mkdtempSync(join(tmpdir(), 'mailshift-home-'));
    const config = join(dir, 'mailshift.json');
    writeFileSync(join(dir, 'accounts.csv'), `source_user,source_password,destination_user,destination_password\n${USER.user},env:ALICE_PW,${USER.user},${USER.password}\n`);
    writeFileSync(config, JSON.stringify({ job: 'acme-2026', domain: 'acme.test', source: { host: 'imap.old.test' }, destination: { host: 'imap.new.test' }, accounts: 'accounts.csv' }));
    const r = await runCli(['dual-run', '--install-service', '--interval', '120', '--canary', '--config', config], { env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const unit = join(home, '.config', 'systemd', 'user', 'mailshift-acme-2026.service');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`wrote systemd user unit ${unit}`);
    expect(lines[1]).toBe('start:  systemctl --user daemon-reload && systemctl --user enable --now mailshift-acme-2026.service');
    expect(lines[2]).toMatch(/^stop:   systemctl --user stop mailshift-acme-2026\.service/);
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`ExecStart=${process.execPath} ${BIN} dual-run --config ${config} --no-progress --interval 120 --canary\n`);
    expect(text).toContain(`WorkingDirectory=${dir}\n`);
    expect(text).toContain('KillSignal=SIGINT\n');
    expect(text).toContain('Restart=on-failure\n');
    expect(text).toContain('[Install]\nWantedBy=default.target\n');
    expect(text).not.toContain(USER.password);
  });

  it('--until-cutover: exit 0 once the MX in DNS is the new one; on a terminal a live table per account and a countdown', async () => {
    const dns = await startDnsServer();
    onTestFinished(() => dns.stop());
    dns.set('acme.test', 'MX', [{ exchange: 'mail.acme.test', priority: 10 }]);
    const job = await dualRunJob('until', { user: USER, config: { cutover: { mx: [{ host: 'mail.acme.test', priority: 10 }], dns: { resolvers: [dns.ports[0]!.address], timeoutMs: 2000 } } } });
    const { config } = job;
    expect((await runCli(['sync', '--config', config])).code).toBe(0);
    const t0 = Date.now();
    const r = await runCli(['dual-run', '--until-cutover', '--interval', '60', '--config', config], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000); // after the first pass, not after an interval
    expect(r.stderr).toMatch(/the domain's MX now points at the new system \(mail\.acme\.test\): dual-run ends here/);
    expect(r.stdout).toMatch(/^dual-run: 1 pass\(es\)/);

    // On a terminal (a pty from util-linux `script`): a live table per account and a countdown, no progress bar.
    dns.set('acme.test', 'MX', [{ exchange: 'mx.old-provider.test', priority: 10 }]);
    const cmd = [process.execPath, BIN, 'dual-run', '--for', '12s', '--interval', '10', '--config', config].map((a) => `'${a}'`).join(' ');
    const tty = await new Promise<{ code: number | null; out: string }>((res) => {
      const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '120', LINES: '40' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => res({ code, out }));
    });
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toContain('account          last pass  new  moved  flags  deleted  errors  lag');
    expect(tty.out).toMatch(/alice@acme\.test  \d\d:\d\d:\d\d     0      0      0        0       0  -/);
    expect(tty.out).toMatch(/pass 1 done; next pass in \d+s · Ctrl-C stops after the pass in flight/);
    expect(tty.out).toMatch(/pass 2 running…/);
    expect(tty.out).not.toMatch(/ETA/);
  }, 120_000);
});
