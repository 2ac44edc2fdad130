import type { VerifyResult } from './result.js';

/**
 * The human answer of `mailshift verify`: one line of totals, then the first differences, fitting
 * one screen (about 24 lines). The full list is in the store, `--json` and the report.
 */
export function formatVerifySummary(r: VerifyResult, maxLines = 16): string[] {
  const t = r.totals;
  const lines: string[] = [];
  const kind = r.deep ? 'deep verify (bytes, flags, dates)' : 'verify (identities, dates)';
  lines.push(
    `${kind}: ${t.accounts} account(s), ${t.folders} folder(s); source ${t.sourceMessages} messages, destination ${t.destinationMessages}; ` +
      `matched ${t.matched}, missing ${t.missing}, duplicated ${t.duplicated}, altered ${t.altered}, extra ${t.extra}` +
      (t.errors ? `, not compared ${t.errors}` : ''),
  );
  const refused = r.folders.flatMap((f) => f.refusedFlags.map((x) => `${x.flag} (${x.messages} in ${f.account} ${f.sourcePath})`));
  if (refused.length) lines.push(`flags the destination does not store (not errors): ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', …' : ''}`);
  if (r.outcome === 'interrupted') lines.push('interrupted before every folder was compared; run verify again.');
  if (r.clean) {
    lines.push('OK: every source message is in the destination exactly once' + (r.deep ? ', byte for byte, with its flags and date.' : ' with its date.'));
    return lines;
  }
  const rows: string[] = [];
  for (const f of r.folders) {
    if (f.error) rows.push(`  NOT COMPARED ${f.account} ${f.sourcePath}: ${f.error}`);
    for (const d of f.differences) {
      if (d.kind === 'extra') continue;
      const uids = [d.srcUid !== undefined ? `source UID ${d.srcUid}` : '', d.dstUid !== undefined ? `destination UID ${d.dstUid}` : ''].filter(Boolean).join(', ');
      rows.push(`  ${d.kind.toUpperCase().padEnd(10)} ${f.account} ${f.sourcePath} -> ${f.destinationPath}: ${d.messageId ?? '(no Message-ID)'}${d.subject ? ` "${d.subject}"` : ''} [${uids}] ${d.detail}`);
    }
  }
  const extras = t.extra ? [`  (${t.extra} message(s) only in the destination, e.g. new mail there; not an error)`] : [];
  lines.push(`DIFFERENCES (${rows.length > maxLines ? `first ${maxLines} of ${rows.length}` : rows.length}):`, ...rows.slice(0, maxLines), ...extras);
  lines.push('The full list: mailshift verify --json, or mailshift report. Re-run sync to copy what is missing, then verify again.');
  return lines;
}
