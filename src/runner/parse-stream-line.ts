import type { Progress, RateLimitInfo, TokenUsage } from "../core/run-outcome.js";
import type { PermissionAsk, PermissionRule } from "../core/permission.js";

/**
 * Pure parser of one line of `claude -p --output-format stream-json --verbose`.
 * Never throws: a line that is not a JSON object is "malformed", a message type we do not
 * use (user tool results, hooks, stream events) is "other". Unknown fields are ignored and
 * missing ones become null, because the CLI adds fields between versions.
 */

/** The fields of the final `{"type":"result"}` line that the runner uses. */
export interface ResultLine {
  /** "success" or error_max_turns / error_during_execution / error_max_budget_usd / ... */
  subtype: string;
  /** true also with subtype "success" (auth, API error, usage limit). */
  is_error: boolean;
  /** The answer text; absent on error_* subtypes. */
  result: string | null;
  /** error_* subtypes carry their messages here. */
  errors: string[];
  num_turns: number | null;
  /** For the whole Claude session: on --resume it includes the earlier runs. */
  total_cost_usd: number | null;
  /** This run's own cost (sum of model_usage_since_last_result[*].costUSD), when the CLI reports it. */
  run_cost_usd?: number | null;
  /** This run's tokens (per run, also on --resume). */
  usage: TokenUsage | null;
  session_id: string | null;
  /** Names of the tools that were refused (permission_denials[].tool_name). */
  permission_denials: string[];
}

export type StreamEvent =
  | { type: "init"; session_id: string | null; model: string | null; progress: Progress }
  | { type: "assistant"; session_id: string | null; progress: Progress[] }
  | { type: "result"; result: ResultLine }
  /** The CLI asks whether a tool call may run (stdio permission channel). */
  | { type: "permission_request"; ask: PermissionAsk }
  /** The CLI withdrew a request it asked (an interrupt, or the turn ended). */
  | { type: "permission_cancelled"; request_id: string }
  /** `{"type":"rate_limit_event","rate_limit_info":{status, resetsAt, rateLimitType, utilization}}`: the subscription's usage. */
  | { type: "rate_limit"; info: RateLimitInfo }
  /** A user message Claude took from stdin, echoed (--replay-user-messages): its text. */
  | { type: "user_echo"; text: string }
  | { type: "other"; lineType: string }
  | { type: "malformed"; error: string };

/** Longest progress text; a phone screen shows about that much. */
export const PROGRESS_TEXT_MAX = 200;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** First non-empty line, trimmed, cut to `max` characters (with an ellipsis when cut). */
export function firstLine(text: string, max = PROGRESS_TEXT_MAX): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "")?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Input fields that best say what a tool call is about, in order of preference. */
const SUMMARY_KEYS = ["command", "file_path", "notebook_path", "pattern", "path", "url", "query", "description", "prompt"];

/** "Bash: ls -la", "Write: /x/y.ts", "Grep: TODO", or just the tool name. */
export function describeToolUse(name: string, input: unknown): string {
  if (!isObject(input)) return name;
  const key = SUMMARY_KEYS.find((k) => typeof input[k] === "string" && (input[k] as string).trim() !== "");
  const value = key ? (input[key] as string) : Object.values(input).find((v): v is string => typeof v === "string" && v.trim() !== "");
  return value ? firstLine(`${name}: ${value}`) : name;
}

function contentProgress(content: unknown): Progress[] {
  if (!Array.isArray(content)) return [];
  const out: Progress[] = [];
  for (const block of content) {
    if (!isObject(block)) continue;
    if (block.type === "text") {
      const text = firstLine(str(block.text) ?? "");
      if (text) out.push({ kind: "text", text });
    } else if (block.type === "tool_use") {
      const name = str(block.name) ?? "tool";
      out.push({ kind: "tool_use", text: describeToolUse(name, block.input), tool: name });
    }
    // thinking / redacted_thinking / others: nothing a person needs to see.
  }
  return out;
}

function parseUsage(v: unknown): TokenUsage | null {
  if (!isObject(v)) return null;
  return {
    input_tokens: num(v.input_tokens) ?? 0,
    output_tokens: num(v.output_tokens) ?? 0,
    cache_creation_input_tokens: num(v.cache_creation_input_tokens) ?? 0,
    cache_read_input_tokens: num(v.cache_read_input_tokens) ?? 0,
  };
}

/** Sum of costUSD over a per-model usage map ({"claude-x": {"costUSD": 0.01, ...}}), or null. */
function sumModelCost(v: unknown): number | null {
  if (!isObject(v)) return null;
  const costs = Object.values(v).map((m) => (isObject(m) ? num(m.costUSD) : null));
  if (costs.length === 0 || costs.some((c) => c === null)) return null;
  return (costs as number[]).reduce((a, b) => a + b, 0);
}

function parseErrors(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((e) => (typeof e === "string" ? e : isObject(e) && typeof e.message === "string" ? e.message : JSON.stringify(e)));
}

function parseDenials(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((d) => (typeof d === "string" ? d : isObject(d) ? str(d.tool_name) : null))
    .filter((name): name is string => !!name);
}

export function parseResult(msg: Json): ResultLine {
  return {
    subtype: str(msg.subtype) ?? "unknown",
    is_error: msg.is_error === true,
    result: str(msg.result),
    errors: parseErrors(msg.errors),
    num_turns: num(msg.num_turns),
    total_cost_usd: num(msg.total_cost_usd),
    run_cost_usd: sumModelCost(msg.model_usage_since_last_result),
    usage: parseUsage(msg.usage),
    session_id: str(msg.session_id),
    permission_denials: parseDenials(msg.permission_denials),
  };
}

/** rate_limit_info: resetsAt is epoch seconds; a field missing or of another type becomes null. */
export function parseRateLimit(v: unknown): RateLimitInfo {
  const info = isObject(v) ? v : {};
  const resets = num(info.resetsAt);
  return {
    status: str(info.status) ?? "unknown",
    type: str(info.rateLimitType),
    resets_at: resets !== null && resets > 0 && resets < 1e11 ? new Date(resets * 1000).toISOString() : null, // not a date past year 5000
    utilization: num(info.utilization),
  };
}

export function parseStreamLine(line: string): StreamEvent {
  const trimmed = line.trim();
  if (trimmed === "") return { type: "other", lineType: "" };
  let msg: unknown;
  try {
    msg = JSON.parse(trimmed);
  } catch (err) {
    return { type: "malformed", error: (err as Error).message };
  }
  if (!isObject(msg)) return { type: "malformed", error: "not a JSON object" };

  const type = str(msg.type) ?? "";
  if (type === "system" && msg.subtype === "init") {
    const model = str(msg.model);
    return {
      type: "init",
      session_id: str(msg.session_id),
      model,
      progress: { kind: "init", text: model ?? "session started" },
    };
  }
  if (type === "assistant") {
    const message = isObject(msg.message) ? msg.message : {};
    return { type: "assistant", session_id: str(msg.session_id), progress: contentProgress(message.content) };
  }
  if (type === "result") return { type: "result", result: parseResult(msg) };
  if (type === "rate_limit_event") return { type: "rate_limit", info: parseRateLimit(msg.rate_limit_info) };
  if (type === "control_request") {
    const request = isObject(msg.request) ? msg.request : {};
    const id = str(msg.request_id);
    if (id && request.subtype === "can_use_tool") return { type: "permission_request", ask: parseAsk(id, request) };
    return { type: "other", lineType: `control_request:${str(request.subtype) ?? "?"}` };
  }
  if (type === "user") {
    const message = isObject(msg.message) ? msg.message : {};
    const content = message.content;
    const text = typeof content === "string" ? content : Array.isArray(content) && content.every((b) => isObject(b) && b.type === "text") ? content.map((b) => str((b as Json).text) ?? "").join("") : null;
    if (text !== null) return { type: "user_echo", text };
    return { type: "other", lineType: type };
  }
  if (type === "control_cancel_request") {
    const id = str(msg.request_id);
    if (id) return { type: "permission_cancelled", request_id: id };
  }
  return { type: "other", lineType: type };
}

/** The first allow rule the CLI suggests ({type: "addRules", rules: [{toolName, ruleContent}]}), or null. */
function firstSuggestion(v: unknown): PermissionRule | null {
  if (!Array.isArray(v)) return null;
  for (const s of v) {
    if (!isObject(s) || !Array.isArray(s.rules) || (s.behavior !== undefined && s.behavior !== "allow")) continue;
    const rule = s.rules.find((r): r is Json => isObject(r) && typeof r.toolName === "string");
    if (rule) return { toolName: rule.toolName as string, ...(typeof rule.ruleContent === "string" && rule.ruleContent !== "" ? { ruleContent: rule.ruleContent } : {}) };
  }
  return null;
}

function parseAsk(requestId: string, r: Json): PermissionAsk {
  return {
    request_id: requestId,
    tool: str(r.tool_name) ?? "tool",
    input: isObject(r.input) ? r.input : {},
    description: str(r.description),
    suggestion: firstSuggestion(r.permission_suggestions),
    blocked_path: str(r.blocked_path),
    tool_use_id: str(r.tool_use_id),
  };
}
