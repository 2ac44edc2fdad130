import type { Command } from 'commander';
import { registerAdoption } from './adoption.js';
import { registerAssess } from './assess.js';
import { registerAuth } from './auth.js';
import { registerCutover } from './cutover.js';
import { registerDemo } from './demo.js';
import { registerDualRun } from './dual-run.js';
import { registerGroupware } from './groupware.js';
import { registerHealth } from './health.js';
import { registerInit } from './init.js';
import { registerKit } from './kit.js';
import { registerReport } from './report.js';
import { registerResume } from './resume.js';
import { registerRun } from './run.js';
import { registerServe } from './serve.js';
import { registerStatus } from './status.js';
import { registerStore } from './store.js';
import { registerSync } from './sync.js';
import { registerVerify } from './verify.js';

// Every command module registers itself here, in the order `--help` lists them: the phases in
// the order a migration runs, then the job-level commands.
export function registerCommands(program: Command): void {
  registerInit(program);
  registerAuth(program);
  registerAssess(program);
  registerSync(program);
  registerGroupware(program);
  registerDualRun(program);
  registerCutover(program);
  registerKit(program);
  registerVerify(program);
  registerStatus(program);
  registerHealth(program);
  registerRun(program);
  registerResume(program);
  registerReport(program);
  registerStore(program);
  registerServe(program);
  registerAdoption(program);
  registerDemo(program);
}
