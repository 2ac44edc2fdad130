import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface Served {
  /** The URL `serve` printed, token included. */
  url: string;
  stop(): Promise<void>;
}

/** `mailshift serve` on an ephemeral loopback port, polling the store every `intervalMs`. */
export async function startServe(config: string, opts: { intervalMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--interval', String(opts.intervalMs ?? 200)], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) (clearTimeout(t), resolve(m[1]!));
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
