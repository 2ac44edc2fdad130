import type { Command } from 'commander';

type Register = (program: Command) => void;

// Every command module, in the order `--help` lists them: the phases in the order a migration
// runs, then the job-level commands. Each is imported only when needed: `mailshift sync` loads
// the sync command's modules and not the wizard, the demo, the kit or the groupware clients
// (start-up time and baseline memory of every short command, e.g. a no-change re-run).
const COMMANDS: readonly (readonly [name: string, load: () => Promise<Register>])[] = [
  ['init', () => import('./init.js').then((m) => m.registerInit)],
  ['auth', () => import('./auth.js').then((m) => m.registerAuth)],
  ['assess', () => import('./assess.js').then((m) => m.registerAssess)],
  ['sync', () => import('./sync.js').then((m) => m.registerSync)],
  ['groupware', () => import('./groupware.js').then((m) => m.registerGroupware)],
  ['dual-run', () => import('./dual-run.js').then((m) => m.registerDualRun)],
  ['cutover', () => import('./cutover.js').then((m) => m.registerCutover)],
  ['kit', () => import('./kit.js').then((m) => m.registerKit)],
  ['verify', () => import('./verify.js').then((m) => m.registerVerify)],
  ['status', () => import('./status.js').then((m) => m.registerStatus)],
  ['health', () => import('./health.js').then((m) => m.registerHealth)],
  ['run', () => import('./run.js').then((m) => m.registerRun)],
  ['resume', () => import('./resume.js').then((m) => m.registerResume)],
  ['report', () => import('./report.js').then((m) => m.registerReport)],
  ['store', () => import('./store.js').then((m) => m.registerStore)],
  ['serve', () => import('./serve.js').then((m) => m.registerServe)],
  ['adoption', () => import('./adoption.js').then((m) => m.registerAdoption)],
  ['demo', () => import('./demo.js').then((m) => m.registerDemo)],
];

/** Names of the commands, in `--help` order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([n]) => n);

// Program options that take a value (so the word after them is not the command's name).
const VALUE_OPTIONS = new Set(['-c', '--config', '--accounts', '--log-level']);

/**
 * The command an argv runs, when that can be told without commander: the first word that is not
 * a program option or its value. Undefined for no command, `help`, an unknown word or `--`: then
 * every command is registered, so help, "unknown command" and its suggestions stay as they are.
 */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return COMMAND_NAMES.includes(a) ? a : undefined;
  }
  return undefined;
}

/**
 * Registers the commands: only `only` when given (the one this invocation runs), else all. The
 * registered commands are the same objects either way, so a command's options, help and errors
 * do not depend on which path registered it.
 */
export async function registerCommands(program: Command, only?: string): Promise<void> {
  const chosen = only === undefined ? COMMANDS : COMMANDS.filter(([n]) => n === only);
  const registers = await Promise.all(chosen.map(([, load]) => load()));
  for (const register of registers) register(program);
}
