import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

// In WAL mode SQLite checkpoints (copies the WAL into the database file, fsyncing both) inside
// whichever COMMIT crosses wal_autocheckpoint pages: on the main thread, so a copy's event loop
// stalls there (measured: stalls up to 90 ms, about 0.5 s per 20,000 messages on this machine's
// disk). Once a store starts copying, a worker thread with its own connection runs PASSIVE
// checkpoints instead and the main connection's autocheckpoint is off. It is SQLite's own
// checkpoint with the same fsyncs (synchronous=NORMAL), so what is durable when does not change:
// only the thread that waits for the disk.

const EVERY_MS = 200;
/** How long close() waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 2000;
/** SQLite's default, restored if the worker cannot run. */
const AUTOCHECKPOINT_PAGES = 1000;

// CommonJS, run with eval: the same code from src/ (tests) and dist/.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
const signal = (v) => { Atomics.store(flag, 0, v); Atomics.notify(flag, 0); };
let db;
try {
  const Database = require(workerData.lib);
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  // A checkpoint copies WAL frames to the file; it needs next to no page cache.
  db.pragma('cache_size = -256');
} catch (err) {
  signal(2);
  throw err;
}
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    if (err.code !== 'SQLITE_BUSY' && err.code !== 'SQLITE_LOCKED') throw err;
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  try { db.close(); } finally { signal(1); parentPort.close(); }
});
`;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #flag = new Int32Array(new SharedArrayBuffer(4));
  #closed = false;

  private constructor(db: Database.Database, path: string) {
    const lib = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER, {
      eval: true,
      workerData: { lib, path, everyMs: EVERY_MS, flag: this.#flag.buffer },
      // Small heaps: the worker only runs one PRAGMA on a timer (peak RSS is budgeted, issue 10).
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    });
    this.#worker.unref();
    // A worker that cannot run (or fails later) gives checkpoints back to the main connection.
    this.#worker.on('error', () => {
      this.#closed = true;
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    });
    db.pragma('wal_autocheckpoint = 0');
  }

  static start(db: Database.Database, path: string): WalCheckpointer | undefined {
    try {
      return new WalCheckpointer(db, path);
    } catch {
      return undefined; // no worker threads: SQLite's autocheckpoint stays on
    }
  }

  /**
   * Waits (bounded) until the worker has closed its connection, so that the main connection is
   * the last one and, closing, checkpoints and removes the WAL as it did before.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.postMessage('close');
    Atomics.wait(this.#flag, 0, 0, CLOSE_WAIT_MS);
    void this.#worker.terminate().catch(() => undefined);
  }
}
