const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "pid", "hostname", "msg", "module", "v"]);

/**
 * Turns one pino JSON line into `[09:30:15] INFO  runner: Task 1/3 started key=value`, for a person
 * at a terminal. A line that is not a JSON object is passed through unchanged.
 */
export function prettyLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec !== "object" || rec === null || Array.isArray(rec)) return line; // `null`, `42`, `[1]`
  const time = typeof rec.time === "number" ? new Date(rec.time).toTimeString().slice(0, 8) : "--:--:--";
  const level = (LEVELS[rec.level as number] ?? String(rec.level)).padEnd(5);
  const module = typeof rec.module === "string" ? `${rec.module}: ` : "";
  const extras = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return `[${time}] ${level} ${module}${String(rec.msg ?? "")}${extras ? ` ${extras}` : ""}\n`;
}
