import { VERSION } from '../version.js';
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { EXIT } from '../errors.js';
import { commandOf, registerCommands } from './commands/index.js';
import { exitCodeFor } from './exit.js';


/**
 * The program with its commands: all of them, or with `argv` only the command it runs (the
 * others' modules are not loaded). `--version` alone needs none.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name('mailshift')
    .description('Move a company\'s mailboxes from one provider to another with no lost, delayed or duplicated mail.\n' +
      'Phases: assess -> sync -> dual-run -> cutover -> kit. Every phase is resumable and safe to run again.')
    .version(VERSION)
    .option('-c, --config <file>', 'job config (YAML or JSON)', './mailshift.yaml')
    .option('--json', 'machine-readable output on stdout')
    .option('--no-progress', 'no progress bars (they are off anyway when output is not a terminal)')
    .option('--accounts <users>', 'only these source users (comma-separated), for every command that works on accounts')
    .addOption(new Option('--log-level <level>', 'job log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .showHelpAfterError('(run "mailshift --help" for usage)')
    .exitOverride();
  const only = argv ? commandOf(argv) : undefined;
  const versionOnly = argv !== undefined && argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V');
  if (!versionOnly) await registerCommands(program, only);
  // Subcommands inherit the global options and exitOverride.
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Runs the CLI and returns the exit code (bin/mailshift.js sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return exitCodeFor(err, (line) => process.stderr.write(line + '\n'));
  }
}
