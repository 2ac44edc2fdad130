import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commandOf } from '../../src/cli/commands/index.js';

// Which command an argv runs decides which command module is loaded; anything unclear loads all.
describe('commandOf', () => {
  const argv = (...a: string[]) => ['node', 'mailshift', ...a];
  it('finds the command after program options and their values', () => {
    expect(commandOf(argv('sync'))).toBe('sync');
    expect(commandOf(argv('--config', 'job.yaml', '--json', 'dual-run', '--once'))).toBe('dual-run');
    expect(commandOf(argv('-c', 'status', 'status'))).toBe('status');
    expect(commandOf(argv('--accounts', 'sync', '--log-level', 'debug', 'verify'))).toBe('verify');
    expect(commandOf(argv('--config=job.yaml', '--no-progress', 'cutover', 'plan'))).toBe('cutover');
  });
  it('is undefined (register everything) for no command, help, unknown words and --', () => {
    expect(commandOf(argv())).toBeUndefined();
    expect(commandOf(argv('--help'))).toBeUndefined();
    expect(commandOf(argv('help', 'sync'))).toBeUndefined();
    expect(commandOf(argv('synk'))).toBeUndefined();
    expect(commandOf(argv('--', 'sync'))).toBeUndefined();
    expect(commandOf(argv('--config'))).toBeUndefined();
  });
  it('knows every command of --help, in its order', () => {
    expect(COMMAND_NAMES).toEqual(['init', 'auth', 'assess', 'sync', 'groupware', 'dual-run', 'cutover', 'kit', 'verify', 'status', 'health', 'run', 'resume', 'report', 'store', 'serve', 'adoption', 'demo']);
  });
});
