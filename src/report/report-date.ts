/**
 * The date a report is asked for: YYYY-MM-DD, a real calendar date. Returns it, or the words
 * to tell the person when it is not one.
 */
export function checkReportDate(text: string): { ok: true; date: string } | { ok: false; message: string } {
  const date = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match) {
    const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const at = new Date(Date.UTC(y, m - 1, d));
    if (at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d) return { ok: true, date };
  }
  const shown = date.length > 40 ? `${date.slice(0, 40)}…` : date;
  return { ok: false, message: `A report's date is YYYY-MM-DD, e.g. 2025-11-20 (got "${shown}"). Without one it is today's.` };
}
