import { join } from 'node:path';
import { collectReport } from '../report/collect.js';
import type { ReportData } from '../report/model.js';
import { writeReport, type WrittenReport } from '../report/write.js';
import { pickLang, type Lang } from '../i18n/index.js';
import type { PhaseContext } from './context.js';

export interface ReportOptions {
  /** Where report.html/.md/.json go; default: "report" beside the config file. */
  outDir?: string;
  /** Language of report.html/.md; default: the config's kit.languages[0], else LANG. */
  lang?: Lang;
}

/** Builds the migration report from the store alone (no server is contacted) and writes it. */
export async function runReport(ctx: PhaseContext, opts: ReportOptions = {}): Promise<{ data: ReportData; files: WrittenReport }> {
  const data = await collectReport(ctx.config, ctx.store);
  const files = writeReport(data, opts.outDir ?? defaultReportDir(ctx.config.configDir), {
    lang: opts.lang ?? pickLang(undefined, ctx.config),
    timeZone: ctx.config.timezone,
  });
  ctx.log.info({ dir: files.dir }, 'report written');
  return { data, files };
}

export const defaultReportDir = (configDir: string) => join(configDir, 'report');
