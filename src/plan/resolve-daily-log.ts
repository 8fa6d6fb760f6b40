import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { kindOf } from "../fs/read-regular-file.js";
import { ControlError } from "../control/control-error.js";

/**
 * The daily log a plan is made from, confined to paths.daily_dir like task files are to
 * tasks_dir: null means today's (`<daily_dir>/<today>.md`); a bare name, a path relative to the
 * folder (or starting with its own name), or an absolute path inside it. No `..` or symlink out.
 * Throws ControlError: not_found says what to write, bad_request what to send.
 */
export async function resolveDailyLog(dailyDir: string, requested: string | null | undefined, today: string): Promise<string> {
  const name = requested?.trim() || `${today}.md`;
  if (name.includes("\0")) throw new ControlError("bad_request", "daily_log contains a NUL byte.");
  const root = await realpath(dailyDir).catch(() => {
    throw new ControlError("not_found", `The daily logs folder ${dailyDir} does not exist. Create it and write today's goals in ${path.join(dailyDir, `${today}.md`)}.`);
  });
  const folder = path.basename(dailyDir);
  const candidates = path.isAbsolute(name) ? [path.normalize(name)] : [path.resolve(root, name), path.resolve(path.dirname(root), name)];
  const inside = (p: string) => p.startsWith(root + path.sep);
  const allowed = candidates.filter((p) => inside(p) || p.startsWith(path.resolve(dailyDir) + path.sep));
  if (allowed.length === 0) throw new ControlError("bad_request", `daily_log must be a file inside ${folder}/ (got "${name}").`);
  for (const candidate of allowed) {
    const real = await realpath(candidate).catch(() => null);
    if (real === null) continue;
    if (!inside(real)) throw new ControlError("bad_request", `daily_log "${name}" leads outside ${folder}/ (a symlink?). Refused.`);
    const stats = await stat(real).catch(() => null);
    if (stats && !stats.isFile()) throw new ControlError("bad_request", `daily_log "${name}" is ${kindOf(stats)}, not a regular file.`);
    if (stats && stats.size === 0) throw new ControlError("bad_request", `The daily log ${path.join(folder, path.relative(root, real))} is empty: write the day's goals, context and notes in it first.`);
    return real;
  }
  throw new ControlError(
    "not_found",
    requested
      ? `No daily log ${name} in ${folder}/.`
      : `No daily log for today: write ${path.join(folder, `${today}.md`)} (goals, context, notes), then send /plan again.`,
  );
}
