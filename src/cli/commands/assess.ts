import { resolve } from 'node:path';
import type { Command } from 'commander';
import { fmtBytes, fmtDuration } from '../../assess/format.js';
import { IncompleteError, InputError } from '../../errors.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';
import { outDir } from '../out-dir.js';
import { LANGS, parseLangs } from '../../kit/catalogue/index.js';

const runAssess = lazy(() => import('../../phases/assess.js'), 'runAssess');

// `mailshift assess`: the read-only dry run. Exit 0 on "go" (warnings allowed), 3 on "no-go".
export function registerAssess(program: Command): void {
  program
    .command('assess')
    .description('read-only check of both servers and every account: inventory, mapping, risks, estimate, DNS; writes an HTML/Markdown/JSON report')
    .option('--out <dir>', 'report directory (default: <config dir>/assessment)', outDir)
    .option('--probe-seconds <n>', 'length of the read-only throughput probe in seconds (0 skips it)', '20')
    .option('--lang <lang>', `language of the report (${LANGS.join(', ')}; default: kit.languages[0], else LANG)`)
    .action(async (o: { out?: string; probeSeconds: string; lang?: string }, cmd: Command) => {
      const lang = o.lang !== undefined ? parseLangs(o.lang)[0] : undefined;
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const probeSeconds = Number(o.probeSeconds);
      if (!Number.isFinite(probeSeconds) || probeSeconds < 0 || probeSeconds > 600) throw new InputError(`--probe-seconds: expected a number of seconds from 0 to 600, got "${o.probeSeconds}"`);
      const result = await withJob(opts, { command: 'assess' }, (ctx) => runAssess(ctx, { outDir: o.out ? resolve(o.out) : undefined, probeSeconds, lang }));
      const a = result.assessment;
      if (opts.json) process.stdout.write(JSON.stringify(a, null, 2) + '\n');
      say(opts, '');
      say(opts, `verdict: ${a.verdict === 'go' ? 'GO' : 'NO-GO'} — ${a.summary.blockers} blocking, ${a.summary.warnings} warnings; ${a.summary.messages} messages, ${fmtBytes(a.summary.bytes)}; estimated copy time ${a.summary.estimatedSeconds === undefined ? 'not measured' : fmtDuration(a.summary.estimatedSeconds)}`);
      for (const r of a.risks.filter((x) => x.severity === 'blocker')) say(opts, `  must fix: ${r.title} — ${r.fix}`);
      say(opts, `report: ${result.files.html}`);
      if (a.verdict !== 'go') throw new IncompleteError(`assessment found ${a.summary.blockers} blocking problem(s); see ${result.files.html}`);
    });
}
