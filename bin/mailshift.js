#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (built by `npm run build`, run by `prepare`).
import { main } from '../dist/cli/main.js';

let finished = false;
// If the event loop empties while a command is still awaiting something (a promise nothing will
// ever settle), Node would exit 0 silently. Exit 0 must mean complete, so say so and fail.
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.stderr.write('mailshift: stopped before the command finished (nothing was left to wait on); run the same command again to continue, and see the job log\n');
  process.exitCode = 1;
});

main(process.argv).then((code) => {
  finished = true;
  process.exitCode = code;
});
