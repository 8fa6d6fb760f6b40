import path from "node:path";

/**
 * A path from the configuration, made absolute: a relative one resolves against `dir`,
 * the folder of where it was written (the config file's folder, or cwd for the
 * environment and the command line).
 */
export function resolveConfigPath(dir: string, value: string): string {
  return path.resolve(dir, value);
}

/**
 * The claude executable from claude.command. A relative path with a slash
 * (`./node_modules/.bin/claude`) resolves against `dir`, because the child runs in
 * claude.project_dir; a bare name (`claude`) is left to be looked up on PATH.
 */
export function resolveExecutable(dir: string, exe: string): string {
  return !path.isAbsolute(exe) && /[\\/]/.test(exe) ? path.resolve(dir, exe) : exe;
}
