import type { Command } from 'commander';
import { FatalError, IncompleteError } from '../../errors.js';
import { nothingCouldBeDone, nothingDoneMessage, runSync, type SyncResult } from '../../phases/sync.js';
import type { PhaseContext } from '../../phases/context.js';
import { say, withJob, type GlobalOptions } from '../job.js';
import { sinceFromFlags } from '../since.js';

// `mailshift sync`: copy every account (or --accounts a,b) from source to destination.
// Exit 0 complete, 3 incomplete (reasons in `status`), 130 interrupted (re-run continues).
export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('copy every mailbox to the destination exactly once; safe to interrupt and run again')
    .option('--accounts <users>', 'only these source users (comma-separated)')
    .option('--dry-run', 'print the folder mapping and counts; write nothing anywhere')
    .option('--since <date>', 'copy only mail received on or after this date (e.g. 2025-01-01), newest first; the rest stays for a later run')
    .option('--max-age <age>', 'copy only mail younger than this (90d, 12w, 6m, 1y), newest first; the rest stays for a later run')
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { dryRun?: boolean; since?: string; maxAge?: string }>();
      const copySince = sinceFromFlags(opts);
      await withJob(opts, { command: opts.dryRun ? 'sync --dry-run' : 'sync', readOnly: !!opts.dryRun }, (ctx) => syncAndReport(ctx, opts, !!opts.dryRun, copySince));
    });
}

/** Runs the sync phase and prints its summary; shared with `resume`. */
export async function syncAndReport(ctx: PhaseContext, opts: GlobalOptions, dryRun: boolean, copySince?: Date): Promise<SyncResult> {
  const result = await runSync(ctx, { dryRun, copySince });
  if (opts.json) process.stdout.write(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
  if (dryRun) {
    for (const a of result.plan ?? []) {
      say(opts, `${a.user}${a.error ? `: cannot list - ${a.error}` : ''}`);
      for (const f of a.folders) {
        const m = f.mapping;
        const arrow =
          m.action === 'copy'
            ? `-> ${m.destinationLogicalPath}${m.existsOnDestination ? '' : ' (new)'}`
            : m.action === 'blocked'
              ? `BLOCKED (would be merged with "${m.collision?.with}")`
              : '(not copied)';
        say(opts, `  ${m.source.logicalPath} ${arrow}: ${m.source.status?.messages ?? 0} messages, ${f.copied} copied, ${m.action === 'copy' ? f.pending : 0} to copy`);
        for (const n of m.notes) say(opts, `      note: ${n}`);
      }
    }
    const blocked = (result.plan ?? []).flatMap((a) => a.folders.filter((f) => f.mapping.action === 'blocked').map((f) => ({ user: a.user, m: f.mapping })));
    for (const b of blocked) say(opts, `blocker: ${b.user}: "${b.m.source.logicalPath}" and "${b.m.collision?.with}" would be one destination folder; suggested rule: folders.rename: [{ from: "${b.m.collision?.rule.from}", to: "${b.m.collision?.rule.to}" }]`);
    say(opts, 'dry run: nothing was written');
    if (blocked.length) throw new IncompleteError(`sync --dry-run: ${blocked.length} folder(s) would be merged into another; add folders.rename rules (suggested above) before sync`);
    // A plan that could not see an account is not a plan for it: say so in the exit code.
    if (nothingCouldBeDone(result)) throw new FatalError(nothingDoneMessage(result, 'sync --dry-run'));
    const unseen = (result.plan ?? []).filter((a) => a.error);
    if (unseen.length) throw new IncompleteError(`dry run incomplete: ${unseen.length} account(s) could not be listed (${unseen.map((a) => a.user).join(', ')})`);
    return result;
  }
  const mib = (result.bytes / 1048576).toFixed(1);
  const rate = result.seconds > 0 ? Math.round(result.copied / result.seconds) : 0;
  say(opts, `sync: ${result.copied} messages (${mib} MiB) copied in ${result.seconds.toFixed(1)} s (${rate} msg/s); ${result.skipped} skipped, ${result.failed} failed`);
  for (const a of result.accounts) {
    if (a.state !== 'complete' || result.accounts.length <= 20) say(opts, `  ${a.user}: ${a.state}${a.error ? ` - ${a.error}` : ''} (${a.copied} copied now)`);
  }
  // An interrupt is reported by withJob (exit 130), not as "incomplete".
  if (!result.complete && !ctx.signal.aborted) {
    if (nothingCouldBeDone(result)) throw new FatalError(nothingDoneMessage(result));
    if (copySince) say(opts, `only mail received since ${copySince.toISOString().slice(0, 10)} was copied; older mail stays listed as remaining: run sync again without --since/--max-age to copy it`);
    throw new IncompleteError(`sync incomplete: ${result.accounts.filter((a) => a.state !== 'complete').length} account(s) not complete; see "mailshift status"; run sync again to continue`);
  }
  return result;
}
