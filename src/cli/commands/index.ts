import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerStatus } from './status.js';

// Every command module registers itself here; one line per command.
export function registerCommands(program: Command): void {
  registerInit(program);
  registerStatus(program);
}
