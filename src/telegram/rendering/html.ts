/**
 * Telegram HTML (parse_mode "HTML") helpers. Every piece of dynamic text (task titles, Claude's
 * output, error messages, file names) goes through escapeHtml: an unescaped `<` or `&` makes
 * Telegram refuse the whole message ("can't parse entities"), and MarkdownV2 would be worse.
 */

/** Escapes the three characters Telegram's HTML parser reserves. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const bold = (text: string): string => `<b>${escapeHtml(text)}</b>`;
export const italic = (text: string): string => `<i>${escapeHtml(text)}</i>`;
export const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;

/** Shortens text to `max` characters (before escaping), marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}
