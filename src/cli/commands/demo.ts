import { relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { markStopped, prepareDemo, stopKeptServers, type DemoSandbox } from '../../demo/sandbox.js';
import { appendTo, deliverMail, fileNewestMessage, flagOldestMessage } from '../../demo/activity.js';
import { startDemoMx, type DemoMx } from '../../demo/mx.js';
import { demoZone, startDemoDns, type DemoDns } from '../../demo/dns.js';
import { FatalError, IncompleteError } from '../../errors.js';
import type { DemoWorld } from '../../phases/demo.js';
import { dovecotAvailable } from '../../sandbox/dovecot.js';
import { withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const runDemoPhases = lazy(() => import('../../phases/demo.js'), 'runDemoPhases');

interface DemoOptions {
  keep?: boolean;
  preset: 'tiny' | 'small';
  dir: string;
  stop?: boolean;
}

// `mailshift demo`: the README's first command. Two local sandbox Dovecot servers, a generated
// company's mail, and every phase run against them, ending with the report's path.
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('see mailshift work: two local sandbox mail servers, sample mail, every phase, a report (nothing leaves this machine)')
    .option('--keep', 'leave the sandbox servers running afterwards and print how to connect a mail client')
    .addOption(new Option('--preset <size>', 'sample company size').choices(['tiny', 'small']).default('small'))
    .option('--dir <dir>', 'demo folder (config, store, report, kit, server data)', './demo')
    .option('--stop', 'stop the servers an earlier "demo --keep" left running in --dir, and exit')
    .action(async (o: DemoOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const out = (line: string) => process.stdout.write((opts.json ? '' : line + '\n'));
      const dir = resolve(o.dir);
      if (o.stop) {
        const pids = await stopKeptServers(dir);
        out(pids.length ? `stopped the demo servers (pids ${pids.join(', ')})` : `no demo servers were running for ${dir}`);
        return;
      }
      ensureDovecot();

      const t0 = Date.now();
      out(`mailshift demo (${o.preset}): everything runs on this machine, in ${shown(dir)}`);
      let sandbox: DemoSandbox | undefined;
      let stopped = false;
      let dns: DemoDns | undefined;
      let mx: DemoMx | undefined;
      try {
        dns = await startDemoDns(demoZone('acme.test'));
        // The old provider's MX: mail it accepts lands in the user's source INBOX (canaries).
        const deliverTo = (rcpt: string) => sandbox?.users.find((u) => u.user.toLowerCase() === rcpt.toLowerCase());
        mx = await startDemoMx({
          name: 'mx.old-provider.test',
          accept: (rcpt) => !!deliverTo(rcpt),
          deliver: async (rcpts, raw) => {
            for (const r of rcpts) await appendTo(sandbox!.pair.source, deliverTo(r)!, 'INBOX', raw);
          },
        });
        sandbox = await prepareDemo({ dir, preset: o.preset, keep: !!o.keep, note: out, dns: dns.address, oldMx: mx.address });
        out(`  source ${sandbox.pair.source.host}:${sandbox.pair.source.port} holds ${sandbox.messages} messages (${(sandbox.bytes / 1048576).toFixed(1)} MiB) of ${sandbox.users.length} users; destination ${sandbox.pair.destination.host}:${sandbox.pair.destination.port} is empty`);
        out(`  wrote ${shown(sandbox.configPath)} and accounts.csv`);
        const s = sandbox;
        const d = dns;
        const someone = s.users[0]!;
        const world: DemoWorld = {
          mailArrives: (count, what) => deliverMail(s.pair.source, someone, count, what),
          userFlagsMessage: async () => void (await flagOldestMessage(s.pair.source, someone)),
          userFilesMessage: async (folder) => void (await fileNewestMessage(s.pair.source, someone, folder)),
          switchMx: () => d.setRecords(demoZone('acme.test', true)),
          canaryTo: someone.user,
        };
        const result = await withJob({ ...opts, config: s.configPath }, { command: 'demo' }, (ctx) => runDemoPhases(ctx, { dir, say: out, world }));
        if (!o.keep) {
          await s.pair.stop();
          markStopped(dir);
          stopped = true;
        }
        const failed = result.steps.filter((x) => !x.ok);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ dir, config: s.configPath, report: result.reportHtml ?? null, kit: result.kitDir ?? null, kept: !!o.keep, steps: result.steps }, null, 2) + '\n');
        }
        out('');
        out(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s${failed.length ? `, but ${failed.map((f) => f.name).join(', ')} did not succeed (see above)` : ''}.`);
        if (result.reportHtml) out(`report: ${result.reportHtml}`);
        if (result.assessmentHtml) out(`assessment: ${result.assessmentHtml}`);
        if (result.cutoverFiles?.length) out(`cutover checklist: ${result.cutoverFiles[0]}`);
        if (result.kitDir) out(`staff kit: ${result.kitDir}`);
        out('');
        out('what to try next:');
        out(`  open the report in a browser:   ${result.reportHtml ?? shown(dir) + '/report/report.html'}`);
        out(`  where the job stands:           node bin/mailshift.js status --config ${shown(s.configPath)}`);
        if (o.keep) {
          out(`  compare both sides again:       node bin/mailshift.js verify --deep --config ${shown(s.configPath)}`);
          out(`  change something in a mail client (below), then: node bin/mailshift.js sync --config ${shown(s.configPath)}`);
          out('');
          out('the sandbox servers are still running (plain IMAP, no TLS, 127.0.0.1 only):');
          out(`  source:      host 127.0.0.1, port ${s.pair.source.port}, security none, password authentication`);
          out(`  destination: host 127.0.0.1, port ${s.pair.destination.port}, security none, password authentication`);
          for (const u of s.users) out(`  user ${u.user}  password ${u.password}`);
          out(`  stop them with: node bin/mailshift.js demo --stop --dir ${shown(dir)}`);
        } else {
          out(`  keep the servers to look at the mail in a mail client: node bin/mailshift.js demo --keep --dir ${shown(dir)}`);
          out('  your own migration: node bin/mailshift.js init');
        }
        if (failed.length) throw new IncompleteError(`demo: ${failed.map((f) => f.name).join(', ')} did not succeed; the log is ${shown(dir)}/demo.mailshift.log`);
      } finally {
        // Never leave a server behind unless asked to (also on Ctrl-C and on errors).
        if (sandbox && !o.keep && !stopped) await sandbox.pair.stop().catch(() => undefined);
        await dns?.stop().catch(() => undefined);
        await mx?.stop().catch(() => undefined);
      }
    });
}

/** Dovecot is needed for the sandbox. The demo installs nothing itself: that is the README's set-up step. */
function ensureDovecot(): void {
  if (dovecotAvailable()) return;
  throw new FatalError("the demo needs Dovecot (Debian's dovecot-imapd), which is not installed; install it first: sudo apt-get install -y dovecot-imapd (see the README's \"Try it\")");
}

const shown = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};
