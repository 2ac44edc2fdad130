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

/**
 * Values a job may not have yet (no switch date, no webmail, no training time). A text that
 * needs one of them is left out, or replaced by its own wording without it, rather than
 * filled with a fallback phrase.
 */
export const OPTIONAL_VARS = new Set(['date', 'webmail', 'training']);

/** fill(), or undefined when the template needs an optional value this job does not have. */
export function fillOpt(template: string, vars: Vars): string | undefined {
  for (const name of placeholders(template)) {
    if (vars[name] === undefined && OPTIONAL_VARS.has(name)) return undefined;
  }
  return fill(template, vars);
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
