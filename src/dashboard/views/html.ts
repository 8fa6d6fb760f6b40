/**
 * Server-rendered HTML for the dashboard, escaped by construction: `html` is a tagged template
 * whose interpolations are escaped unless they are SafeHtml (another `html` result). The
 * Telegram escaper (src/telegram/rendering/html.ts) escapes only & < >, which is enough for
 * Telegram's parser but not for an attribute: this one escapes quotes too.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes & < > " ' for text and for (quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new SafeHtml(out);
}

/** Text already known to be HTML (a library's output, a constant). */
export const raw = (text: string): SafeHtml => new SafeHtml(text);

/** JSON for an attribute value (html escapes it; the browser unescapes it before JSON.parse). */
export const jsonAttr = (value: unknown): string => JSON.stringify(value);
