import { join } from 'node:path';
import type { VerifyResult } from '../verify/result.js';
import { runAssess } from './assess.js';
import type { PhaseContext } from './context.js';
import { cutoverCheck, cutoverPlan } from './cutover.js';
import { defaultKitDir, generateKit } from './kit.js';
import { runReport } from './report.js';
import { runSync } from './sync.js';
import { runVerify } from './verify.js';

export interface DemoStep {
  name: string;
  ok: boolean;
  seconds: number;
  summary: string;
}

export interface DemoRunResult {
  steps: DemoStep[];
  reportHtml?: string;
  assessmentHtml?: string;
  kitDir?: string;
  cutoverFiles?: string[];
  verify?: VerifyResult;
}

/**
 * Runs every phase there is against the demo job, in order, in this process: assess, sync,
 * verify --deep, the cutover plan and its DNS checks (against a local DNS server), kit and the report (last, so it shows every other phase's times). A phase that
 * fails is shown and the demo goes on with the next one.
 */
export async function runDemoPhases(ctx: PhaseContext, opts: { dir: string; say: (line: string) => void }): Promise<DemoRunResult> {
  const result: DemoRunResult = { steps: [] };
  const steps: { name: string; run: () => Promise<string> }[] = [
    {
      name: 'assess',
      run: async () => {
        const r = await runAssess(ctx, { outDir: join(opts.dir, 'assessment'), probeSeconds: 2 });
        result.assessmentHtml = r.files.html;
        return `read-only inventory of both sides written to ${r.files.html}`;
      },
    },
    {
      name: 'sync',
      run: async () => {
        const r = await runSync(ctx);
        return `${r.copied} messages copied (${(r.bytes / 1048576).toFixed(1)} MiB) in ${r.seconds.toFixed(1)} s; ${r.skipped} skipped, ${r.failed} failed`;
      },
    },
    {
      name: 'verify --deep',
      run: async () => {
        const v = await runVerify(ctx, { deep: true });
        result.verify = v;
        const t = v.totals;
        const line = `${t.matched} of ${t.sourceMessages} messages matched byte for byte with flags and dates; missing ${t.missing}, duplicated ${t.duplicated}, altered ${t.altered}`;
        if (!v.clean) throw new Error(line);
        return line;
      },
    },
    {
      name: 'cutover plan + check',
      run: async () => {
        // Only against the demo's own DNS server (set in the config); never the internet's.
        if (!ctx.config.cutover.dns?.authoritative?.length) return 'skipped: no local DNS server for the demo domain';
        const at = new Date(Date.now() + 7 * 86_400_000);
        at.setUTCMinutes(0, 0, 0);
        const plan = await cutoverPlan(ctx, { at: at.toISOString(), outDir: join(opts.dir, 'cutover') });
        result.cutoverFiles = plan.files;
        const check = await cutoverCheck(ctx, { only: ['mx', 'spf', 'dmarc', 'mta-sts', 'tls-rpt', 'autodiscover', 'srv', 'sync-parity'] });
        return `checklist for a switch on ${plan.at.slice(0, 16).replace('T', ' ')} UTC in ${plan.files[0] ?? join(opts.dir, 'cutover')}; DNS checked on the demo's local DNS server: ${check.pass} pass, ${check.warn} warn, ${check.fail} to fix before the switch (expected: the demo zone still points at the old provider)`;
      },
    },
    {
      name: 'kit',
      run: async () => {
        const dir = defaultKitDir(ctx.config);
        const k = await generateKit({ config: ctx.config, accounts: ctx.accounts, store: ctx.store }, dir);
        result.kitDir = k.outDir;
        return `staff guides, settings sheets and client set-up files for ${k.people} people in ${k.outDir}`;
      },
    },
    {
      name: 'report',
      run: async () => {
        const r = await runReport(ctx, { outDir: join(opts.dir, 'report') });
        result.reportHtml = r.files.html;
        return `migration report written to ${r.files.html}`;
      },
    },
  ];
  for (const [i, step] of steps.entries()) {
    if (ctx.signal.aborted) break;
    opts.say(`[${i + 1}/${steps.length}] ${step.name}`);
    const t0 = Date.now();
    let ok = true;
    let summary: string;
    try {
      summary = await step.run();
    } catch (err) {
      ok = false;
      summary = (err as Error).message;
      ctx.log.error({ step: step.name, err: summary }, 'demo step failed');
    }
    const seconds = (Date.now() - t0) / 1000;
    result.steps.push({ name: step.name, ok, seconds, summary });
    opts.say(`      ${ok ? 'ok' : 'FAILED'} (${seconds.toFixed(1)} s): ${summary}`);
  }
  return result;
}
