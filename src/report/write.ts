import { join } from 'node:path';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import type { ReportData } from './model.js';
import { ensureDir } from '../files/ensure-dir.js';
import { writePrivate } from '../files/write-private.js';

export interface WrittenReport {
  dir: string;
  html: string;
  markdown: string;
  json: string;
}

/** Writes report.html, report.md and report.json into `dir` (each via a temp file, so a reader never sees half a file). */
export function writeReport(data: ReportData, dir: string): WrittenReport {
  ensureDir(dir);
  const files = { html: join(dir, 'report.html'), markdown: join(dir, 'report.md'), json: join(dir, 'report.json') };
  const put = writePrivate;
  put(files.html, renderHtml(data));
  put(files.markdown, renderMarkdown(data));
  put(files.json, JSON.stringify(data, null, 2) + '\n');
  return { dir, ...files };
}
