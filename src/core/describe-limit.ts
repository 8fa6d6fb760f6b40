import type { UsageWarning } from "./state.js";

// How a usage limit reads to a person: the window ("5-hour window"), a clock time in the
// orchestrator's time zone ("15:00", "Aug 8 15:00" past a day) and a wait ("2 h 14 min").

/** The CLI's rateLimitType as a person says it; null when not known. */
export function windowName(type: string | null | undefined): string | null {
  switch (type) {
    case "five_hour":
      return "5-hour window";
    case "seven_day":
      return "weekly window";
    case "seven_day_opus":
      return "weekly Opus window";
    case "seven_day_sonnet":
      return "weekly Sonnet window";
    case "overage":
      return "usage credits";
    case null:
    case undefined:
    case "":
      return null;
    default:
      return type.replace(/_/g, " ");
  }
}

/** "2 h 14 min", "5 min", "45 s", "3 d 4 h": a wait, rounded to what matters. */
export function waitWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/**
 * "15:00" (24-hour, in `timeZone`, default the process's own); "Aug 8 15:00" when it is more
 * than a day after `now`.
 */
export function clockWords(iso: string, now: string, timeZone?: string): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone });
  if (Date.parse(iso) - Date.parse(now) <= 24 * 3600 * 1000) return time;
  return `${at.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone })} ${time}`;
}

/** "15:00 (in 2 h 14 min)". */
export function whenWords(iso: string, now: string, timeZone?: string): string {
  return `${clockWords(iso, now, timeZone)} (in ${waitWords((Date.parse(iso) - Date.parse(now)) / 1000)})`;
}

/** "5-hour window 82 % used" (with " · resets 15:00" when known and ahead), or null once it is out of date. */
export function usageWords(w: UsageWarning | null | undefined, now: string, timeZone?: string): string | null {
  if (!w) return null;
  if (w.resets_at && Date.parse(w.resets_at) <= Date.parse(now)) return null; // that window is over
  const name = windowName(w.type) ?? "Usage window";
  const used = w.utilization !== null ? `${Math.round(w.utilization * 100)} % used` : "nearly used up";
  const resets = w.resets_at ? ` · resets ${clockWords(w.resets_at, now, timeZone)}` : "";
  return `${name[0]?.toUpperCase()}${name.slice(1)} ${used}${resets}`;
}
