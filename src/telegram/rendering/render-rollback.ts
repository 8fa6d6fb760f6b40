/**
 * The rollback confirmation ("↩️ Roll back Task 2/3?") and what is added to it once done. Pure.
 * The question says what a rollback does and never does, and which later tasks it undoes too,
 * so the Yes is an informed one.
 */
import type { RollbackData } from "../../control/control-types.js";
import { describeChanges } from "../../core/describe-changes.js";
import type { SessionState } from "../../core/state.js";
import { bold, escapeHtml, italic } from "./html.js";
import { label, taskLines } from "./render-parts.js";

/** File names listed in the outcome; the rest are counted. */
const MAX_NAMES = 10;

export function renderRollbackQuestion(state: SessionState, index: number): string {
  const task = state.tasks[index];
  const changes = task ? describeChanges(task) : null;
  const later = state.tasks.flatMap((t, i) => (i > index && t.git?.base ? [`Task ${i + 1}`] : []));
  const lines = [`↩️ ${bold(`Roll back ${label(state, index)}?`)}`, ...taskLines(state, index)];
  if (changes) lines.push(escapeHtml(changes));
  lines.push("", "The work tree goes back to how it was before this task ran: files it added are removed, files it changed or deleted come back. Changes you had made before it stay.");
  if (later.length > 0) lines.push(`${bold(`This also undoes ${later.join(", ")}`)} (they ran after it).`);
  if (state.tasks.slice(index).some((t) => t.commit)) lines.push("Its commit and later ones are undone too: the session branch goes back to the commit before it.");
  return lines.join("\n");
}

/** The line added under the question once the rollback is done. */
export function renderRollbackOutcome(data: Partial<RollbackData>, by: string): string {
  const restored = data.restored ?? [];
  const removed = data.removed ?? [];
  const parts = [restored.length > 0 ? `restored ${names(restored)}` : null, removed.length > 0 ? `removed ${names(removed)}` : null].filter(Boolean);
  const what = parts.length > 0 ? parts.join("; ") : "nothing to restore (the files were already as before)";
  const also = data.undone && data.undone.length > 0 ? ` Also undone: ${data.undone.map((n) => `Task ${n}`).join(", ")}.` : "";
  return `↩️ ${italic(`Rolled back by ${by}:`)} ${escapeHtml(`${what}.${also}`)}`;
}

function names(paths: string[]): string {
  const shown = paths.slice(0, MAX_NAMES).join(", ");
  return paths.length > MAX_NAMES ? `${shown} and ${paths.length - MAX_NAMES} more` : shown;
}
