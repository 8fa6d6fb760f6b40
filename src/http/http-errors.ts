import type { Response } from "express";

/** The `error` codes an HTTP client can see, beside the control codes (bad_request, not_found, refused, unavailable). */
export type HttpErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "refused"
  | "too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "internal"
  | "unavailable";

export const UNAUTHORIZED_MESSAGE = 'Missing or wrong secret: send it as X-Webhook-Secret or "secret" in the JSON body.';

/** Sends the one error shape: `{"status":"error","error":<code>,"message":"…", ...extra}`. */
export function sendError(res: Response, status: number, error: HttpErrorCode, message: string, extra: Record<string, unknown> = {}): void {
  res.status(status).json({ status: "error", error, message, ...extra });
}

/** What a body-parser error (express.json) becomes; null for an error that is not one of its. */
export function describeBodyError(err: unknown, bodyLimit: string): { status: number; error: HttpErrorCode; message: string } | null {
  const type = (err as { type?: unknown } | null)?.type;
  switch (type) {
    case "entity.too.large":
      return { status: 413, error: "too_large", message: `The body is larger than ${bodyLimit}.` };
    case "entity.parse.failed":
      return { status: 400, error: "bad_request", message: `The body is not valid JSON: ${parseErrorMessage((err as Error).message, (err as { body?: unknown }).body)}.` };
    case "encoding.unsupported": {
      const encoding = String((err as { encoding?: unknown }).encoding ?? "?").slice(0, 40);
      return { status: 415, error: "unsupported_media_type", message: `Compressed bodies are not accepted (Content-Encoding: ${encoding}). Send plain UTF-8 JSON without Content-Encoding.` };
    }
    case "charset.unsupported":
      return { status: 415, error: "unsupported_media_type", message: `The body's ${(err as Error).message}. Send UTF-8 JSON (Content-Type: application/json; charset=utf-8).` };
    case "request.aborted":
    case "request.size.invalid":
      return { status: 400, error: "bad_request", message: "The body was cut short or its length did not match Content-Length." };
    default:
      return null;
  }
}

/**
 * The parser's message, with a position. V8 gives one for most mistakes ("Expected ',' or '}'
 * after property value in JSON at position 28") but quotes the input instead for an unexpected
 * token ('Unexpected token 'x', "{"secret": "…" x}" is not valid JSON'). The quote is dropped, so
 * an error answer (which n8n may store or show) never repeats a secret, and the position found.
 */
function parseErrorMessage(message: string, body: unknown): string {
  const token = /^Unexpected token '([\s\S])', /.exec(message);
  if (token) {
    const at = typeof body === "string" ? firstBadTokenAt(body) : null;
    return `Unexpected token '${token[1]}' in JSON${at === null ? "" : ` at position ${at}`}`;
  }
  return message.replace(/, (?:\.\.\.)?"[\s\S]*? is not valid JSON$/, " in JSON");
}

/**
 * Where the first unexpected token is: the shortest prefix of `text` that already fails on a
 * token (shorter ones only end too early). A binary search, so about 17 parses of at most the
 * body limit, and only on the error path.
 */
function firstBadTokenAt(text: string): number | null {
  const bad = (k: number) => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (error) {
      return (error as Error).message.startsWith("Unexpected token");
    }
  };
  if (!bad(text.length)) return null;
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bad(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}
