import { statfs, stat } from "node:fs/promises";
import path from "node:path";
import { describeCause, fail, ok, warn, type DoctorCheck } from "./doctor-check.js";

/**
 * Free space for logs: statfs on paths.logs_dir (or the nearest folder above it that exists: the
 * service creates it), warning under ctx.minFreeBytes (100 MB): task logs grow with every run,
 * and a full disk stops the state from being saved too.
 */
export const diskCheck: DoctorCheck = {
  id: "disk",
  title: "disk space for logs",
  network: false,
  limitMs: (t) => t.local,
  async run(ctx) {
    const dir = ctx.config.paths.logs_dir;
    const existing = await nearestFolder(dir);
    let free: number;
    try {
      const s = await statfs(existing);
      free = s.bavail * s.bsize;
    } catch (error) {
      return fail("disk", `disk space for logs: statfs ${existing} failed (${describeCause(error)})`, "check that paths.logs_dir is on a mounted, readable file system");
    }
    const where = existing === dir ? dir : `${existing} (for ${dir}, not created yet)`;
    if (free < ctx.minFreeBytes) {
      return warn("disk", `disk space for logs: only ${size(free)} free in ${where} (under ${size(ctx.minFreeBytes)})`, "free space on that disk, lower logging.retention_days, or set paths.logs_dir elsewhere");
    }
    return ok("disk", `disk space for logs: ${size(free)} free in ${where}`);
  },
};

async function nearestFolder(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    if (await stat(current).then((s) => s.isDirectory(), () => false)) return current;
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

function size(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return `${Math.floor(bytes / 1024 ** 2)} MB`;
}
