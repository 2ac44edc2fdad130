import { createHmac } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli } from '../support/cli.js';
import { seedMessages } from '../support/dovecot.js';
import { dualRunJob, startDualRun } from '../support/dualrun-fixture.js';
import { startMailSink, startWebhookReceiver } from '../support/alert-receivers.js';

// Issue 13, "Done when" 3: a dual-run killed with SIGKILL is reported stalled by `status` and by
// `health --alert` (non-zero) within one interval, and the alert reaches every channel in its own
// documented shape (DingTalk signed), received here by a webhook receiver and an SMTP server on loopback.

const USER = { user: 'alice@acme.test', password: 'alice-pw' };
const SECRETS = { dtToken: 'tok-dt-5d1f', dtSecret: 'SECtest-dingtalk-secret-42', wecomKey: 'wecom-key-77', hookToken: 'Bearer hook-token-xyz' };

describe('dual-run health and alerts', () => {
  it('healthy while running; SIGKILL -> stalled in status and health --alert (exit 1) within one interval (60 s); one alert per channel, in each shape', async () => {
    const hooks = await startWebhookReceiver();
    const mail = await startMailSink();
    onTestFinished(async () => {
      await hooks.stop();
      await mail.stop();
    });
    const job = await dualRunJob('health', {
      user: USER,
      config: {
        dualRun: {
          intervalSeconds: 60,
          alerts: [
            { type: 'dingtalk', url: 'env:T_DT_URL', secret: 'env:T_DT_SECRET' },
            { type: 'wecom', url: 'env:T_WECOM_URL' },
            { type: 'teams', url: 'env:T_TEAMS_URL' },
            { type: 'slack', url: 'env:T_SLACK_URL' },
            { type: 'webhook', url: 'env:T_HOOK_URL', headers: { Authorization: 'env:T_HOOK_TOKEN' } },
            { type: 'email', to: ['it@acme.test'], from: 'mailshift@acme.test', smtp: { host: '127.0.0.1', port: mail.port, tls: 'none', allowInsecure: true } },
          ],
        },
      },
    });
    const { config } = job;
    await seedMessages(job.pair.source, USER.user, USER.password, [
      { folder: 'INBOX', raw: Buffer.from('Message-ID: <h1@acme.test>\r\nSubject: one\r\n\r\nx\r\n'), flags: [], internalDate: new Date('2026-03-01T00:00:00Z') },
    ]);
    const env = {
      T_DT_URL: hooks.url(`/dingtalk/robot/send?access_token=${SECRETS.dtToken}`),
      T_DT_SECRET: SECRETS.dtSecret,
      T_WECOM_URL: hooks.url(`/wecom/cgi-bin/webhook/send?key=${SECRETS.wecomKey}`),
      T_TEAMS_URL: hooks.url('/teams/webhookb2/abc'),
      T_SLACK_URL: hooks.url('/slack/services/T0/B0/XYZ'),
      T_HOOK_URL: hooks.url('/hook'),
      T_HOOK_TOKEN: SECRETS.hookToken,
    };
    const cli = (args: string[]) => runCli([...args, '--config', config], { env, timeoutMs: 60_000 });
    const outputs: string[] = [];
    const noSecrets = (r: { stdout: string; stderr: string }) => outputs.push(r.stdout, r.stderr);

    const sync = await cli(['sync', '--no-progress']);
    expect(sync.code, sync.stderr).toBe(0);
    const never = await cli(['health']);
    expect(never.code).toBe(1);
    expect(never.stdout).toMatch(/^dual-run: stopped - dual-run has not been started/);

    const { child, exited } = await startDualRun(config, { env, timeoutMs: 60_000 });
    const healthy = await cli(['health', '--json']);
    noSecrets(healthy);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect((JSON.parse(healthy.stdout) as { health: { state: string } }).health.state).toBe('healthy');
    expect(hooks.requests).toHaveLength(0);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killedAt = Date.now();

    const h = await cli(['health', '--alert']);
    noSecrets(h);
    expect(h.code).toBe(1);
    expect(h.stdout).toMatch(/^dual-run: stalled - the dual-run process \(pid \d+\) is gone/);
    expect(h.stdout).toMatch(/alert sent: dingtalk ok, wecom ok, teams ok, slack ok, webhook ok, email ok/);
    expect(h.stderr.trim()).toBe('mailshift: health: stalled');
    const st = await cli(['status', '--json']);
    noSecrets(st);
    expect(st.code, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout) as { dualRun: { health: { state: string; reason: string } } };
    expect(status.dualRun.health.state).toBe('stalled');
    expect(status.dualRun.health.reason).toMatch(/is gone; last heartbeat \d+ s ago, without a clean stop/);
    // Both answered within one interval (60 s) of the kill: no waiting for a missed pass.
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    const text = await cli(['status']);
    expect(text.stdout).toMatch(/\ndual-run: stalled - the dual-run process/);

    // Exactly one alert per channel (status and a second health --alert do not repeat it).
    const again = await cli(['health', '--alert']);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/alert already sent for this state/);
    const by = (p: string) => hooks.requests.filter((r) => r.path.startsWith(p));
    expect(hooks.requests).toHaveLength(5);
    expect(mail.mails).toHaveLength(1);

    const [dt] = by('/dingtalk');
    expect(dt!.body).toEqual({ msgtype: 'text', text: { content: expect.stringMatching(/^\[mailshift health\] dual-run stalled\nthe dual-run process \(pid \d+\) is gone/) } });
    expect(dt!.query.get('access_token')).toBe(SECRETS.dtToken);
    const ts = Number(dt!.query.get('timestamp'));
    expect(Math.abs(ts - dt!.at)).toBeLessThan(60_000);
    // DingTalk's rule: base64(HmacSHA256(key = secret, "<timestamp>\n<secret>")), URL-encoded in the query.
    expect(dt!.query.get('sign')).toBe(createHmac('sha256', SECRETS.dtSecret).update(`${ts}\n${SECRETS.dtSecret}`).digest('base64'));
    expect(by('/wecom')[0]!.body).toEqual({ msgtype: 'text', text: { content: expect.stringMatching(/dual-run stalled/) } });
    expect(by('/wecom')[0]!.query.get('key')).toBe(SECRETS.wecomKey);
    expect(by('/slack')[0]!.body).toEqual({ text: expect.stringMatching(/^\[mailshift health\] dual-run stalled\n/) });
    const teams = by('/teams')[0]!.body as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text: string }[] } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments).toHaveLength(1);
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]!.content).toMatchObject({ type: 'AdaptiveCard', version: '1.2' });
    expect(teams.attachments[0]!.content.body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock']);
    expect(teams.attachments[0]!.content.body[0]!.text).toBe('mailshift health: dual-run stalled');
    const hook = by('/hook')[0]!;
    expect(hook.headers.authorization).toBe(SECRETS.hookToken);
    expect(hook.headers['content-type']).toMatch(/^application\/json/);
    expect(hook.body).toMatchObject({ source: 'mailshift', job: 'health', domain: 'acme.test', level: 'critical', title: 'dual-run stalled', key: expect.stringMatching(/^stalled:\d+$/) });
    const m = mail.mails[0]!;
    expect(m.to).toEqual(['it@acme.test']);
    expect(m.raw.toString()).toMatch(/^Subject: \[mailshift health\] dual-run stalled$/m);

    // No secret in anything printed.
    for (const o of outputs) for (const s of Object.values(SECRETS)) expect(o).not.toContain(s);
  }, 180_000);
});
