import { access, stat } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";

/**
 * Where spawn would find `file`: itself when it holds a slash (relative to `cwd`), else the first
 * executable of that name on PATH. null when there is none. (resolve-claude-command.ts answers
 * which command a run starts; this answers whether that command's executable exists.)
 */
export async function findExecutable(file: string, env: NodeJS.ProcessEnv, cwd: string, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (file.includes("/") || (platform === "win32" && file.includes("\\"))) {
    const full = path.resolve(cwd, file);
    return (await isExecutableFile(full)) ? full : null;
  }
  const exts = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean) : [""];
  for (const dir of (env.PATH ?? env.Path ?? "").split(platform === "win32" ? ";" : ":")) {
    if (dir === "") continue;
    for (const ext of exts) {
      const candidate = path.join(dir, file + ext);
      if (await isExecutableFile(candidate)) return candidate;
    }
  }
  return null;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
