import { chmod, link, lstat, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../core/errors.js";
import { loadConfig } from "../config/load-config.js";
import { SetupError } from "./setup-error.js";

export interface SetupFiles {
  /** The config.yaml to write (its folder gets the .env). */
  configFile: string;
  configText: string;
  dotenvText: string;
  /** Replace files that exist (the person said so, or --force). */
  overwrite: boolean;
}

/** Which of the two files already exist (anything at the path counts: a folder is not replaced either). */
export async function existingSetupFiles(configFile: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of [configFile, path.join(path.dirname(configFile), ".env")]) {
    try {
      await lstat(file);
      found.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return found;
}

/**
 * Writes config.yaml and .env (mode 0600 from its creation) so that neither is ever seen half
 * written: both are staged in a private folder beside the target, loaded back there with the real
 * loader (the same checks `serve` makes, .env included), and only then moved into place: .env
 * first, so a config.yaml never names secrets that are not there. Without `overwrite` the move is a
 * link(), which fails on a file that appeared since the question was asked, instead of replacing it.
 * On any failure the staging folder is removed and a SetupError says what happened.
 */
export async function writeSetupFiles(files: SetupFiles): Promise<{ configFile: string; dotenvFile: string }> {
  const dir = path.dirname(files.configFile);
  const dotenvFile = path.join(dir, ".env");
  const stage = await mkdtemp(path.join(dir, ".orchestrator-init-")).catch((error: Error) => {
    throw new SetupError(`cannot write in ${dir}: ${error.message}. Run init in a folder you can write to, or pass --config <file>.`, 1, { cause: error });
  });
  try {
    const stagedConfig = path.join(stage, "config.yaml");
    const stagedEnv = path.join(stage, ".env");
    await writeFile(stagedEnv, files.dotenvText, { mode: 0o600, flag: "wx" });
    await chmod(stagedEnv, 0o600); // the umask cannot widen 0600, but an odd filesystem might
    await writeFile(stagedConfig, files.configText, { flag: "wx" });
    try {
      // An empty environment: the check is of what the files say, not of this shell's variables.
      await loadConfig({ configPath: stagedConfig, cwd: stage, env: {} });
    } catch (error) {
      if (error instanceof ConfigError) throw new SetupError(`the config init would write does not load, so nothing was written: ${error.message}`, 2, { cause: error });
      throw error;
    }
    await place(stagedEnv, dotenvFile, files.overwrite);
    try {
      await place(stagedConfig, files.configFile, files.overwrite);
    } catch (error) {
      // Ours to take back: the link above succeeded, so no one else's .env was there.
      if (!files.overwrite) await rm(dotenvFile, { force: true });
      throw error;
    }
    return { configFile: files.configFile, dotenvFile };
  } catch (error) {
    if (error instanceof SetupError) throw error;
    throw new SetupError(`cannot write the setup files in ${dir}: ${(error as Error).message}`, 1, { cause: error });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function place(staged: string, target: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(staged, target);
  try {
    await link(staged, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new SetupError(`${target} appeared while init ran; it was left as it is. Run init again to choose.`, 1, { cause: error });
    throw error;
  }
}
