import { escapeHtml, escapeMd } from './text.js';

// One document model, two renderings: a self-contained HTML page that prints on A4, and
// Markdown. Texts arrive filled; the renderers do all escaping.

export type Block =
  | { kind: 'p'; text: string; className?: string }
  | { kind: 'ul' | 'ol'; items: string[] }
  | { kind: 'table'; head?: string[]; rows: string[][]; className?: string }
  | { kind: 'h3'; text: string }
  | { kind: 'qa'; q: string; a: string }
  /** An inline image (data: URL, so the page stays self-contained), e.g. a QR code. */
  | { kind: 'img'; src: string; alt: string; caption: string; file?: string };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
  /** Keep the section on one printed page when it fits. */
  keepTogether?: boolean;
}

export interface Doc {
  htmlLang: string;
  fontStack: string;
  title: string;
  subtitle?: string;
  sections: Section[];
  langLinks: { href: string; label: string }[];
  langLinksLabel: string;
  footer: string;
}

const CSS = `
@page { size: A4; margin: 15mm 14mm 16mm; }
* { box-sizing: border-box; }
html { font-size: 10.5pt; line-height: 1.5; color: #1b1b1b; background: #fff; }
body { margin: 0 auto; max-width: 182mm; padding: 10mm 6mm; font-family: FONTS; }
header { border-bottom: 2pt solid #1f5f99; margin-bottom: 6mm; padding-bottom: 3mm; }
h1 { font-size: 19pt; margin: 0 0 2mm; color: #123e66; line-height: 1.25; }
.subtitle { font-size: 12pt; margin: 0; color: #333; }
h2 { font-size: 13.5pt; color: #123e66; margin: 7mm 0 2mm; border-bottom: 0.5pt solid #c8d6e5; padding-bottom: 1mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p { margin: 1.5mm 0; }
ol, ul { margin: 1mm 0 2mm; padding-left: 7mm; }
li { margin: 0.6mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; break-inside: avoid; }
th, td { border: 0.5pt solid #9fb3c8; padding: 1.2mm 2mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eaf1f8; font-weight: 600; }
table.settings td:first-child { white-space: nowrap; width: 1%; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.note { background: #fff7e0; border-left: 2pt solid #e0a800; padding: 1.5mm 3mm; }
.qa { break-inside: avoid; margin: 2mm 0; }
.qa .q { font-weight: 600; margin-bottom: 0.5mm; }
.keep { break-inside: avoid; }
figure.qr { margin: 2mm 0; display: flex; gap: 4mm; align-items: center; break-inside: avoid; }
figure.qr img { width: 36mm; height: 36mm; image-rendering: pixelated; }
nav.langs { font-size: 9pt; color: #555; margin-bottom: 3mm; }
nav.langs a { margin-right: 3mm; color: #1f5f99; }
footer { margin-top: 8mm; font-size: 8.5pt; color: #666; border-top: 0.5pt solid #ccc; padding-top: 2mm; }
@media print {
  body { padding: 0; max-width: none; }
  nav.langs { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid-page; }
}
`;

export function renderHtml(doc: Doc): string {
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push(`<html lang="${escapeHtml(doc.htmlLang)}">`);
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escapeHtml(doc.title)}</title>`);
  out.push(`<style>${CSS.replace('FONTS', doc.fontStack)}</style>`);
  out.push('</head>');
  out.push('<body>');
  if (doc.langLinks.length) {
    out.push(
      `<nav class="langs">${escapeHtml(doc.langLinksLabel)}: ${doc.langLinks.map((l) => `<a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a>`).join(' ')}</nav>`,
    );
  }
  out.push('<header>');
  out.push(`<h1>${escapeHtml(doc.title)}</h1>`);
  if (doc.subtitle) out.push(`<p class="subtitle">${escapeHtml(doc.subtitle)}</p>`);
  out.push('</header>');
  for (const s of doc.sections) {
    out.push(`<section id="${escapeHtml(s.id)}"${s.keepTogether ? ' class="keep"' : ''}>`);
    out.push(`<h2>${escapeHtml(s.title)}</h2>`);
    for (const b of s.blocks) out.push(blockHtml(b));
    out.push('</section>');
  }
  out.push(`<footer>${escapeHtml(doc.footer)}</footer>`);
  out.push('</body>');
  out.push('</html>');
  return out.join('\n') + '\n';
}

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'p':
      return `<p${b.className ? ` class="${b.className}"` : ''}>${escapeHtml(b.text)}</p>`;
    case 'h3':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'ul':
    case 'ol':
      return `<${b.kind}>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</${b.kind}>`;
    case 'qa':
      return `<div class="qa"><p class="q">${escapeHtml(b.q)}</p><p class="a">${escapeHtml(b.a)}</p></div>`;
    case 'img':
      return `<figure class="qr"><img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.alt)}" width="160" height="160"><figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    case 'table': {
      const numeric = (i: number) => b.rows.length > 0 && b.rows.every((r) => /^[\d,.]+$/.test(r[i] ?? ''));
      const cls = (i: number) => (numeric(i) ? ' class="num"' : '');
      const head = b.head ? `<thead><tr>${b.head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
      const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
      return `<table${b.className ? ` class="${b.className}"` : ''}>${head}<tbody>${rows}</tbody></table>`;
    }
  }
}

export function renderMarkdown(doc: Doc): string {
  const out: string[] = [`# ${escapeMd(doc.title)}`, ''];
  if (doc.subtitle) out.push(escapeMd(doc.subtitle), '');
  for (const s of doc.sections) {
    out.push(`## ${escapeMd(s.title)}`, '');
    for (const b of s.blocks) out.push(blockMd(b), '');
  }
  out.push('---', '', escapeMd(doc.footer), '');
  return out.join('\n');
}

function blockMd(b: Block): string {
  switch (b.kind) {
    case 'p':
      return b.className === 'note' ? `> ${escapeMd(b.text)}` : escapeMd(b.text);
    case 'h3':
      return `### ${escapeMd(b.text)}`;
    case 'ul':
      return b.items.map((i) => `- ${escapeMd(i)}`).join('\n');
    case 'ol':
      return b.items.map((i, n) => `${n + 1}. ${escapeMd(i)}`).join('\n');
    case 'qa':
      return `**${escapeMd(b.q)}**\n\n${escapeMd(b.a)}`;
    case 'img':
      return b.file ? `![${escapeMd(b.alt)}](${b.file})\n\n${escapeMd(b.caption)}` : escapeMd(b.caption);
    case 'table': {
      const width = Math.max(b.head?.length ?? 0, ...b.rows.map((r) => r.length));
      const head = b.head ?? Array.from({ length: width }, () => ' ');
      const line = (cells: string[]) => `| ${cells.map((c) => escapeMd(c).replace(/\n/g, ' ')).join(' | ')} |`;
      return [line(head), `|${' --- |'.repeat(width)}`, ...b.rows.map(line)].join('\n');
    }
  }
}
