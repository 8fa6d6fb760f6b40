/**
 * One short line naming why a Bot API call failed, for logs a person reads: Telegram's own answer
 * ("429 Too Many Requests: retry after 5"), the network's ("connect ECONNREFUSED 127.0.0.1:9"),
 * or "no answer within N s". Never the request URL: it carries the bot token (the logger scrubs
 * secrets too, as a last line of defence).
 */
import { GrammyError, HttpError } from "grammy";

export function describeTelegramError(error: unknown): string {
  if (error instanceof GrammyError) return `${error.error_code} ${error.description}`;
  if (error instanceof HttpError) {
    const inner = error.error;
    if (inner instanceof Error && inner.name === "AbortError") return "aborted";
    // node-fetch: "request to <url> failed, reason: connect ECONNREFUSED 127.0.0.1:9".
    const reason = inner instanceof Error ? /reason: (.+)$/.exec(inner.message)?.[1] : undefined;
    if (reason) return reason;
    // grammY's own timeout: "Request to 'getMe' timed out after 45 seconds".
    if (inner instanceof Error) return withoutUrls(inner.message);
    return withoutUrls(error.message);
  }
  if (error instanceof Error && error.name === "TimeoutError") return "no answer (timed out)";
  return error instanceof Error ? withoutUrls(error.message) : String(error);
}

/** A Bot API URL is `<root>/bot<token>/<method>`: keep the root and the method, drop the token. */
function withoutUrls(text: string): string {
  return text.replace(/\/bot[^/\s]+\//g, "/bot<token>/");
}
