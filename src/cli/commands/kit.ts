import type { Command } from 'commander';
import { accountsFor } from '../../config/accounts.js';
import { loadConfig } from '../../config/load.js';
import { LANGS, parseLangs } from '../../kit/catalogue/index.js';
import { say, warn, type GlobalOptions } from '../job.js';
import { outDir } from '../out-dir.js';

// `mailshift kit`: the staff training kit. Needs no password and no lock: it reads the config,
// the accounts' addresses and (read-only) the store, and writes into the output folder.
export function registerKit(program: Command): void {
  program
    .command('kit')
    .description('staff training kit: guide, personal sheets, client auto-configuration, DNS records, announcement e-mails')
    .option('--out <dir>', 'output folder (default: kit.out, else <job>-kit next to the config)', outDir)
    .option('--lang <list>', `languages, comma-separated (${LANGS.join(', ')}; default: all)`)
    .action(async (_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions & { out?: string; lang?: string }>();
      const config = loadConfig(opts.config);
      const languages = opts.lang !== undefined ? parseLangs(opts.lang) : undefined;
      const accounts = accountsFor(config, { resolveSecrets: false });
      // Loaded here: nothing else in the CLI needs the kit's renderers.
      const { generateKit, defaultKitDir } = await import('../../phases/kit.js');
      const result = await generateKit({ config, accounts }, opts.out ?? defaultKitDir(config), { languages, pdf: true });
      if (opts.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        return;
      }
      say(opts, `kit for ${config.company}: ${result.files.length} files in ${result.outDir}`);
      say(opts, `  languages ${result.languages.join(', ')}; ${result.people} people; folder lists ${result.synced ? 'from the last sync' : 'not yet (no sync has run)'}`);
      say(opts, '  start with README.md; DNS records to publish: dns-records.md');
      for (const w of result.warnings) warn(`mailshift kit: ${w}`);
    });
}
