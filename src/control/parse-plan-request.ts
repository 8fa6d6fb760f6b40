import { ControlError } from "./control-error.js";
import type { ControlRequest } from "./control-types.js";

// The plan commands and start's `replace`, as typed ("/plan", "/plan show", "/plan start <id>
// --replace", "/start x.md --replace") and as JSON bodies (POST /webhook/plan {"daily_log"?},
// /webhook/plan/start {"id"?, "replace"?}, /webhook/plan/discard {"id"?}). Wrong types are a
// bad_request saying what to send, like the rest of parse-control-request.ts.

type PlanRequest = Extract<ControlRequest, { command: "plan" | "plan_show" | "plan_start" | "plan_discard" }>;
type StartRequest = Extract<ControlRequest, { command: "start" }>;

/** The words after /plan that name a sub-command; anything else is the daily log. */
const PLAN_WORDS: Record<string, PlanRequest["command"]> = { show: "plan_show", start: "plan_start", discard: "plan_discard" };

/** `--replace` typed with /start or /plan start (Telegram, /webhook/command text). */
const REPLACE_FLAG = /(?:^|\s)--replace(?=\s|$)/;

/** "/plan [daily_log]", "/plan show", "/plan start [id] [--replace]", "/plan discard [id]"; also "/plan_start [id]". */
export function planRequestFromText(command: PlanRequest["command"], arg: string | null): PlanRequest {
  const { rest, replace } = takeReplace(arg);
  const [first = "", ...others] = rest === null ? [] : rest.split(/\s+/);
  const sub = command === "plan" ? PLAN_WORDS[first.toLowerCase()] : undefined;
  const name = sub ?? command;
  const tail = sub ? others.join(" ") || null : rest;
  switch (name) {
    case "plan":
      if (replace) throw new ControlError("bad_request", "--replace goes with /plan start (or /start), not with /plan <daily log>.");
      return { command: "plan", daily_log: tail };
    case "plan_show":
      return { command: "plan_show" };
    case "plan_start":
      return { command: "plan_start", id: tail, ...(replace ? { replace: true } : {}) };
    case "plan_discard":
      return { command: "plan_discard", id: tail };
  }
}

/** "/start [file] [--replace]". */
export function startRequestFromText(arg: string | null): StartRequest {
  const { rest, replace } = takeReplace(arg);
  return { command: "start", task_file: rest, ...(replace ? { replace: true } : {}) };
}

/**
 * A plan command's JSON body, over what its typed form (`fromText`, from "command") said:
 * daily_log and id are strings, replace a boolean. Who sent it is added by the surface (withBy).
 */
export function planRequestFromBody(body: Record<string, unknown>, fromText: PlanRequest): PlanRequest {
  switch (fromText.command) {
    case "plan":
      return { command: "plan", daily_log: text(body, "daily_log", 'the daily log to plan from, e.g. "2026-01-01.md" (default: today\'s in paths.daily_dir)') ?? fromText.daily_log ?? null };
    case "plan_show":
      return { command: "plan_show" };
    case "plan_start": {
      const replace = replaceOf(body) ?? fromText.replace;
      return { command: "plan_start", id: planId(body) ?? fromText.id ?? null, ...(replace ? { replace: true } : {}) };
    }
    case "plan_discard":
      return { command: "plan_discard", id: planId(body) ?? fromText.id ?? null };
  }
}

/** `"replace": true|false` of a start (or plan/start) body; undefined when absent. */
export function replaceOf(body: Record<string, unknown>): boolean | undefined {
  const v = body.replace;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    throw new ControlError("bad_request", `"replace" must be true or false (got ${JSON.stringify(v)}): true starts even though a session is unfinished (it is left as it is).`);
  }
  return v;
}

function takeReplace(arg: string | null): { rest: string | null; replace: boolean } {
  if (arg === null) return { rest: null, replace: false };
  const replace = REPLACE_FLAG.test(arg);
  const rest = replace ? arg.replace(new RegExp(REPLACE_FLAG.source, "g"), " ").trim() : arg.trim();
  return { rest: rest === "" ? null : rest, replace };
}

function planId(body: Record<string, unknown>): string | null {
  return text(body, "id", 'the plan\'s id, e.g. "2026-01-01-p1" (default: the latest plan; GET /webhook/plan shows it)');
}

/** A string field, trimmed; null when absent or blank. */
function text(body: Record<string, unknown>, key: string, what: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw new ControlError("bad_request", `"${key}" must be a string: ${what} (got ${kindOf(v)}).`);
  return v.trim() || null;
}

/** What a wrong value is, without echoing a long one. */
function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `${typeof v === "number" ? "the number" : typeof v === "boolean" ? "the boolean" : typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}
