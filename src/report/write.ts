import { join } from 'node:path';
import { i18n, type Lang } from '../i18n/index.js';
import { systemTimeZone } from '../i18n/format.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportData } from './model.js';
import { ensureDir } from '../files/ensure-dir.js';
import { writePrivate } from '../files/write-private.js';

export interface WrittenReport {
  dir: string;
  lang: Lang;
  html: string;
  markdown: string;
  json: string;
}

export interface WriteReportOptions {
  lang?: Lang;
  /** IANA zone for every date shown (the job's `timezone:`). */
  timeZone?: string;
}

/** Writes report.html, report.md and report.json into `dir` (each via a temp file, so a reader never sees half a file). */
export function writeReport(data: ReportData, dir: string, opts: WriteReportOptions = {}): WrittenReport {
  const lang = opts.lang ?? 'en';
  const I = i18n(lang, opts.timeZone ?? systemTimeZone());
  ensureDir(dir);
  const files = { html: join(dir, 'report.html'), markdown: join(dir, 'report.md'), json: join(dir, 'report.json') };
  const put = writePrivate;
  put(files.html, renderHtml(data, I));
  put(files.markdown, renderMarkdown(data, I));
  put(files.json, JSON.stringify(data, null, 2) + '\n');
  return { dir, lang, ...files };
}
