import type { NotificationPayload } from "../core/state.js";

/**
 * What one POST of one notification came to. The notifier decides from the kind alone:
 * - delivered: 2xx, n8n has it.
 * - rejected: a 4xx other than 408/429: n8n refused this payload for good; trying again cannot help.
 * - failed: anything worth another try (5xx, 408, 429, a redirect, network error, timeout).
 * - stopped: the notifier is stopping; the entry stays in the outbox for the next start.
 * `reason` is safe to log: a status code or an error code, never the URL or a header.
 */
export type PostResult =
  | { kind: "delivered"; status: number }
  | { kind: "rejected"; status: number; reason: string }
  | { kind: "failed"; status: number | null; reason: string; retryAfterMs: number | null }
  | { kind: "stopped" };

export interface PostOptions {
  url: string;
  /** Sent as X-Webhook-Secret when set, so the n8n workflow can check where the call came from. */
  secret: string | null;
  /** The whole exchange (connect, headers, body) must end within this; a hung n8n costs one timeout. */
  timeoutMs: number;
  /** Aborted when the notifier stops: the request ends at once. */
  signal: AbortSignal;
  fetch: typeof fetch;
}

/** POSTs one payload as JSON. Never throws: every outcome is a PostResult. */
export async function postNotification(payload: NotificationPayload, opts: PostOptions): Promise<PostResult> {
  if (opts.signal.aborted) return { kind: "stopped" };
  const controller = new AbortController();
  const onStop = () => controller.abort();
  opts.signal.addEventListener("abort", onStop, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  try {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      // The same id on every try and after a restart, so n8n can drop a duplicate of a delivery
      // whose answer was lost (delivery is at least once).
      "Idempotency-Key": payload.id,
      "X-Notification-Id": payload.id,
    };
    if (opts.secret) headers["X-Webhook-Secret"] = opts.secret;
    const res = await opts.fetch(opts.url, {
      method: "POST",
      headers,
      body: JSON.stringify(payload),
      signal: controller.signal,
      // Following a redirect would hand the secret header to whatever host it points at.
      redirect: "manual",
    });
    // The status decides; the answer's text is never logged. Reading it lets the connection be reused,
    // but only up to a limit and never at the cost of the outcome: an endless or huge answer (a
    // misconfigured proxy, a streaming endpoint) once filled memory at the link's speed until the
    // timeout, then counted a delivered notification as failed and sent it again, for ever.
    const result = classify(res);
    await discardAnswer(res);
    return result;
  } catch (error) {
    if (opts.signal.aborted) return { kind: "stopped" };
    if (timedOut) return { kind: "failed", status: null, reason: `timeout after ${opts.timeoutMs} ms`, retryAfterMs: null };
    return { kind: "failed", status: null, reason: networkReason(error), retryAfterMs: null };
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener("abort", onStop);
  }
}

/** Bytes of an answer read before the rest is dropped (and the connection with it). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Reads and drops the answer's body, at most MAX_ANSWER_BYTES; past that it cancels the body (the
 * connection is closed instead of reused). Never throws: a body cut by the timeout or a stop changes
 * nothing, the status has already been read.
 */
async function discardAnswer(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  try {
    for (let read = 0; read <= MAX_ANSWER_BYTES; ) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
    }
    await reader.cancel();
  } catch {
    // aborted by the timeout or a stop, or the peer went away: the outcome stands
  } finally {
    reader.releaseLock();
  }
}

function classify(res: Response): PostResult {
  const status = res.status;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  if (status === 408 || status === 429) {
    return { kind: "failed", status, reason: `HTTP ${status}`, retryAfterMs: retryAfterMs(res.headers.get("retry-after")) };
  }
  if (status >= 400 && status < 500) return { kind: "rejected", status, reason: `HTTP ${status}` };
  if (status >= 300 && status < 400) {
    return { kind: "failed", status, reason: `HTTP ${status} (redirects are not followed: set the final URL)`, retryAfterMs: null };
  }
  return { kind: "failed", status, reason: `HTTP ${status}`, retryAfterMs: null };
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/**
 * fetch fails with TypeError("fetch failed") and the real cause (ECONNREFUSED, ENOTFOUND...) inside.
 * Only the code or name is kept: messages can quote the address, and we never log the URL.
 */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.name === "string" && cause.name !== "Error") return cause.name;
  return (error as Error | null)?.name ?? "network error";
}
