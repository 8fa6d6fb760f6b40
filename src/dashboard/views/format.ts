/** 75 -> "1m 15s"; null -> "–". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export function usd(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `$${value.toFixed(value < 1 ? 4 : 2)}`;
}
