import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { FatalError } from '../../errors.js';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { emptyFacts, readJobFacts, type JobFacts } from '../../phases/job-state.js';
import { pipelineView, type PipelineView } from '../../phases/pipeline.js';
import { openJobStore } from '../../store/open.js';
import type { DualRunHealthReport } from '../../dualrun/health-report.js';
import { collectGroupware, type GroupwareReportRow } from '../../groupware/report.js';
import type { GlobalOptions } from '../job.js';
import { lazy } from '../lazy.js';

const dualRunReport = lazy(() => import('../../dualrun/health-report.js'), 'dualRunHealthReport');
type DualRunHealth = DualRunHealthReport;

/** `status --json`: a stable schema (documented in the README); fields are only ever added. */
export type StatusJson = { schema: 1 } & Omit<JobFacts, 'dualRun'> &
  PipelineView & { dualRun: JobFacts['dualRun'] & Partial<DualRunHealth>; groupware: GroupwareReportRow[] };

const PHASE_LABEL: Record<string, string> = { 'cutover plan': 'cutover plan + check' };

// `mailshift status`: where the job stands, from the store only. It opens the store read-only
// (never creates or migrates it, needs no lock, works while a run is going and after a kill).
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('where the job stands: counts, phase timeline, the current gate and the next command (reads the store only)')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const config = loadConfig(opts.config);
      let facts: JobFacts;
      let groupware: GroupwareReportRow[] = [];
      let health: DualRunHealth | undefined;
      if (!config.postgresStore && !existsSync(config.storePath)) {
        const parent = dirname(config.storePath);
        if (existsSync(parent) && !statSync(parent).isDirectory()) throw new FatalError(`cannot open the store ${config.storePath}: ${parent} is not a folder`);
        facts = emptyFacts(config);
      } else {
        const store = await openJobStore(config, { readonly: true });
        try {
          facts = await readJobFacts(store, config);
          groupware = (await collectGroupware(store)) ?? [];
        } finally {
          await store.close();
        }
        if (facts.dualRun.passes) {
          // A dual-run that died is alerted on here too (once per run; see mailshift health). The
          // alert is recorded, so this one opens for writing; the read-only open above has already
          // shown the schema is current, so nothing is migrated.
          const rw = await openJobStore(config);
          try {
            health = await dualRunReport(config, rw, { alertOn: ['stalled'] });
          } finally {
            await rw.close();
          }
        }
      }
      const view = pipelineView(facts, config);
      const configFlag = opts.config && opts.config !== './mailshift.yaml' ? ` --config ${opts.config}` : '';
      const withConfig = (c: string) => (c.startsWith('mailshift ') ? c.replace(/^(mailshift [a-z-]+(?: [a-z]+)?)/, `$1${configFlag}`) : c);
      const status: StatusJson = { schema: 1, ...facts, ...view, next: withConfig(view.next), dualRun: { ...facts.dualRun, ...(health ?? {}) }, groupware };
      if (opts.accounts) {
        const wanted = new Set(opts.accounts.split(',').map((s) => s.trim().toLowerCase()));
        status.accounts = status.accounts.filter((a) => wanted.has(a.sourceUser.toLowerCase()));
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      process.stdout.write(render(status).join('\n') + '\n');
    });
}

function render(s: StatusJson): string[] {
  const lines = [`job ${s.job} (store ${s.store})`];
  if (!s.exists) {
    lines.push('nothing done yet: no store exists for this job');
    lines.push(`next: ${s.next}`);
    return lines;
  }
  lines.push(s.running ? `running now: ${s.running.command} (pid ${s.running.pid} on ${s.running.host}, since ${s.running.acquiredAt})` : 'not running');
  lines.push('phases: ' + s.phases.map((p) => `${PHASE_LABEL[p.name] ?? p.name} ${p.done ? 'done' : p.name === s.current ? '<- now' : '-'}`).join(' | '));
  const t = s.totals;
  lines.push(
    `messages: found ${t.found}, copied ${t.copied}, to copy ${t.pending}, skipped ${t.skipped}, failed ${t.failed}, remaining ${t.remaining}` +
      (t.unlistedFolders ? ` (${t.unlistedFolders} folder(s) not listed yet)` : ''),
  );
  for (const a of s.accounts) {
    lines.push(
      `  ${a.sourceUser} -> ${a.destinationUser}: ${a.state}${a.lastError ? ` (${a.lastError})` : ''} - found ${a.found}, copied ${a.copied}${a.adopted ? ` (${a.adopted} already in the destination, adopted)` : ''}, to copy ${a.pending}, skipped ${a.skipped}, failed ${a.failed}, remaining ${a.remaining}` +
        (a.unlistedFolders ? `, ${a.unlistedFolders} folder(s) not listed yet` : ''),
    );
    for (const r of a.reasons) lines.push(`      ${r.count} ${r.state}: ${r.reason}`);
  }
  if (s.dualRun.passes) lines.push(`dual-run: ${s.dualRun.passes} pass(es), last at ${s.dualRun.lastPassAt}${s.dualRun.lastPassComplete === false ? ' (incomplete)' : ''}`);
  if (s.dualRun.health) lines.push(`dual-run: ${s.dualRun.health.state} - ${s.dualRun.health.reason}`);
  for (const g of s.groupware) {
    lines.push(`  ${g.account} ${g.kind === 'addressbook' ? 'contacts' : 'calendar'} "${g.collection}": copied ${g.copied}, destination edits kept ${g.kept}, failed ${g.failed}, in flight ${g.inFlight}`);
    for (const p of g.problems.slice(0, 20)) lines.push(`          ${p}`);
  }
  const c = s.cutover;
  if (c.planned || c.confirmedAt) {
    lines.push(
      `cutover: T ${c.confirmedAt ? `${c.confirmedAt} (confirmed)` : `${c.plannedAt} (planned)`}; ${c.propagated ? 'propagated' : 'not propagated yet'}; ${c.finalizedAt ? `finalized ${c.finalizedAt}` : 'not finalized'}${c.rolledBackAt ? `; rolled back ${c.rolledBackAt}` : ''}`,
    );
    for (const f of c.failing) lines.push(`  FAIL ${f.title}: ${f.reason}`);
    const open = c.operatorSteps.filter((x) => x.state !== 'done');
    if (c.finalizedAt && open.length) lines.push(`  yours to do (mailshift cannot): ${open.map((x) => x.title).join('; ')}`);
  }
  if (s.timeline.length) {
    lines.push('timeline:');
    const shown = s.timeline.slice(-12);
    if (s.timeline.length > shown.length) lines.push(`  … ${s.timeline.length - shown.length} earlier`);
    for (const e of shown) lines.push(`  ${e.startedAt.slice(0, 19).replace('T', ' ')}  ${e.label.padEnd(22)} ${e.outcome}`);
  }
  if (s.gate) lines.push(`waiting for you: ${s.gate.instruction}`);
  lines.push(`next: ${s.next}`);
  return lines;
}
