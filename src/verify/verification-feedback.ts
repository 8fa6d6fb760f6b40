import { commandEnd, commandProblem, formatDuration, missingSummary } from "./describe-command.js";
import type { VerificationResult, VerifyCommandResult } from "./verification.js";

/** Deliverables named one by one in a success line; more are counted. */
const NAMED_DELIVERABLES = 3;

/** The command that failed: the last one that ran, when it did not exit 0. */
function failedCommand(result: VerificationResult): VerifyCommandResult | null {
  const last = result.commands[result.commands.length - 1];
  return last !== undefined && commandEnd(last) !== "ok" ? last : null;
}

/** Markdown inline code that survives backticks inside. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = /^`|`$/.test(text) ? " " : ""; // a space keeps a backtick at an end from joining the delimiter
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** A fenced block that a ``` inside the output cannot close early. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

/** A sentence ends with a full stop, unless it already ends with punctuation. */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

const reasonOf = (result: VerificationResult, item: string) => result.missing_reasons?.[item] ?? "does not exist";

/** "the deliverable dist/app.js does not exist." or a list, one deliverable a line. */
function missingText(result: VerificationResult): string {
  const [only] = result.missing;
  if (result.missing.length === 1 && only !== undefined) return `the deliverable ${only} ${reasonOf(result, only)}.`;
  return `these deliverables are missing:\n${result.missing.map((m) => `- ${m} ${reasonOf(result, m)}`).join("\n")}`;
}

/**
 * The prompt sent back to Claude, in the same session, when verification failed: what failed,
 * the end of the failing command's output, and "Fix it." Deliverables that are missing as well
 * are named too, so one more turn can fix both. For a passed or cancelled result, one line
 * saying so (nothing to fix; the caller normally sends no feedback then).
 */
export function verificationFeedback(result: VerificationResult): string {
  if (result.passed) return "Verification passed.";
  if (result.cancelled) return "Verification was cancelled.";
  const failed = failedCommand(result);
  const parts: string[] = [];
  if (failed !== null) {
    parts.push(`Verification failed: ${code(failed.command)} ${sentence(commandProblem(failed))}`);
    const tail = result.output_tail.replace(/\s+$/, "");
    if (tail !== "") parts.push(`The end of its output:\n${fenced(tail)}`);
    else if (commandEnd(failed) !== "not_run") parts.push("It printed nothing.");
    if (result.missing.length > 0) parts.push(`Also, ${missingText(result)}`);
  } else if (result.missing.length > 0) {
    parts.push(`Verification failed: ${missingText(result)}`);
  } else {
    parts.push(`Verification failed: ${sentence(result.failure ?? "for an unknown reason")}`);
  }
  parts.push("Fix it.");
  return parts.join("\n\n");
}

/**
 * One line for people (chat, status): "✅ verified: npm test (12 s), npm run lint (3 s)",
 * "❌ npm test failed (exit 3)", "❌ deliverable missing: dist/app.js", "⏹ verification cancelled during npm test".
 */
export function describeVerification(result: VerificationResult): string {
  const failed = failedCommand(result);
  if (result.cancelled) return `⏹ verification cancelled${failed ? ` during ${failed.command}` : ""}`;
  if (result.passed) {
    const parts = result.commands.map((c) => `${c.command} (${formatDuration(c.duration_s)})`);
    const deliverables = result.deliverables ?? [];
    if (deliverables.length > NAMED_DELIVERABLES) parts.push(`${deliverables.length} deliverables present`);
    else if (deliverables.length > 0) parts.push(`${deliverables.join(", ")} present`);
    return parts.length === 0 ? "✅ verified (nothing to check)" : `✅ verified: ${parts.join(", ")}`;
  }
  if (failed !== null) {
    switch (commandEnd(failed)) {
      case "exit":
        return `❌ ${failed.command} failed (exit ${failed.exit_code})`;
      case "signal":
        return `❌ ${failed.command} failed (killed by ${failed.signal})`;
      default:
        return `❌ ${failed.command} ${commandProblem(failed)}`;
    }
  }
  if (result.missing.length > 0) {
    return `❌ ${missingSummary(result.missing.map((m) => ({ path: m, reason: reasonOf(result, m) })))}`;
  }
  return `❌ ${result.failure ?? "verification failed"}`;
}
