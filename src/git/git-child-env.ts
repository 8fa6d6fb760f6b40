/**
 * Variables that tell git which repository, work tree or index to use. The orchestrator finds the
 * repository from the folder it is given, so a value inherited from the parent (say, the service
 * started from inside a git hook, where GIT_DIR and GIT_INDEX_FILE are set) must not point git
 * elsewhere. Configuration variables (GIT_CONFIG_*, GIT_CEILING_DIRECTORIES) are kept.
 */
const LOCATING_VARS = new Set([
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_COMMON_DIR",
  "GIT_PREFIX",
  "GIT_NAMESPACE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_QUARANTINE_PATH",
]);

/**
 * The environment of every git child: `base` without the locating variables, with C locale
 * messages (stderr we quote is English and parseable), no credential prompt (a hung prompt would
 * only end at the timeout), and no optional locks (read-only commands such as `git status`
 * must not rewrite the person's index), then `extra` on top.
 */
export function gitChildEnv(base: Record<string, string | undefined>, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !LOCATING_VARS.has(key)) env[key] = value;
  }
  return { ...env, LC_ALL: "C", GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...extra };
}
