// A tiny XML writer: elements, attributes and text, always escaped. Enough for the
// autoconfig/autodiscover files and the Apple property list, without a dependency.

export interface XmlNode {
  name: string;
  attrs?: Record<string, string>;
  children?: (XmlNode | string)[];
}

export const el = (name: string, attrs: Record<string, string> | undefined, ...children: (XmlNode | string | undefined | false)[]): XmlNode => ({
  name,
  attrs,
  children: children.filter((c): c is XmlNode | string => c !== undefined && c !== false),
});

// XML 1.0 forbids most control characters even when escaped: drop them.
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(s: string): string {
  return s.replace(INVALID, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Serialises with two-space indentation; an element with only text stays on one line. */
export function renderXml(root: XmlNode, opts: { declaration?: boolean; doctype?: string } = {}): string {
  const out: string[] = [];
  if (opts.declaration !== false) out.push('<?xml version="1.0" encoding="UTF-8"?>');
  if (opts.doctype) out.push(opts.doctype);
  write(root, 0, out);
  return out.join('\n') + '\n';
}

function write(node: XmlNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  const kids = node.children ?? [];
  if (kids.length === 0) {
    out.push(`${pad}<${node.name}${attrs}/>`);
  } else if (kids.every((k) => typeof k === 'string')) {
    out.push(`${pad}<${node.name}${attrs}>${kids.map((k) => escapeXml(k as string)).join('')}</${node.name}>`);
  } else {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const k of kids) {
      if (typeof k === 'string') out.push(`${pad}  ${escapeXml(k)}`);
      else write(k, depth + 1, out);
    }
    out.push(`${pad}</${node.name}>`);
  }
}
