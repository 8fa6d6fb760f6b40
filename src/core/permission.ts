/**
 * A tool call (or an AskUserQuestion) that Claude Code asks a person about, over the CLI's stdio
 * permission channel (`control_request` / `can_use_tool`), and the answers a person can give.
 * Plain data: the runner reads it, the machine records it, every surface shows it.
 */

/** A rule as the CLI's settings write it: `Bash(npm test:*)` is {toolName: "Bash", ruleContent: "npm test:*"}. */
export interface PermissionRule {
  toolName: string;
  ruleContent?: string;
}

/** What the CLI sent, as the runner read it. */
export interface PermissionAsk {
  /** The CLI's request_id: the answer must carry it. */
  request_id: string;
  tool: string;
  /** The tool's input as Claude gave it (a Bash command, a file and its new text, questions). */
  input: Record<string, unknown>;
  /** The CLI's own words for the call, when it gives some. */
  description: string | null;
  /** The rule "always" would add (the CLI's permission_suggestions), when it suggests one. */
  suggestion: PermissionRule | null;
  /** A path outside the allowed folders the call touches, when the CLI says so. */
  blocked_path: string | null;
  tool_use_id: string | null;
}

export type PermissionDecision = "allow" | "always" | "deny" | "stop";

/** What became of a request. */
export type PermissionStatus = "pending" | "allowed" | "always" | "denied" | "stopped" | "answered" | "expired";

/** A request in the state: asked, and (once answered or expired) how and by whom. */
export interface PermissionRecord extends PermissionAsk {
  /** Our id, stable across surfaces and restarts: `<session>-p<n>`. */
  id: string;
  /** The task (index) and attempt whose run asked. */
  index: number;
  attempt: number;
  /** "question" for AskUserQuestion (answered with answers), else "tool". */
  kind: "tool" | "question";
  asked_at: string;
  /** The halfway reminder was sent. */
  reminded: boolean;
  status: PermissionStatus;
  answered_by: string | null;
  answered_at: string | null;
  /** The deny message Claude reads, or why it expired. */
  message: string | null;
  /** AskUserQuestion: the answers given, question text -> label or free text. */
  answers: Record<string, string> | null;
}

/** The rule text as --allowedTools takes it: "Bash(npm test:*)" or "Write". */
export function ruleText(rule: PermissionRule): string {
  return rule.ruleContent ? `${rule.toolName}(${rule.ruleContent})` : rule.toolName;
}

/** The rule "always" adds for a request: the CLI's suggestion, else the whole tool. */
export function alwaysRuleOf(ask: PermissionAsk): PermissionRule {
  return ask.suggestion ?? { toolName: ask.tool };
}

/** The CLI's name for the question tool. */
export const ASK_USER_QUESTION = "AskUserQuestion";

/** The inner response of a control_response, as the CLI reads it. */
export type PermissionResponse =
  | {
      behavior: "allow";
      updatedInput: Record<string, unknown>;
      /** "always": the rule, for the rest of this Claude process (later runs get it as --allowedTools). */
      updatedPermissions?: { type: "addRules"; rules: PermissionRule[]; behavior: "allow"; destination: "session" }[];
    }
  | { behavior: "deny"; message: string; interrupt?: boolean };
