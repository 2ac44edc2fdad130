import { join } from 'node:path';
import { collectReport } from '../report/collect.js';
import type { ReportData } from '../report/model.js';
import { writeReport, type WrittenReport } from '../report/write.js';
import type { PhaseContext } from './context.js';

export interface ReportOptions {
  /** Where report.html/.md/.json go; default: "report" beside the config file. */
  outDir?: string;
}

/** Builds the migration report from the store alone (no server is contacted) and writes it. */
export async function runReport(ctx: PhaseContext, opts: ReportOptions = {}): Promise<{ data: ReportData; files: WrittenReport }> {
  const data = collectReport(ctx.config, ctx.store);
  const files = writeReport(data, opts.outDir ?? defaultReportDir(ctx.config.configDir));
  ctx.log.info({ dir: files.dir }, 'report written');
  return { data, files };
}

export const defaultReportDir = (configDir: string) => join(configDir, 'report');
