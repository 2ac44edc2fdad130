import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/cli/commands/index.js';
import { runCli } from '../support/cli.js';

// The CLI loads only the module of the command it runs. What a user sees must not depend on it:
// `mailshift X --help` (only X registered) is the same text as `mailshift help X` (all registered),
// and the program's help, unknown-command answer and program options work as before.
describe('lazily loaded commands', () => {
  it('each command prints the same help whether it alone or every command is registered', async () => {
    for (const name of COMMAND_NAMES) {
      const [alone, all] = await Promise.all([runCli([name, '--help']), runCli(['help', name])]);
      expect(alone.code, name).toBe(0);
      expect(all.code, name).toBe(0);
      expect(alone.stdout, name).toBe(all.stdout);
      expect(alone.stdout, name).toContain(`Usage: mailshift ${name} [options]`);
    }
  }, 180_000);

  it('--help lists every command in order; --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    const listed = help.stdout.split('Commands:')[1]!.split('\n').filter((l) => /^  \S/.test(l)).map((l) => l.trim().split(/\s/)[0]).filter((w) => w !== 'help');
    expect(listed).toEqual([...COMMAND_NAMES]);
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('an unknown command still gets its suggestion and exit 2', async () => {
    const r = await runCli(['synk']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'synk'");
    expect(r.stderr).toContain('Did you mean sync?');
  });

  it('program options before the command reach it, and its unknown options are refused', async () => {
    const before = await runCli(['--config', '/nonexistent/mailshift.yaml', '--json', 'status']);
    const after = await runCli(['status', '--config', '/nonexistent/mailshift.yaml', '--json']);
    expect(before.code).toBe(2);
    expect(before.stderr).toBe(after.stderr);
    expect(before.stderr).toContain('/nonexistent/mailshift.yaml');
    const bad = await runCli(['sync', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: unknown option '--bogus'");
  });
});
