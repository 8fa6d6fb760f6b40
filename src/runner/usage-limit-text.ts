/**
 * Whether the Claude Code CLI's error text names a usage limit, and when it says the limit
 * resets. Pure: the time comes in (`nowMs`), and the time zone (default the process's own).
 *
 * The forms, as the pinned CLI (2.1.330) builds them (test/runner/usage-limit-contract.test.ts
 * checks they are still in its binary):
 * - subscriptions: `You've hit your ${name}${" · resets " + time}${" · progress saved"}` with name
 *   "limit", "usage limit", "5-hour limit", "weekly limit", "Opus limit", "Sonnet limit",
 *   "session limit", "monthly spend limit"…, and time "3pm (Europe/London)", "3:30pm (UTC)", or
 *   past a day "Aug 8, 3pm (UTC)"; also "You've reached your …".
 * - a gateway's cap: "spend limit reached · resets Aug 8 · …" (the body's message, often behind
 *   "API Error: Request rejected (429) · "), and "usage limit reached" / "5-hour limit reached ∙ resets …".
 * - an API key's 429 after the CLI's retries: "API Error: Request rejected (429) · …", or
 *   "… Server is temporarily limiting requests (not your usage limit) · …": no reset time, so the
 *   wait is the backoff.
 * - older CLIs: "Claude AI usage limit reached|1754000000" (the reset in epoch seconds).
 */

const LIMIT_PATTERNS: readonly RegExp[] = [
  /you['’]ve (?:hit|reached) your\b[^\n]{0,80}?\blimit\b/i,
  /\busage limit reached\b/i,
  /\bspend limit reached\b/i,
  /\blimit reached\s*[·∙•|]\s*resets\b/i,
  /\brequest rejected \(429\)/i,
  /\bserver is temporarily limiting requests\b/i,
  /\brate_limit_error\b/i,
  /\b429\b[^\n]{0,80}\b(?:rate.?limit|too many requests)/i,
  /\b(?:rate.?limit(?:ed)?|too many requests)\b[^\n]{0,80}\b429\b/i,
];

/** The first line among `texts` that names a usage limit or a 429, trimmed; null when none does. */
export function limitText(texts: ReadonlyArray<string | null | undefined>): string | null {
  for (const text of texts) {
    if (!text) continue;
    const line = text.split(/\r?\n/).find((l) => LIMIT_PATTERNS.some((p) => p.test(l)));
    if (line) return line.trim().slice(0, 600);
  }
  return null;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** Parts of an instant as a wall clock in `timeZone`. */
function wallClock(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { y: get("year"), mo: get("month") - 1, d: get("day"), h: get("hour") % 24, mi: get("minute"), s: get("second") };
}

/** The instant a wall clock reads y-mo-d h:mi in `timeZone` (the later one in a DST gap or overlap, near enough). */
function instantOf(y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number {
  const wanted = Date.UTC(y, mo, d, h, mi);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const w = wallClock(guess, timeZone);
    guess += wanted - Date.UTC(w.y, w.mo, w.d, w.h, w.mi, w.s);
  }
  return guess;
}

function validZone(zone: string | undefined): string | null {
  if (!zone) return null;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

/** "3pm", "3:30pm", "3 PM", "15:00" -> [hour, minute]; null for a bare number ("15": which?). */
function parseClock(text: string): [number, number] | null {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?$/i.exec(text) ?? /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return null;
  let h = Number(m[1]);
  const mi = m[2] !== undefined ? Number(m[2]) : 0;
  const ampm = m[3]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === "p" ? 12 : 0);
  }
  return h < 24 && mi < 60 ? [h, mi] : null;
}

/**
 * When `text` says the limit resets, as an ISO time; null when it does not say (or not in a form
 * known here). "resets 3pm" is the next 3pm (said during 3:00pm itself, the end of that minute:
 * the CLI drops the seconds); "resets Aug 8" is the start of the next Aug 8 (or of
 * today's, when it is today); a zone in parentheses ("(Europe/London)", "(UTC)") is used, else
 * `timeZone` (default the process's own).
 */
export function parseResetTime(text: string, nowMs: number, timeZone?: string): string | null {
  const epoch = /usage limit reached\|(\d{9,11})\b/i.exec(text);
  if (epoch) return new Date(Number(epoch[1]) * 1000).toISOString();
  const m = /\bresets?\s+(?:at\s+|on\s+)?([^·∙•|\n]+)/i.exec(text);
  if (!m?.[1]) return null;
  let phrase = m[1].trim().replace(/[.;]+$/, "");
  const zoned = /\s*\(([^)]+)\)\s*$/.exec(phrase);
  const zone = validZone(zoned?.[1]?.trim()) ?? validZone(timeZone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zoned) phrase = phrase.slice(0, zoned.index).trim();

  const rel = /^in\s+((?:\d+\s*(?:d|h|m|min|s)\s*)+)$/i.exec(phrase);
  if (rel?.[1]) {
    let seconds = 0;
    for (const [, n, unit] of rel[1].matchAll(/(\d+)\s*(d|h|min|m|s)/gi)) seconds += Number(n) * ({ d: 86400, h: 3600, min: 60, m: 60, s: 1 }[(unit as string).toLowerCase()] ?? 0);
    return seconds > 0 ? new Date(nowMs + seconds * 1000).toISOString() : null;
  }

  const today = wallClock(nowMs, zone);
  const date = /^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?(?:(?:,\s*|\s+at\s+|\s+)(.+))?$/.exec(phrase);
  if (date) {
    const mo = MONTHS.indexOf((date[1] as string).toLowerCase());
    const d = Number(date[2]);
    if (mo < 0 || d < 1 || d > 31) return null;
    const clock = date[4] ? parseClock(date[4].trim()) : [0, 0];
    if (!clock) return null;
    let y = date[3] ? Number(date[3]) : today.y;
    // No year: the next such date (today's counts until the day is over).
    if (!date[3] && Date.UTC(y, mo, d) < Date.UTC(today.y, today.mo, today.d)) y += 1;
    return new Date(instantOf(y, mo, d, clock[0], clock[1], zone)).toISOString();
  }
  const clock = parseClock(phrase);
  if (!clock) return null;
  let at = instantOf(today.y, today.mo, today.d, clock[0], clock[1], zone);
  // The CLI drops the seconds: "1:16pm" said at 13:16:40 is a reset before 13:17, not tomorrow's.
  if (at + 60_000 <= nowMs) at = instantOf(today.y, today.mo, today.d + 1, clock[0], clock[1], zone);
  else if (at <= nowMs) at += 60_000;
  return new Date(at).toISOString();
}
