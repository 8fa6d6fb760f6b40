// Our own: git check-ref-format would need a git process while the config loads (and git
// installed); these are its rules for a branch name, so a bad git.branch is caught at start.

/** What `{session}` becomes in git.branch: the session id ("20251120-093015", src/core/session-id.ts). */
export const SESSION_PLACEHOLDER = "{session}";

/** A session id of the shape sessionIdFor() gives, to check a template before any session exists. */
const SAMPLE_SESSION_ID = "20251120-093015";

/** The branch a session works on: the template with every `{session}` replaced by its id. */
export function sessionBranch(template: string, sessionId: string): string {
  return template.replaceAll(SESSION_PLACEHOLDER, sessionId);
}

/**
 * Why `template` (git.branch) cannot name a branch once `{session}` is replaced, or null when it
 * can: git's rules for a ref name (`git check-ref-format --branch`), and no other `{placeholder}`.
 */
export function branchTemplateProblem(template: string): string | null {
  const placeholder = /\{[^{}]*\}/.exec(template.replaceAll(SESSION_PLACEHOLDER, ""));
  if (placeholder) return `it has ${JSON.stringify(placeholder[0])}, and only ${SESSION_PLACEHOLDER} is replaced (by the session id)`;
  return branchNameProblem(sessionBranch(template, SAMPLE_SESSION_ID));
}

/** Why `name` is not a valid git branch name, or null when it is. */
export function branchNameProblem(name: string): string | null {
  if (/\s/.test(name)) return "it has a space; use - or / instead";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it has a control character";
  const bad = /[~^:?*[\\]/.exec(name);
  if (bad) return `it has ${JSON.stringify(bad[0])}; git refuses ~ ^ : ? * [ and \\ in a branch name`;
  if (name.includes("..")) return 'it has ".."';
  if (name.includes("@{")) return 'it has "@{"';
  if (name === "@") return 'it is "@"';
  if (name.startsWith("-")) return 'it starts with "-"';
  if (name.startsWith("/")) return 'it starts with "/"';
  if (name.endsWith("/")) return 'it ends with "/"';
  if (name.includes("//")) return 'it has "//"';
  if (name.endsWith(".")) return 'it ends with "."';
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return `its part ${JSON.stringify(part)} starts with "."`;
    if (part.endsWith(".lock")) return `its part ${JSON.stringify(part)} ends with ".lock"`;
  }
  return null;
}
