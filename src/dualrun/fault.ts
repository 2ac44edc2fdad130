// Crash injection for the exactly-once tests: MAILSHIFT_FAULT=<point>:<n> kills this process
// with SIGKILL the n-th time <point> is reached (e.g. "dualrun-after-move:2": a move applied on
// the server, not yet recorded). Unset in normal use; it only ever ends the process.
const counts = new Map<string, number>();

export function faultPoint(point: string): void {
  const spec = process.env.MAILSHIFT_FAULT;
  if (!spec) return;
  const [name, n] = spec.split(':');
  if (name !== point) return;
  const c = (counts.get(point) ?? 0) + 1;
  counts.set(point, c);
  if (c === Number(n ?? 1)) process.kill(process.pid, 'SIGKILL');
}
