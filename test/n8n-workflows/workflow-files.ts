/**
 * The n8n workflows of n8n_workflows/ as the structural tests read them, and their Code nodes and
 * expressions run the way n8n runs them (one item at a time, `$json`, `$('Node').item`), without
 * n8n. Also a Telegram stand-in for what n8n's Telegram nodes would send, built from the node's
 * parameters, and for how Telegram hands a message back (text + entities, not HTML).
 */
import { expect } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseTelegramHtml } from "../fixtures/fake-bot-api/telegram-html.js";
import { REPO } from "../support/run-orchestrator-bin.js";

export interface WfNode {
  id?: string;
  name: string;
  type: string;
  typeVersion: number;
  parameters: Record<string, any>;
  credentials?: Record<string, unknown>;
  webhookId?: string;
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
  onError?: string;
}
export interface Workflow {
  id?: string;
  name: string;
  active?: boolean;
  nodes: WfNode[];
  connections: Record<string, Record<string, { node: string; type: string; index: number }[][]>>;
  settings?: Record<string, unknown>;
}

export const DIR = path.join(REPO, "n8n_workflows");
export const T2O = "telegram-to-orchestrator.json";
export const O2T = "orchestrator-to-telegram.json";
export const FILES = ["daily-startup.json", O2T, T2O];
export const raw: Record<string, string> = Object.fromEntries(FILES.map((f) => [f, readFileSync(path.join(DIR, f), "utf8")]));
const workflows: Record<string, Workflow> = Object.fromEntries(FILES.map((f) => [f, JSON.parse(raw[f] as string) as Workflow]));
export const wf = (file: string) => workflows[file] as Workflow;
export const node = (file: string, name: string): WfNode => {
  const found = wf(file).nodes.find((n) => n.name === name);
  if (!found) throw new Error(`${file} has no node "${name}"`);
  return found;
};
export const ofType = (file: string, type: string) => wf(file).nodes.filter((n) => n.type === `n8n-nodes-base.${type}`);
export const allNodes = () => FILES.flatMap((file) => wf(file).nodes.map((n) => ({ file, n })));
/** The node names each output of `from` leads to. */
export const outputs = (file: string, from: string): string[][] => (wf(file).connections[from]?.main ?? []).map((b) => (b ?? []).map((t) => t.node));

/**
 * Runs a Code node (run once for each item) on one item; `refs` are the items `$('Node')` gives.
 * Returns the item's json, or null when the node drops the item (returns null).
 */
export function runCodeOrNull(file: string, name: string, json: Record<string, unknown>, refs: Record<string, Record<string, unknown>> = {}): Record<string, any> | null {
  const code = node(file, name).parameters.jsCode as string;
  const $ = (ref: string) => {
    if (!(ref in refs)) throw new Error(`${name} reads $('${ref}'), which the test did not give`);
    return { item: { json: refs[ref] }, first: () => ({ json: refs[ref] }) };
  };
  const out = new Function("$json", "$", "$input", code)(json, $, { item: { json } }) as { json: Record<string, any> } | null;
  if (out === null) return null;
  expect(out).toHaveProperty("json");
  return out.json;
}

export function runCode(file: string, name: string, json: Record<string, unknown>, refs: Record<string, Record<string, unknown>> = {}): Record<string, any> {
  const out = runCodeOrNull(file, name, json, refs);
  if (out === null) throw new Error(`${name} dropped the item`);
  return out;
}

/**
 * Evaluates an n8n expression ("={{ … }}") on an item: `$json`, `$('Node').item.json` from
 * `refs`, and the settings as `$vars` / `$env`. A value without "={{" is returned as it is.
 */
export function evaluate(expression: unknown, json: Record<string, unknown>, opts: { refs?: Record<string, Record<string, unknown>>; env?: Record<string, string> } = {}): unknown {
  if (typeof expression !== "string" || !expression.startsWith("=")) return expression;
  const refs = opts.refs ?? {};
  const $ = (ref: string) => {
    if (!(ref in refs)) throw new Error(`the expression reads $('${ref}'), which the test did not give`);
    return { item: { json: refs[ref] } };
  };
  const template = expression.slice(1);
  const whole = /^\{\{([\s\S]*)\}\}$/.exec(template.trim());
  const run = (js: string) => new Function("$json", "$", "$vars", "$env", `return (${js});`)(json, $, {}, opts.env ?? {});
  if (whole && !whole[1]!.includes("}}")) return run(whole[1] as string);
  return template.replace(/\{\{([\s\S]*?)\}\}/g, (_, js: string) => String(run(js)));
}

/** The text is HTML Telegram accepts, within its 4096 visible characters. Returns the visible text. */
export function expectTelegramHtml(html: unknown): string {
  expect(typeof html).toBe("string");
  const parsed = parseTelegramHtml(html as string);
  if (!parsed.ok) throw new Error(`${parsed.description}\n${html as string}`);
  expect(parsed.text.length).toBeGreaterThan(0);
  expect(parsed.text.length).toBeLessThanOrEqual(4096);
  return parsed.text;
}

/** A text message typed in a chat, as Telegram delivers it. */
export const update = (text: string, chat = 4242, from: Record<string, unknown> = { id: chat, is_bot: false, first_name: "T" }) => ({ update_id: 1, message: { message_id: 7, date: 0, chat: { id: chat, type: "private" }, from, text } });

/** Which outputs of a Switch (v3, rules on one field equal to a value, fallback last) an item goes to. */
export function switchOutput(file: string, name: string, item: Record<string, unknown>): number {
  const rules = node(file, name).parameters.rules.values as { conditions: { conditions: { leftValue: string; rightValue: string }[] } }[];
  const i = rules.findIndex((r) => evaluate(r.conditions.conditions[0]?.leftValue, item) === r.conditions.conditions[0]?.rightValue);
  return i === -1 ? rules.length : i;
}

/** The boolean an IF node (v2, one boolean condition) decides for an item. */
export function ifTrue(file: string, name: string, item: Record<string, unknown>, opts: { refs?: Record<string, Record<string, unknown>>; env?: Record<string, string> } = {}): boolean {
  const conditions = node(file, name).parameters.conditions.conditions as { leftValue: string; operator: { operation: string } }[];
  expect(conditions).toHaveLength(1);
  expect(conditions[0]?.operator.operation).toBe("true");
  return evaluate(conditions[0]?.leftValue, item, opts) === true;
}

/**
 * What n8n's Telegram node (v1.2) sends for an item: the body of sendMessage / editMessageText
 * with its inline keyboard built from the node's fixed rows, as GenericFunctions.addAdditionalFields
 * builds it (without the keyboard when replyMarkup is none).
 */
export function telegramBody(file: string, name: string, json: Record<string, unknown>, refs: Record<string, Record<string, unknown>> = {}, env: Record<string, string> = {}): Record<string, unknown> {
  const p = node(file, name).parameters;
  const ev = (v: unknown) => evaluate(v, json, { refs, env });
  const body: Record<string, unknown> = { chat_id: ev(p.chatId), text: ev(p.text) };
  if (p.operation === "editMessageText") body.message_id = ev(p.messageId);
  for (const [k, v] of Object.entries((p.additionalFields ?? {}) as Record<string, unknown>)) if (k !== "appendAttribution") body[k] = ev(v);
  if (p.replyMarkup === "inlineKeyboard") {
    const rows = (p.inlineKeyboard?.rows ?? []) as { row: { buttons: { text: string; additionalFields?: Record<string, string> } [] } }[];
    body.reply_markup = {
      inline_keyboard: rows.map((r) => r.row.buttons.map((b) => ({ text: ev(b.text), ...Object.fromEntries(Object.entries(b.additionalFields ?? {}).map(([k, v]) => [k, ev(v)])) }))),
    };
  }
  return body;
}

interface Entity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
}
const ENTITY: Record<string, string> = { b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", s: "strikethrough", code: "code", pre: "pre", a: "text_link", blockquote: "blockquote", "tg-spoiler": "spoiler" };

/**
 * A message as Telegram gives it back (in a callback_query, a reply_to_message): the visible text
 * and its entities (offsets in UTF-16 units), made from the HTML it was sent with.
 */
export function asTelegramMessage(html: string): { text: string; entities?: Entity[] } {
  const parsed = parseTelegramHtml(html);
  if (!parsed.ok) throw new Error(parsed.description);
  const entities: Entity[] = [];
  const open: { tag: string; start: number; entity: Entity | null }[] = [];
  let text = "";
  const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  for (let i = 0; i < html.length; ) {
    const tag = /^<(\/?)([a-zA-Z-]+)([^>]*)>/.exec(html.slice(i));
    if (tag) {
      const [whole, closing, name, attrs] = tag as unknown as [string, string, string, string];
      if (closing) {
        const o = open.pop();
        if (o?.entity) {
          o.entity.length = text.length - o.start;
          if (o.entity.length > 0) entities.push(o.entity);
        }
      } else {
        const type = ENTITY[name];
        const parent = open.at(-1);
        const language = /class="language-([^"]+)"/.exec(attrs)?.[1];
        // <pre><code class="language-x"> is one pre entity with a language.
        if (name === "code" && parent?.tag === "pre" && parent.entity) {
          if (language) parent.entity.language = language;
          open.push({ tag: name, start: text.length, entity: null });
        } else {
          const entity: Entity | null = type ? { type, offset: text.length, length: 0 } : null;
          if (entity && name === "a") entity.url = /href="([^"]*)"/.exec(attrs)?.[1]?.replace(/&amp;/g, "&").replace(/&quot;/g, '"');
          open.push({ tag: name, start: text.length, entity });
        }
      }
      i += whole.length;
      continue;
    }
    const ent = /^&(#[0-9]+|[a-z]+);/.exec(html.slice(i));
    if (ent) {
      text += ent[1]!.startsWith("#") ? String.fromCodePoint(Number(ent[1]!.slice(1))) : NAMED[ent[1] as string];
      i += ent[0].length;
      continue;
    }
    text += html[i];
    i++;
  }
  expect(text).toBe(parsed.text);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return entities.length ? { text, entities } : { text };
}

// ------------------------------------------------------------------ a workflow, walked as n8n runs it

/** An item between nodes: its JSON and, after a Code node that made one, its binary (base64). */
export interface WalkItem {
  json: Record<string, any>;
  binary?: Record<string, { data: string; mimeType?: string; fileName?: string }>;
}

/** What a walk asks of the world outside n8n. */
export interface WalkIo {
  /**
   * An HTTP Request node's call: its method, the URL after `/webhook/`, and the JSON body (none
   * for a node that sends none). Answers as the node outputs it with fullResponse + neverError:
   * {statusCode, body}, or {error} when no answer came.
   */
  http(req: { node: string; method: string; path: string; body: unknown }): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** A Telegram node's Bot API call (a document's file as `file`): Telegram's answer. */
  telegram(req: { node: string; method: string; params: Record<string, unknown>; file?: { filename: string; content: Buffer } }): { ok: boolean; result?: unknown; description?: string };
  /** The settings ($vars || $env). */
  env?: Record<string, string>;
  /** Nodes whose output is given instead of run (as n8n's pinned data), e.g. a Settings node set otherwise. */
  pinned?: Record<string, WalkItem>;
}

export interface Walk {
  /** The nodes run, in order. */
  visited: string[];
  /** Each node's output item (the last, when a node ran twice). */
  out: Record<string, WalkItem>;
}

/**
 * Runs `file` from the node `start` on one item the way n8n does (execution order v1: each
 * output's branch in turn, depth first): Code nodes run their JS, IF and Switch nodes decide,
 * Set nodes set, HTTP Request and Telegram nodes ask `io` (a refused Telegram call goes to the
 * error output, or on as an error item, as the node's onError says; otherwise it throws, as n8n
 * stops). `$('Node').item` is the item that node output. Not modelled: retries (one try each).
 */
export async function walk(file: string, start: string, item: WalkItem, io: WalkIo): Promise<Walk> {
  const visited: string[] = [];
  const out: Record<string, WalkItem> = {};
  const env = io.env ?? {};
  const jsonRefs = () => Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.json]));
  const run = async (name: string, input: WalkItem): Promise<void> => {
    const n = node(file, name);
    visited.push(name);
    const ev = (v: unknown, json: Record<string, unknown> = input.json) => evaluate(v, json, { refs: jsonRefs(), env });
    const p = n.parameters;
    let outs: (WalkItem | null)[];
    const pin = io.pinned?.[name];
    switch (pin ? "pinned" : n.type) {
      case "pinned":
        outs = [pin as WalkItem];
        break;
      case "n8n-nodes-base.code": {
        const $ = (ref: string) => {
          if (!(ref in out)) throw new Error(`${name} reads $('${ref}'), which has not run`);
          return { item: out[ref], first: () => out[ref] };
        };
        const r = new Function("$json", "$", "$input", p.jsCode as string)(input.json, $, { item: input }) as WalkItem | null;
        outs = [r === null ? null : { json: r.json, ...(r.binary ? { binary: r.binary } : {}) }];
        break;
      }
      case "n8n-nodes-base.if":
        outs = ifTrue(file, name, input.json, { refs: jsonRefs(), env }) ? [input, null] : [null, input];
        break;
      case "n8n-nodes-base.switch": {
        const i = switchOutput(file, name, input.json);
        outs = Array.from({ length: i + 1 }, (_, k) => (k === i ? input : null));
        break;
      }
      case "n8n-nodes-base.set": {
        const assignments = (p.assignments?.assignments ?? []) as { name: string; value: unknown }[];
        outs = [{ json: Object.fromEntries(assignments.map((a) => [a.name, ev(a.value)])) }];
        break;
      }
      case "n8n-nodes-base.httpRequest": {
        const url = String(ev(p.url));
        const at = url.indexOf("/webhook/");
        const body = p.sendBody ? JSON.parse(String(ev(p.jsonBody))) : undefined;
        const res = await io.http({ node: name, method: String(ev(p.method ?? "GET")), path: at === -1 ? url : url.slice(at + "/webhook/".length), body });
        outs = [{ json: res }];
        break;
      }
      case "n8n-nodes-base.telegram": {
        const resource = p.resource ?? "message";
        const operation = p.operation ?? "sendMessage";
        let call: Parameters<WalkIo["telegram"]>[0];
        if (resource === "callback" && operation === "answerQuery") {
          call = { node: name, method: "answerCallbackQuery", params: { callback_query_id: ev(p.queryId), text: ev(p.additionalFields?.text) } };
        } else if (operation === "sendDocument") {
          const bin = input.binary?.[p.binaryPropertyName as string];
          if (!bin) throw new Error(`${name}: the item has no binary "${String(p.binaryPropertyName)}"`);
          const params: Record<string, unknown> = { chat_id: ev(p.chatId) };
          for (const [k, v] of Object.entries((p.additionalFields ?? {}) as Record<string, unknown>)) if (k !== "fileName") params[k] = ev(v);
          call = { node: name, method: "sendDocument", params, file: { filename: String(ev(p.additionalFields?.fileName) ?? bin.fileName), content: Buffer.from(bin.data, "base64") } };
        } else {
          call = { node: name, method: operation === "editMessageText" ? "editMessageText" : "sendMessage", params: telegramBody(file, name, input.json, jsonRefs(), env) };
        }
        const answer = io.telegram(call);
        if (answer.ok) outs = [{ json: answer as Record<string, any> }];
        else if (n.onError === "continueErrorOutput") outs = [null, { json: { error: answer.description } }];
        else if (n.onError === "continueRegularOutput") outs = [{ json: { error: answer.description } }];
        else throw new Error(`${name}: Telegram refused ${call.method}: ${answer.description}`);
        break;
      }
      case "n8n-nodes-base.respondToWebhook":
      case "n8n-nodes-base.scheduleTrigger":
      case "n8n-nodes-base.webhook":
      case "n8n-nodes-base.telegramTrigger":
        outs = [input];
        break;
      default:
        throw new Error(`walk does not know ${n.type} (${name})`);
    }
    const made = outs.find((o) => o !== null);
    if (made) out[name] = made;
    const next = outputs(file, name);
    for (const [i, o] of outs.entries()) {
      if (!o) continue;
      for (const target of next[i] ?? []) await run(target, o);
    }
  };
  await run(start, item);
  return { visited, out };
}

/** A FakeWorld as a walk's Telegram. */
export function telegramOf(world: { sendMessage(p: Record<string, unknown>): any; editMessageText(p: Record<string, unknown>): any; sendDocument(p: Record<string, unknown>, files: Record<string, { filename: string; content: Buffer }>): any; answerCallbackQuery(p: Record<string, unknown>): any }): WalkIo["telegram"] {
  return ({ method, params, file }) => {
    if (method === "sendMessage") return world.sendMessage(params);
    if (method === "editMessageText") return world.editMessageText(params);
    if (method === "answerCallbackQuery") return world.answerCallbackQuery(params);
    return world.sendDocument(params, file ? { document: file } : {});
  };
}
