// Small text helpers shared by the kit's renderers.

export type Vars = Readonly<Record<string, string>>;

/**
 * Fills {name} placeholders. A placeholder without a value throws: an unfilled "{date}" in a
 * printed guide is a bug, and the catalogue test relies on this to catch it.
 */
export function fill(template: string, vars: Vars): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`kit text: no value for {${name}} in "${template.slice(0, 60)}"`);
    return v;
  });
}

/** The {placeholders} a template uses (for the catalogue test). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]!).sort();
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escapes the characters that would start Markdown syntax (or an HTML tag) inside running text. */
export function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<|#])/g, '\\$1');
}

/** A file-system-safe name for an e-mail address (no path separators, no leading dot). */
export function safeFileName(address: string): string {
  const s = address.trim().toLowerCase().replace(/[^a-z0-9._@+-]/g, '_');
  return s.replace(/^\.+/, '_') || '_';
}
