/**
 * The identity of the commits the orchestrator makes on its own behalf: snapshot commits always,
 * session-branch commits only when the repository has no user.name / user.email configured.
 */
export const ORCHESTRATOR_NAME = "Orchestrator";
export const ORCHESTRATOR_EMAIL = "orchestrator@localhost";

/** Environment that makes git use the orchestrator identity for author and committer. */
export const ORCHESTRATOR_IDENTITY_ENV: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: ORCHESTRATOR_NAME,
  GIT_AUTHOR_EMAIL: ORCHESTRATOR_EMAIL,
  GIT_COMMITTER_NAME: ORCHESTRATOR_NAME,
  GIT_COMMITTER_EMAIL: ORCHESTRATOR_EMAIL,
};
