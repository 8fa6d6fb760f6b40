/**
 * The kinds of value config.yaml holds, as zod schemas. Each reads a value as written in the
 * file or as an environment variable's text (so numbers and booleans may arrive as strings),
 * normalises it, and fails with one message saying what the key must be: the middle of a
 * problem "<origin>: <key> <message> (got <value>)" (parse-layered.ts). Their JSON Schema
 * (config.schema.json) shows the canonical form to editors; the runtime also takes the text forms.
 */
import { z } from "zod";

import { commandLines } from "../core/task-file/command-lines.js";
import { branchTemplateProblem, SESSION_PLACEHOLDER } from "./branch-name.js";
import { toArgv } from "./split-command.js";

/** Claude Code's --permission-mode values. */
const PERMISSION_MODES = ["default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto"] as const;
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
const STRING_MUST = "must be a string (quote it in YAML)";

/** A number written as text ("8080", from `${PORT}` or PORT) is that number; anything else is left to fail. */
function toNumber(value: unknown): unknown {
  return typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

/** Text is trimmed and an empty text is null; a missing value is null. */
function blankToNull(value: unknown): unknown {
  if (value === undefined) return null;
  return typeof value === "string" ? value.trim() || null : value;
}

function lowerTrim(value: unknown): unknown {
  return typeof value === "string" ? value.trim().toLowerCase() : value;
}

/** Non-empty text, trimmed. */
export function text(must = "must be a non-empty string") {
  return z.string({ error: must }).trim().min(1, { error: must });
}

/** A string or null; an empty string is null. */
export function optionalText() {
  return z.preprocess(blankToNull, z.string({ error: STRING_MUST }).nullable());
}

/** An http:// or https:// URL, or null. (No JSON Schema "format": editors would flag `"${N8N_NOTIFY_URL}"`.) */
export function url() {
  return optionalText().refine((text) => text === null || isHttpUrl(text), { error: "must be an http:// or https:// URL" });
}

function isHttpUrl(text: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** One of `values`, in any case. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(lowerTrim, z.enum(values, { error: `must be one of ${values.join(", ")}` }));
}

/** true or false (also as text: "TRUE", "false"). */
export function flag() {
  const read = (v: unknown) => (typeof v === "string" && /^(true|false)$/i.test(v.trim()) ? v.trim().toLowerCase() === "true" : v);
  return z.preprocess(read, z.boolean({ error: "must be true or false" }));
}

/** auto, true or false (also as text: "TRUE", "Auto"): a switch whose default is "when it applies". */
export function autoFlag() {
  const read = (v: unknown) => {
    const word = lowerTrim(v);
    return word === "true" ? true : word === "false" ? false : word;
  };
  return z.preprocess(read, z.union([z.enum(["auto"]), z.boolean()], { error: "must be auto, true or false" }));
}

/** 0 asks the OS for any free port; serve prints the one it got. */
export function port() {
  const error = "must be a port number 0-65535 (0: any free port)";
  return z.preprocess(toNumber, z.int({ error }).min(0, { error }).max(65535, { error }));
}

export function seconds({ zeroAllowed }: { zeroAllowed: boolean }) {
  const error = `must be a number of seconds ${zeroAllowed ? ">= 0" : "> 0"}`;
  const n = z.number({ error });
  return z.preprocess(toNumber, zeroAllowed ? n.min(0, { error }) : n.gt(0, { error }));
}

export function count(min: number) {
  const error = `must be a whole number >= ${min}`;
  return z.preprocess(toNumber, z.int({ error }).min(min, { error }));
}

/** An amount of US dollars > 0, or null (no limit; also written as an empty string). */
export function optionalDollars() {
  const error = "must be an amount of US dollars > 0, or null";
  return z.preprocess((v) => (v === "" ? null : toNumber(blankToNull(v))), z.number({ error }).gt(0, { error }).nullable());
}

/** A share between 0 and 1 (0.75 = 75 %). */
export function ratio() {
  const error = "must be a number between 0 and 1 (0.75 = 75 %)";
  return z.preprocess(toNumber, z.number({ error }).min(0, { error }).max(1, { error }));
}

/** A whole number >= 1, or null (also written as an empty string). */
export function optionalCount() {
  const error = "must be a whole number >= 1, or null";
  return z.preprocess((v) => (v === "" ? null : toNumber(blankToNull(v))), z.int({ error }).min(1, { error }).nullable());
}

/** A YAML list of strings, trimmed and without repeats; null is empty. Task types compare lower-cased: `lower`. */
export function stringList({ lower }: { lower: boolean }) {
  const error = "must be a list of non-empty strings (YAML `- item` lines or [a, b])";
  const item = z.string({ error }).trim().min(1, { error });
  return z
    .array(lower ? item.toLowerCase() : item, { error })
    .nullable()
    .transform((items) => [...new Set(items ?? [])]);
}

const ARGV_MUST = "must be a string or a list of strings";

/** A string split without a shell, or a list taken as-is (one argument per item); undefined after an issue. */
function toWords(value: string | string[], ctx: z.RefinementCtx): string[] | undefined {
  if (Array.isArray(value)) return [...value];
  try {
    return toArgv(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `cannot be split into arguments: ${(error as Error).message}` });
    return undefined;
  }
}

/** Arguments: a string split without a shell, or a list; null is none. */
export function argv() {
  return z
    .union([z.string(), z.array(z.string()), z.null()], { error: ARGV_MUST })
    .transform((value, ctx) => (value === null ? [] : (toWords(value, ctx) ?? [])));
}

/**
 * Commands, each kept as one string (split into arguments where it runs, never by a shell): a
 * string is one command, or one per line when it has several lines (like a ``` block under a
 * task's **Verify:**); a list is one command per item. "" and null are none.
 */
export function commandList() {
  const error = "must be a command (a string) or a list of commands (YAML `- item` lines)";
  const item = z.string({ error }).trim().min(1, { error: "must not hold an empty command" });
  return z
    .union([z.string(), z.array(item), z.null()], { error })
    .transform((value) => (value === null ? [] : Array.isArray(value) ? value : commandLines(value)))
    // Each must split like claude.command (no shell runs it): said now, not after a task's work.
    .superRefine((commands, ctx) => {
      for (const c of commands) {
        try {
          toArgv(c);
        } catch (e) {
          ctx.addIssue({ code: "custom", message: `has ${JSON.stringify(c)}, which cannot run: ${(e as Error).message.replace("or give the command as a YAML list", "or write sh -c '…' yourself, or give each command its own list item")}` });
        }
      }
    });
}

/** An executable and its leading arguments, like argv() but never empty (validate-config.ts resolves the executable). */
export function command() {
  return z.union([z.string(), z.array(z.string())], { error: ARGV_MUST }).transform((value, ctx) => {
    const words = toWords(value, ctx);
    if (words && (words.length === 0 || words[0].trim() === "")) {
      ctx.addIssue({ code: "custom", message: "must name the claude executable" });
    }
    return words ?? [];
  });
}

/**
 * A git branch name, or null (also ""): `{session}` is replaced by the session id, and the
 * result must be a name git accepts (branch-name.ts), checked here with a sample id.
 */
export function branchTemplate() {
  return optionalText().superRefine((template, ctx) => {
    const problem = template === null ? null : branchTemplateProblem(template);
    if (problem !== null) {
      ctx.addIssue({ code: "custom", message: `must be a git branch name (${SESSION_PLACEHOLDER} becomes the session id): ${problem}` });
    }
  });
}

/** A path, trimmed; validate-config.ts resolves it against the folder of where it was written. */
export function path() {
  return text("must be a non-empty path");
}

/** debug, info, warn or error; the seed's DEBUG, INFO, WARNING and ERROR too. */
export function logLevel() {
  const read = (v: unknown) => (lowerTrim(v) === "warning" ? "warn" : lowerTrim(v));
  return z.preprocess(read, z.enum(LOG_LEVELS, { error: "must be one of debug, info, warn, error (or DEBUG, INFO, WARNING, ERROR)" }));
}

export function permissionMode() {
  const error = (issue: { input?: unknown }) =>
    typeof issue.input === "string" ? `must be one of ${PERMISSION_MODES.join(", ")}, or null` : STRING_MUST;
  return z.preprocess(blankToNull, z.enum(PERMISSION_MODES, { error }).nullable());
}

/**
 * Telegram chat ids: a number, a string (a comma-separated list, as TELEGRAM_CHAT_ID is), or a
 * list of those; null is none. Ids are integers (negative for groups) or a public @channelname.
 */
export function chatIds() {
  const id = z.union([z.int(), z.string()]);
  return z
    .union([id, z.array(id), z.null()], { error: "must be a chat id, a comma-separated string of ids, or a list of ids" })
    .transform((value, ctx) => {
      const items = value === null ? [] : Array.isArray(value) ? value : [value];
      const ids = items.flatMap((item) => String(item).split(",").map((s) => s.trim()).filter((s) => s !== ""));
      const bad = ids.filter((one) => !/^-?\d+$/.test(one) && !/^@[A-Za-z0-9_]+$/.test(one));
      if (bad.length > 0) {
        const listed = bad.map((b) => JSON.stringify(b)).join(", ");
        ctx.addIssue({ code: "custom", message: `holds ${listed}, not a numeric chat id or @channel` });
      }
      return [...new Set(ids)];
    });
}

/** A key of the seed's config.yaml that is accepted and never used: `why` says so in editors. */
export function ignored(why: string) {
  return z
    .unknown()
    .transform(() => undefined)
    .optional()
    .meta({ deprecated: true, description: why });
}
