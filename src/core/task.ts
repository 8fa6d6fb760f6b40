/**
 * A task as written by a person in a task file, after parsing.
 * Markdown files give numeric ids ("## Task 3: ..."); YAML files give string ids ("task-001").
 */
export interface TaskDefinition {
  id: number | string;
  title: string;
  /** Lower-cased task type ("database", "backend"...), or null when the file gives none. */
  type: string | null;
  priority: string | null;
  /** `Requires Approval: true` always waits for a person, whatever the approval mode. */
  requires_approval: boolean;
  description: string;
  acceptance_criteria: string[];
  instruction: string;
  /** YAML format only: files Claude should read first. Empty for markdown tasks. */
  context_files: string[];
  /** Paths (relative to claude.project_dir) the task must produce; checked after it (`**Deliverables:**`, YAML `deliverables`). */
  deliverables: string[];
  /**
   * Commands that prove the task works (`**Verify:**`, YAML `verify`), run after Claude reports
   * success, each split into arguments (never a shell). Empty: orchestrator.verify applies.
   */
  verify: string[];
  /** 1-based line of the task's heading (markdown) or list item (YAML) in its file. */
  line: number;
}

/** One problem found in a task file, reported as `file:line: message`. */
export interface TaskFileIssue {
  file: string;
  line: number;
  message: string;
}

export type ParseResult =
  /** max_cost_usd: the file's own spend cap in dollars (YAML `max_cost_usd`, markdown `**Max Cost USD:**`); absent or null: none. */
  | { ok: true; tasks: TaskDefinition[]; max_cost_usd?: number | null }
  | { ok: false; issues: TaskFileIssue[] };

export function formatIssue(issue: TaskFileIssue): string {
  return `${issue.file}:${issue.line}: ${issue.message}`;
}
