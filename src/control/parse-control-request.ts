import { ControlError } from "./control-error.js";
import { checkReportDate } from "../report/report-date.js";
import { CONTROL_COMMANDS, type ControlCommand, type ControlRequest } from "./control-types.js";
import type { PermissionDecision } from "../core/permission.js";
import { historyRequestFromBody, historyRequestFromText } from "../history/history-control.js";
import { feedbackRequestFromBody, feedbackRequestFromText } from "../feedback/parse-feedback-request.js";
import { planRequestFromBody, planRequestFromText, replaceOf, startRequestFromText } from "./parse-plan-request.js";

const MAX_LINES = 200;

/** What a permission request can be answered with. */
const DECISIONS: readonly PermissionDecision[] = ["allow", "always", "deny", "stop"];

/** Who a cancel or rollback over HTTP is recorded as, unless the body says ("by": "Telegram @ana" from n8n). */
const BY_HTTP = "the HTTP API";

/**
 * Turns command text as a person types it ("/start 2025-11-20-tasks.md", "/retry use the other
 * table", "/logs 50", "approve", "/status@MyBot") into a request. The seed's n8n workflow forwards
 * the Telegram text as-is, so the HTTP API accepts this form too.
 */
export function parseCommandText(text: string): ControlRequest {
  const match = /^\/?([A-Za-z_]+)(?:@\S+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) throw unknownCommand(text);
  return buildRequest(match[1]?.toLowerCase() ?? "", match[2]?.trim() || null);
}

/**
 * Validates a JSON body ({"command": "start", "task_file": "..."} or, for /webhook/<name>, just
 * the arguments) into a request. Unknown commands and wrong types are bad_request with a message
 * that lists what is valid.
 */
export function parseControlBody(body: Record<string, unknown>, commandFromPath?: string): ControlRequest {
  const raw = commandFromPath ?? body.command;
  if (typeof raw !== "string" || raw.trim() === "") {
    throw new ControlError("bad_request", `"command" is required: one of ${CONTROL_COMMANDS.join(", ")}.`);
  }
  // A full command line in "command" ("/start x.md") carries its own argument.
  const fromText = parseCommandText(raw);
  const arg = (key: string): string | null => {
    const v = body[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") throw new ControlError("bad_request", `"${key}" must be a string.`);
    return v;
  };
  switch (fromText.command) {
    case "start": {
      const replace = replaceOf(body) ?? fromText.replace;
      return { command: "start", task_file: arg("task_file") ?? fromText.task_file ?? null, ...(replace ? { replace: true } : {}) };
    }
    case "plan":
    case "plan_show":
    case "plan_start":
    case "plan_discard":
      return planRequestFromBody(body, fromText);
    case "retry":
      return { command: "retry", feedback: arg("feedback") ?? fromText.feedback ?? null };
    case "diff":
      return { command: "diff", task: taskArg(body.task) ?? fromText.task ?? null };
    case "rollback": {
      const confirm = body.confirm;
      if (confirm !== undefined && confirm !== null && typeof confirm !== "boolean") throw new ControlError("bad_request", '"confirm" must be true or false.');
      return { command: "rollback", task: taskArg(body.task) ?? fromText.task ?? null, confirm: confirm === true, by: arg("by") ?? BY_HTTP };
    }
    case "cancel":
      return { command: "cancel", by: arg("by") ?? BY_HTTP };
    case "tell": {
      const text = arg("text") ?? (fromText.command === "tell" ? fromText.text : "");
      if (text.trim() === "") throw new ControlError("bad_request", 'Send "text": what Claude should read on its next turn.');
      return { command: "tell", text, by: arg("by") ?? BY_HTTP };
    }
    case "permission": {
      const id = arg("id") ?? (fromText.command === "permission" ? fromText.id : "");
      const decision = arg("decision") ?? (fromText.command === "permission" ? fromText.decision : "");
      if (!id) throw new ControlError("bad_request", 'Send "id": the request\'s id (POST /webhook/permissions lists them).');
      if (!DECISIONS.includes(decision as PermissionDecision)) throw new ControlError("bad_request", `"decision" must be one of ${DECISIONS.join(", ")} (got ${JSON.stringify(decision)}).`);
      return { command: "permission", id, decision: decision as PermissionDecision, message: arg("message"), by: arg("by") ?? BY_HTTP };
    }
    case "answer": {
      const id = arg("id");
      if (!id) throw new ControlError("bad_request", 'Send "id": the question\'s id (POST /webhook/permissions lists them).');
      const answers = body.answers;
      const valid = typeof answers === "object" && answers !== null && !Array.isArray(answers) && Object.values(answers).every((v) => typeof v === "string") && Object.keys(answers).length > 0;
      if (!valid) throw new ControlError("bad_request", 'Send "answers": {"<question text>": "<an option\'s label, or your own text>"}.');
      return { command: "answer", id, answers: answers as Record<string, string>, by: arg("by") ?? BY_HTTP };
    }
    case "budget": {
      const v = body.usd ?? (fromText.command === "budget" ? fromText.usd : null);
      const n = typeof v === "string" && /^\s*\$?\d+(\.\d+)?\s*$/.test(v) ? Number(v.replace("$", "")) : v;
      if (n !== null && n !== undefined && (typeof n !== "number" || !(n > 0))) throw new ControlError("bad_request", `"usd" must be an amount of dollars > 0 (got ${JSON.stringify(v)}).`);
      return { command: "budget", usd: (n as number | null | undefined) ?? null, by: arg("by") ?? BY_HTTP };
    }
    case "revoke": {
      const rule = arg("rule") ?? (fromText.command === "revoke" ? fromText.rule : "");
      if (!rule) throw new ControlError("bad_request", 'Send "rule": the "always" rule to remove (POST /webhook/permissions lists them).');
      return { command: "revoke", rule, by: arg("by") ?? BY_HTTP };
    }
    case "report":
      return { command: "report", date: reportDate(arg("date")) ?? (fromText.command === "report" ? fromText.date : null) ?? null };
    case "history":
      return historyRequestFromBody(body, fromText.command === "history" ? fromText : null);
    case "feedback":
      // No default `by`: the route's withBy names the sender (the body's "by", X-Orchestrator-By, else "HTTP <address>").
      return { ...feedbackRequestFromBody(body, fromText.command === "feedback" ? fromText : null), by: arg("by") };
    case "learn": {
      const text = arg("text") ?? (fromText.command === "learn" ? fromText.text : "");
      if (text.trim() === "") throw new ControlError("bad_request", 'Send "text": the lesson every later task\'s prompt should carry.');
      return { command: "learn", text, by: arg("by") };
    }
    case "logs": {
      const v = body.lines;
      if (v === undefined || v === null) return fromText;
      const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ControlError("bad_request", `"lines" must be a whole number from 1 to ${MAX_LINES}.`);
      return { command: "logs", lines: Math.min(n, MAX_LINES) };
    }
    default:
      return fromText;
  }
}

function buildRequest(name: string, arg: string | null): ControlRequest {
  if (!(CONTROL_COMMANDS as readonly string[]).includes(name)) throw unknownCommand(name);
  const command = name as ControlCommand;
  switch (command) {
    case "start":
      return startRequestFromText(arg);
    case "plan":
    case "plan_show":
    case "plan_start":
    case "plan_discard":
      return planRequestFromText(command, arg);
    case "retry":
      return { command, feedback: arg };
    case "diff":
    case "rollback": {
      const task = arg === null ? null : taskArg(arg);
      return command === "diff" ? { command, task } : { command, task };
    }
    case "tell":
      return { command, text: arg ?? "" };
    case "permission": {
      // "/permission <id> <allow|always|deny|stop> [message]"
      const [id = "", decision = "", ...rest] = (arg ?? "").split(/\s+/);
      return { command, id, decision: decision as PermissionDecision, message: rest.join(" ") || null };
    }
    case "revoke":
      return { command, rule: arg ?? "" };
    case "budget": {
      if (arg === null) return { command, usd: null };
      const n = /^\$?\d+(\.\d+)?$/.test(arg) ? Number(arg.replace("$", "")) : NaN;
      if (!(n > 0)) throw new ControlError("bad_request", `/budget takes an amount of dollars, e.g. /budget 15 (got "${arg}").`);
      return { command, usd: n };
    }
    case "report":
      return { command, date: reportDate(arg) };
    case "history":
      return historyRequestFromText(arg);
    case "feedback":
      // Nothing after /feedback: Control says what to send (a body may still carry it all).
      return arg === null ? { command, task: null, rating: null, note: null } : feedbackRequestFromText(arg);
    case "learn":
      return { command, text: arg ?? "" };
    case "logs": {
      if (arg === null) return { command };
      if (!/^\d+$/.test(arg) || Number(arg) < 1) throw new ControlError("bad_request", `/logs takes a number of lines from 1 to ${MAX_LINES} (got "${arg}").`);
      return { command, lines: Math.min(Number(arg), MAX_LINES) };
    }
    default:
      return { command } as ControlRequest;
  }
}

/** A report's date (YYYY-MM-DD), checked; null when absent (the report is today's). */
function reportDate(v: string | null): string | null {
  if (v === null || v.trim() === "") return null;
  const checked = checkReportDate(v);
  if (!checked.ok) throw new ControlError("bad_request", checked.message);
  return checked.date;
}

/** A task's 1-based position, from JSON (3 or "3") or command text; null when absent. */
function taskArg(v: unknown): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ControlError("bad_request", `"task" must be a task's position in the session, a whole number from 1 (got ${JSON.stringify(v)}).`);
  return n;
}

function unknownCommand(what: string): ControlError {
  const shown = what.length > 40 ? `${what.slice(0, 40)}…` : what;
  return new ControlError("bad_request", `Unknown command "${shown}". Valid commands: ${CONTROL_COMMANDS.join(", ")}.`);
}
