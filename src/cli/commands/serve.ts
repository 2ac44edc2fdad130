import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { InputError, InterruptedError } from '../../errors.js';
import { LANGS, parseLangs, pickLang } from '../../i18n/index.js';
import { say, type GlobalOptions } from '../job.js';
import { notYetOnPostgres } from '../../store/postgres/target.js';

// `mailshift serve`: the live, read-only dashboard. No lock (it only reads the store), so it
// runs beside sync, dual-run and cutover. Stops on Ctrl-C (exit 130 like every command).

/** "127.0.0.1:8080", "0.0.0.0:8080", "[::1]:8080" or ":8080" (all interfaces). */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError(`--listen: expected HOST:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080, got "${v}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('live read-only dashboard of the job in a browser (phases, progress, dual run, checklist, audit trail)')
    .option('--listen <host:port>', 'address to listen on; use 0.0.0.0:PORT to share it on the office network', '127.0.0.1:8080')
    .option('--lang <lang>', `language of the page (${LANGS.join(', ')}; default: kit.languages[0], else LANG)`)
    .option('--interval <ms>', 'how often the store is read for live updates, in milliseconds', '1000')
    .action(async (o: { listen: string; lang?: string; interval: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const config = loadConfig(opts.config);
      // The dashboard polls the store synchronously (a read-only SQLite file): not yet on PostgreSQL.
      if (config.postgresStore) throw notYetOnPostgres(config.storePath, 'serve');
      const { host, port } = parseListen(o.listen);
      const intervalMs = Number(o.interval);
      if (!Number.isInteger(intervalMs) || intervalMs < 100 || intervalMs > 60_000) throw new InputError(`--interval: expected milliseconds from 100 to 60000, got "${o.interval}"`);
      const lang = o.lang !== undefined ? parseLangs(o.lang)[0]! : pickLang(undefined, config);
      const { startDashboard } = await import('../../dashboard/server.js');
      const dash = await startDashboard(config, { host, port, lang, intervalMs });
      if (opts.json) process.stdout.write(JSON.stringify({ url: dash.url }) + '\n');
      else {
        say(opts, `dashboard for ${config.company}: ${dash.url}`);
        say(opts, '  read-only; anyone with this address (it holds the access token) can view it. Ctrl-C stops it.');
        if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') say(opts, `  listening on ${host}: reachable from the network, without TLS`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await dash.close();
      throw new InterruptedError('dashboard stopped');
    });
}
