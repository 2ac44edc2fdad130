import cliProgress from 'cli-progress';
import type { Logger } from '../logger.js';
import type { ProgressSink, ProgressTask } from '../phases/context.js';

const fmt = (n: number, unit: string) => (unit === 'bytes' ? `${(n / 1048576).toFixed(1)} MiB` : String(Math.round(n)));

/** Bars on a terminal (stderr, so --json stdout stays clean). */
export function terminalProgress(): ProgressSink & { close(): void } {
  // One MultiBar per stretch of work: a finished task's bar leaves the screen (a watch or a
  // dual-run that runs for days starts tasks every pass), and when the last one goes the display
  // is cleared and dropped, so the lines a command prints in between are never drawn over.
  let multi: cliProgress.MultiBar | undefined;
  let active = 0;
  // The panel: a block at the bottom, erased (cursor up, clear to the end) and drawn again.
  let panelLines: string[] = [];
  const drawPanel = (lines: string[]) => {
    if (panelLines.length) process.stderr.write(`\x1b[${panelLines.length}A\x1b[J`);
    panelLines = lines;
    if (lines.length) process.stderr.write(lines.join('\n') + '\n');
  };
  const display = () =>
    (multi ??= new cliProgress.MultiBar(
      {
        clearOnComplete: true,
        hideCursor: true,
        stream: process.stderr,
        format: ' {name} |{bar}| {percentage}% {valueText}/{totalText} {info} ETA {eta_formatted}',
        barsize: 24,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    ));
  return {
    task(name, total, unit = 'messages') {
      active++;
      const m = display();
      const bar = m.create(Math.max(total, 1), 0, { name: name.padEnd(18).slice(0, 18), valueText: '0', totalText: fmt(total, unit), info: '' });
      let value = 0;
      let stopped = false;
      const info = (i?: Record<string, string | number>) => (i ? Object.entries(i).map(([k, v]) => `${v} ${k}`).join(' ') : undefined);
      const task: ProgressTask = {
        update(done, i) {
          value = done;
          bar.update(done, { valueText: fmt(done, unit), ...(i ? { info: info(i) } : {}) });
        },
        increment(by = 1, i) {
          task.update(value + by, i);
        },
        setTotal(total) {
          bar.setTotal(Math.max(total, 1));
          bar.update(value, { totalText: fmt(total, unit) });
        },
        stop() {
          if (stopped) return;
          stopped = true;
          m.remove(bar);
          if (--active === 0 && multi === m) {
            m.stop();
            multi = undefined;
          }
        },
      };
      return task;
    },
    note(line) {
      // MultiBar.log only shows on the next redraw, which never comes without a bar.
      if (multi && active > 0) multi.log(line + '\n');
      else {
        const keep = panelLines;
        drawPanel([]);
        process.stderr.write(line + '\n');
        drawPanel(keep);
      }
    },
    panel(lines) {
      drawPanel(lines);
    },
    close() {
      drawPanel([]);
      multi?.stop();
      multi = undefined;
    },
  };
}

/** No terminal: a log line (to the job log and stderr) every `everyMs` per task. */
export function logLineProgress(log: Logger, write: (line: string) => void, everyMs = 5000): ProgressSink & { close(): void } {
  return {
    task(name, total, unit = 'messages') {
      let value = 0;
      let last = 0;
      let shown = -1;
      let stopped = false;
      const started = Date.now();
      const emit = (force = false) => {
        const t = Date.now();
        if (!force && t - last < everyMs) return;
        if (force && value === shown) return;
        last = t;
        shown = value;
        const rate = value / Math.max((t - started) / 1000, 0.001);
        const line = `${name}: ${fmt(value, unit)}/${fmt(total, unit)} ${unit} (${fmt(rate, unit)}/s)`;
        log.info({ task: name, done: value, total, unit }, 'progress');
        write(line);
      };
      return {
        update(done) {
          value = done;
          emit();
        },
        increment(by = 1) {
          value += by;
          emit();
        },
        setTotal(t) {
          total = t;
        },
        stop() {
          // One closing line per task that did something (a pass with nothing to do says nothing).
          if (stopped) return;
          stopped = true;
          if (value > 0) emit(true);
        },
      };
    },
    note(line) {
      log.info(line);
      write(line);
    },
    close() {},
  };
}
