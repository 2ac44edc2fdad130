import { el, renderXml, type XmlNode } from './xml.js';

// Apple XML property lists (the format of a .mobileconfig), built on the escaped XML writer.

export type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

export function renderPlist(value: PlistValue): string {
  return renderXml(el('plist', { version: '1.0' }, toNode(value)), {
    doctype: '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
  });
}

function toNode(v: PlistValue): XmlNode {
  if (typeof v === 'string') return el('string', undefined, v);
  if (typeof v === 'boolean') return el(v ? 'true' : 'false', undefined);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error('plist: only integers are used by the kit');
    return el('integer', undefined, String(v));
  }
  if (Array.isArray(v)) return el('array', undefined, ...v.map(toNode));
  const kids: XmlNode[] = [];
  for (const [k, val] of Object.entries(v)) kids.push(el('key', undefined, k), toNode(val));
  return el('dict', undefined, ...kids);
}
