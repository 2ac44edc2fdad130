// Small helpers shared by the HTML and Markdown renderers. Numbers, sizes and dates are
// formatted by Fmt (src/i18n/format.ts) in the report's language and time zone.

export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Escapes a Markdown table cell. */
export const md = (s: unknown): string => String(s ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
