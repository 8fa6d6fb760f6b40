import type { TaskRecord } from "./state.js";

/** What a continued session (--resume after the turn limit) is told. */
export const CONTINUE_PROMPT =
  "You stopped because you reached the turn limit. Continue where you left off and finish the task; when it is done, say what you changed.";

/**
 * The text Claude receives on stdin for a task: title, description, acceptance criteria,
 * the instruction itself, and (YAML tasks) context files and deliverables.
 * The lessons a person added with /learn (orchestrator.learnings_file) come just before the
 * instruction, so they shape how it is carried out; null or empty leaves the section out.
 * A person's retry feedback goes last, so it is the freshest thing Claude reads.
 */
export function buildPrompt(task: TaskRecord, feedback: string | null = null, learnings: string | null = null): string {
  const parts: string[] = [`# Task ${task.id}: ${task.title}`];
  const meta = [task.type && `Type: ${task.type}`, task.priority && `Priority: ${task.priority}`].filter(Boolean);
  if (meta.length > 0) parts.push(meta.join("\n"));
  if (task.description) parts.push(`## Description\n${task.description}`);
  if (task.context_files.length > 0) parts.push(`## Read first\n${task.context_files.map((f) => `- ${f}`).join("\n")}`);
  if (task.acceptance_criteria.length > 0) {
    parts.push(`## Acceptance criteria\n${task.acceptance_criteria.map((c) => `- ${c}`).join("\n")}`);
  }
  if (task.deliverables.length > 0) parts.push(`## Deliverables\n${task.deliverables.map((f) => `- ${f}`).join("\n")}`);
  if (learnings && learnings.trim() !== "") parts.push(`## Lessons from earlier work\n${learnings.trim()}`);
  parts.push(`## Instruction\n${task.instruction || task.description}`);
  if (feedback) parts.push(`## Feedback on the previous attempt\n${feedback}`);
  return `${parts.join("\n\n")}\n`;
}
