// The live terminal view of a running dual-run: one row per account and a countdown to the next
// pass, redrawn in place (instead of a progress bar that would sit at 50% for five minutes).

export interface AccountRow {
  user: string;
  lastPass?: string;
  copied: number;
  moved: number;
  flags: number;
  deletions: number;
  errors: number;
  lagSeconds?: number;
}

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
const num = (n: number, w: number) => String(n).padStart(w);
const dur = (s: number) => (s < 60 ? `${Math.round(s)}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`);

export function renderTable(rows: AccountRow[], status: { pass: number; running: boolean; nextInSeconds?: number; health?: string }): string[] {
  const w = Math.min(32, Math.max(7, ...rows.map((r) => r.user.length)));
  const head = `${pad('account', w)}  last pass  new  moved  flags  deleted  errors  lag`;
  const lines = [head, '-'.repeat(head.length)];
  for (const r of rows) {
    lines.push(
      `${pad(r.user, w)}  ${pad(r.lastPass ?? '-', 9)}  ${num(r.copied, 3)}  ${num(r.moved, 5)}  ${num(r.flags, 5)}  ${num(r.deletions, 7)}  ${num(r.errors, 6)}  ${r.lagSeconds === undefined ? '-' : dur(r.lagSeconds)}`,
    );
  }
  const tail = status.running ? `pass ${status.pass} running…` : `pass ${status.pass} done; next pass in ${dur(Math.max(0, status.nextInSeconds ?? 0))}`;
  lines.push(`${tail}${status.health ? ` · ${status.health}` : ''} · Ctrl-C stops after the pass in flight`);
  return lines;
}
