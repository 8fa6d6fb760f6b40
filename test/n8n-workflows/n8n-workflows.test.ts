/**
 * The n8n workflows of n8n_workflows/, checked without n8n (fast, part of `npm test`): every file
 * parses, every connection names an existing node, no credential secrets in the files, the
 * settings the issue asks for (retries, timeouts, HTML, no attribution, the allowed chat, the
 * timezone). And the JavaScript of their Code nodes, run on real answers of the orchestrator's
 * HTTP API: the text they make is Telegram HTML that Telegram accepts, within 4096 characters.
 * `npm run test:n8n` proves the same files in a real n8n.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { startHarness, type Harness } from "../http/http-harness.js";
import { REPO } from "../support/run-orchestrator-bin.js";
import { FakeWorld } from "../fixtures/fake-bot-api/fake-world.js";
import { allNodes, DIR, expectTelegramHtml, FILES, ifTrue, node, O2T, ofType, outputs, raw, runCode, T2O, telegramOf, update, walk, wf } from "./workflow-files.js";

/**
 * The commands the Switch routes to the orchestrator (the seed's eight, /retry, issue #10's
 * /cancel, /diff, /rollback, issue #11's /tell, /permissions, /revoke and a tool request's
 * button, issue #12's /plan (show, start, discard: also a plan's buttons), /budget, /report,
 * /history, /feedback, /learn), then "lookup" (a question's button or a reply to a request: the
 * request is read first) and "session" (a /start question's button: the session is read first).
 */
const COMMANDS = ["start", "status", "approve", "pause", "resume", "skip", "retry", "cancel", "diff", "rollback", "logs", "help", "tell", "permissions", "revoke", "permission", "plan", "plan_show", "plan_start", "plan_discard", "budget", "report", "history", "feedback", "learn"];
const ROUTES = [...COMMANDS, "lookup", "session"];
/** The settings the workflows read ($vars, else $env): the README must document each. */
const SETTINGS = ["ORCHESTRATOR_URL", "WEBHOOK_SECRET", "TELEGRAM_CHAT_ID"];

describe("the n8n workflow files", () => {
  it("are exactly the three, each a workflow n8n can import", () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()).toEqual(FILES);
    for (const file of FILES) {
      const w = wf(file);
      expect(typeof w.name).toBe("string");
      expect(Array.isArray(w.nodes)).toBe(true);
      expect(typeof w.connections).toBe("object");
      expect(w.settings?.executionOrder).toBe("v1");
      // Imported inactive; n8n gives the workflow and its nodes fresh ids, so the Telegram
      // Trigger's secret token (derived from them) differs on every install.
      expect(w.active ?? false).toBe(false);
      expect(w.id).toBeUndefined();
      for (const n of w.nodes) {
        expect(n.id).toBeUndefined();
        expect(n.type).toMatch(/^n8n-nodes-base\.[A-Za-z]+$/);
        expect(typeof n.typeVersion).toBe("number");
        expect(typeof n.parameters).toBe("object");
      }
    }
  });

  it("connect only nodes that exist, with unique names, and leave no node unreachable", () => {
    for (const file of FILES) {
      const w = wf(file);
      const names = w.nodes.map((n) => n.name);
      expect(new Set(names).size).toBe(names.length);
      const reached = new Set<string>();
      for (const [from, outputs] of Object.entries(w.connections)) {
        expect(names).toContain(from);
        for (const [kind, branches] of Object.entries(outputs)) {
          expect(kind).toBe("main");
          for (const branch of branches) {
            for (const target of branch ?? []) {
              expect({ file, from, to: target.node, known: names.includes(target.node) }).toEqual({ file, from, to: target.node, known: true });
              expect(target.type).toBe("main");
              expect(target.index).toBe(0);
              reached.add(target.node);
            }
          }
        }
      }
      for (const n of w.nodes) {
        const trigger = /Trigger$|\.webhook$/.test(n.type);
        expect({ file, node: n.name, reached: reached.has(n.name) }).toEqual({ file, node: n.name, reached: !trigger });
      }
    }
  });

  it("hold no credential secrets: Telegram credentials by reference, secrets from settings", () => {
    for (const { file, n } of allNodes()) {
      for (const [type, ref] of Object.entries(n.credentials ?? {})) {
        expect({ file, type }).toEqual({ file, type: "telegramApi" });
        expect(ref).toEqual({ id: "orchestratorTelegramBot", name: "Orchestrator Telegram bot" });
      }
    }
    for (const file of FILES) {
      const text = raw[file] as string;
      expect(text).not.toMatch(/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/); // a bot token
      expect(text).not.toMatch(/accessToken|"password"|"apiKey"|Bearer /i);
      expect(text).not.toMatch(/\b[0-9a-f]{32,}\b/i); // a hex secret (openssl rand -hex)
      expect(text).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/); // base64 blobs
      expect(text).not.toMatch(/api\.telegram\.org|https?:\/\/(?!\S*(telegram\.me|n8n\.io))[a-z0-9.-]+\.[a-z]{2,}/i); // no URL but from settings
    }
    // Every HTTP header value is an expression that reads a setting, never a literal.
    for (const file of FILES) {
      for (const h of ofType(file, "httpRequest")) {
        for (const p of h.parameters.headerParameters.parameters as { name: string; value: string }[]) {
          expect(p.value).toMatch(/^=\{\{.*\$env\.WEBHOOK_SECRET.*\}\}$/);
        }
      }
    }
  });

  it("read their settings from n8n variables or the environment, every one of them in the README", () => {
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    for (const file of FILES) {
      const text = raw[file] as string;
      const used = new Set([...text.matchAll(/\$(?:env|vars)\.([A-Z_]+)/g)].map((m) => m[1]));
      for (const name of used) expect(SETTINGS).toContain(name);
      // $vars (a paid n8n feature) wins, else $env.
      for (const m of text.matchAll(/\$env\.([A-Z_]+)/g)) expect(text).toContain(`$vars.${m[1]} || $env.${m[1]}`);
    }
    for (const name of [...SETTINGS, "N8N_BLOCK_ENV_ACCESS_IN_NODE", "telegram.inbound", "N8N_NOTIFY_URL", "/webhook/orchestrator-notify"]) {
      expect(readme).toContain(name);
    }
  });

  it("call the orchestrator with the secret, a timeout and 3 tries, and go on to tell the chat when it fails", () => {
    const http = FILES.flatMap((f) => ofType(f, "httpRequest"));
    expect(http.map((h) => h.name).sort()).toEqual(["Ask the orchestrator", "Find the request", "Plan the day", "Read the session", "Start the day"]);
    for (const h of http) {
      expect(h).toMatchObject({ retryOnFail: true, maxTries: 3, onError: "continueRegularOutput" });
      expect(h.waitBetweenTries).toBeGreaterThanOrEqual(1000);
      expect(h.typeVersion).toBeGreaterThanOrEqual(4);
      expect(h.parameters.method).toBe(h.name === "Ask the orchestrator" ? "={{ $json.method || 'POST' }}" : "POST");
      expect(h.parameters.url).toMatch(/ORCHESTRATOR_URL[\s\S]*\}\}\/webhook\/(command|start|plan|permissions|status|\{\{ \$json\.path \|\| 'command' \}\})$/);
      expect(h.parameters.options.timeout).toBeGreaterThan(0);
      expect(h.parameters.options.timeout).toBeLessThanOrEqual(30_000);
      // 4xx/5xx answers reach the formatter (they carry the orchestrator's reason).
      expect(h.parameters.options.response.response).toMatchObject({ fullResponse: true, neverError: true });
      expect(h.parameters.headerParameters.parameters).toEqual([{ name: "X-Webhook-Secret", value: expect.stringContaining("WEBHOOK_SECRET") }]);
    }
    expect(node("daily-startup.json", "Start the day").parameters.url).toMatch(/\/webhook\/start$/);
    expect(node("daily-startup.json", "Plan the day").parameters.url).toMatch(/\/webhook\/plan$/);
    // POST /webhook/command, or the endpoint Read command named (issue #12's: plan, plan/start…).
    expect(node(T2O, "Ask the orchestrator").parameters.url).toMatch(/\/webhook\/\{\{ \$json\.path \|\| 'command' \}\}$/);
    expect(node(T2O, "Find the request").parameters.url).toMatch(/\/webhook\/permissions$/);
    expect(node(T2O, "Read the session").parameters.url).toMatch(/\/webhook\/status$/);
  });

  it("send Telegram messages as HTML without n8n's attribution, retried", () => {
    const all = FILES.flatMap((f) => ofType(f, "telegram"));
    for (const t of all) {
      expect(t.typeVersion).toBe(1.2);
      expect(t.retryOnFail).toBe(true);
      expect(t.maxTries).toBe(3);
    }
    const sends = all.filter((t) => (t.parameters.resource ?? "message") === "message" && (t.parameters.operation ?? "sendMessage") === "sendMessage");
    expect(sends.map((t) => t.name).sort()).toEqual(["Reply in Telegram", "Reply with 2 buttons", "Reply with a button", "Send to the chat", "Send with 2 answers", "Send with 3 answers", "Send with 4 answers", "Send with Allow / Deny buttons", "Send with plan buttons", "Tell the chat"]);
    for (const t of sends) {
      expect(t.parameters.additionalFields).toMatchObject({ parse_mode: "HTML", appendAttribution: false });
      expect(t.parameters.text).toBe("={{ $json.text }}");
    }
    // The answer goes back to the chat the command came from; notifications to the configured chat.
    for (const name of ["Reply in Telegram", "Reply with a button", "Reply with 2 buttons"]) {
      expect(node(T2O, name).parameters.chatId).toBe("={{ $json.chat_id }}");
      // A reply Telegram refuses does not keep a button press unanswered.
      expect(node(T2O, name).onError).toBe("continueRegularOutput");
    }
    for (const name of ["Send to the chat", "Send with Allow / Deny buttons", "Send with 2 answers", "Send with 3 answers", "Send with 4 answers", "Send with plan buttons"]) {
      expect(node(O2T, name).parameters.chatId).toBe(node(O2T, "Send to the chat").parameters.chatId);
      expect(node(O2T, name).parameters.chatId).toContain("TELEGRAM_CHAT_ID");
      expect(node(O2T, name)).toMatchObject({ onError: "continueErrorOutput" });
    }
    expect(node("daily-startup.json", "Tell the chat").parameters.chatId).toContain("TELEGRAM_CHAT_ID");
    // The one document node: a long /diff or a plan's file, from the binary the formatter made, with an HTML caption.
    const doc = all.filter((t) => t.parameters.operation === "sendDocument");
    expect(doc.map((t) => t.name)).toEqual(["Send the file"]);
    expect(doc[0]).toMatchObject({
      retryOnFail: true,
      onError: "continueErrorOutput",
      parameters: { chatId: "={{ String($json.chat_id) }}", binaryData: true, binaryPropertyName: "file", additionalFields: { caption: "={{ $json.caption }}", parse_mode: "HTML", fileName: "={{ $json.file_name }}" } },
    });
    // A press is answered (the button's spinner stops), and the request's message edited without
    // buttons (no replyMarkup: Telegram removes them); neither stops the workflow when refused.
    const rest = all.filter((t) => !sends.includes(t) && !doc.includes(t)).map((t) => [t.name, t.parameters.resource ?? "message", t.parameters.operation, t.onError]);
    expect(rest).toEqual([
      ["Answer the button", "callback", "answerQuery", "continueRegularOutput"],
      ["Edit the request message", "message", "editMessageText", "continueRegularOutput"],
    ]);
    expect(node(T2O, "Edit the request message").parameters.replyMarkup ?? "none").toBe("none");
    expect(node(T2O, "Edit the request message").parameters.additionalFields).toMatchObject({ parse_mode: "HTML" });
  });

  it("telegram-to-orchestrator: the answer goes as a document, with buttons, or as text; then a press is answered and a message edited", () => {
    expect(outputs(T2O, "Format answer")).toEqual([["How to send?"]]);
    const how = node(T2O, "How to send?").parameters;
    expect((how.rules.values as { outputKey: string }[]).map((r) => r.outputKey)).toEqual(["file", "buttons1", "buttons2", "none"]);
    expect(how.options).toMatchObject({ fallbackOutput: "extra", renameFallbackOutput: "text" });
    expect(outputs(T2O, "How to send?")).toEqual([["Send the file"], ["Reply with a button"], ["Reply with 2 buttons"], ["A button press?"], ["Reply in Telegram"]]);
    // A document Telegram refuses goes as text (which says where to see it).
    expect(outputs(T2O, "Send the file")).toEqual([["A button press?"], ["File refused: send the text"]]);
    expect(outputs(T2O, "File refused: send the text")).toEqual([["Reply in Telegram"]]);
    for (const name of ["Reply in Telegram", "Reply with a button", "Reply with 2 buttons"]) expect(outputs(T2O, name)).toEqual([["A button press?"]]);
    // Every press is answered, after its message (if any); then the message with the buttons is edited.
    expect(JSON.stringify(node(T2O, "A button press?").parameters)).toContain("$('Format answer').item.json.callback");
    expect(outputs(T2O, "A button press?")).toEqual([["Answer the button"], ["Edit the request?"]]);
    expect(outputs(T2O, "Answer the button")).toEqual([["Edit the request?"]]);
    expect(node(T2O, "Answer the button").parameters.queryId).toBe("={{ $('Format answer').item.json.callback.id }}");
    // A /start question's button reads the session first.
    expect(outputs(T2O, "Read the session")).toEqual([["Decide the next step"]]);
    expect(outputs(T2O, "Decide the next step")).toEqual([["Go on?"]]);
    expect(outputs(T2O, "Go on?")).toEqual([["Ask the orchestrator"], ["Format answer"]]);
    // The orchestrator gets the body Read command built (a confirmed rollback carries confirm: true).
    expect(node(T2O, "Ask the orchestrator").parameters.jsonBody).toBe("={{ JSON.stringify($json.body) }}");
  });

  it("telegram-to-orchestrator: serves only the allowed chat and routes every command, the rest to help", () => {
    const trigger = node("telegram-to-orchestrator.json", "Telegram Trigger");
    expect(trigger.type).toBe("n8n-nodes-base.telegramTrigger");
    // 1.2 checks Telegram's secret token header. Its chat filter looks at message.chat only and
    // would drop every button press: "Allowed chat?" filters messages and presses alike.
    expect(trigger.typeVersion).toBe(1.2);
    expect(trigger.parameters.updates).toEqual(["message", "callback_query"]);
    expect(trigger.parameters.additionalFields.chatIds).toBeUndefined();
    expect(outputs(T2O, "Telegram Trigger")).toEqual([["Allowed chat?"]]);
    expect(outputs(T2O, "Allowed chat?")).toEqual([["Read command"], []]);
    expect(JSON.stringify(node(T2O, "Allowed chat?").parameters)).toContain("$vars.TELEGRAM_CHAT_ID || $env.TELEGRAM_CHAT_ID");
    const route = node("telegram-to-orchestrator.json", "Route command");
    expect(route).toMatchObject({ type: "n8n-nodes-base.switch", typeVersion: 3.2 });
    const rules = route.parameters.rules.values as { conditions: { conditions: { leftValue: string; rightValue: string; operator: { operation: string } }[] } }[];
    expect(rules.map((r) => r.conditions.conditions[0]?.rightValue)).toEqual(ROUTES);
    for (const r of rules) expect(r.conditions.conditions[0]).toMatchObject({ leftValue: "={{ $json.command }}", operator: { operation: "equals" } });
    expect(route.parameters.options.fallbackOutput).toBe("extra");
    const routed = outputs(T2O, "Route command");
    expect(routed).toHaveLength(ROUTES.length + 1);
    for (const o of routed.slice(0, COMMANDS.length)) expect(o).toEqual(["Ask the orchestrator"]);
    // A question's button or a reply to a request: the request is read first; a /start question's button, the session.
    expect(routed[COMMANDS.length]).toEqual(["Find the request"]);
    expect(routed[COMMANDS.length + 1]).toEqual(["Read the session"]);
    expect(routed.at(-1)).toEqual(["Unknown command"]);
  });

  it("orchestrator-to-telegram: the N8N_NOTIFY_URL webhook checks the secret and always answers", () => {
    const hook = node("orchestrator-to-telegram.json", "Orchestrator notification");
    expect(hook.parameters).toMatchObject({ httpMethod: "POST", path: "orchestrator-notify", responseMode: "responseNode" });
    expect(hook.webhookId).toMatch(/^[0-9a-f-]{36}$/);
    const check = node("orchestrator-to-telegram.json", "Secret matches?");
    expect(JSON.stringify(check.parameters)).toContain("$json.headers['x-webhook-secret'] === ($vars.WEBHOOK_SECRET || $env.WEBHOOK_SECRET || '')");
    expect(JSON.stringify(check.parameters)).toContain("!== ''");
    const responds = ofType("orchestrator-to-telegram.json", "respondToWebhook").map((n) => [n.name, n.parameters.options.responseCode]);
    expect(responds).toEqual([
      ["Refuse: wrong secret", 401],
      ["Acknowledge", 200],
      ["Telegram failed: try later", 503],
    ]);
    expect(node("orchestrator-to-telegram.json", "Send to the chat").onError).toBe("continueErrorOutput");
  });

  it("daily-startup: 09:00 every day, in the timezone of the workflow settings", () => {
    const trigger = node("daily-startup.json", "Every day at 09:00");
    expect(trigger.type).toBe("n8n-nodes-base.scheduleTrigger");
    expect(trigger.parameters.rule.interval).toEqual([{ field: "cronExpression", expression: "0 9 * * *" }]);
    expect(wf("daily-startup.json").settings?.timezone).toMatch(/^[A-Za-z_]+(\/[A-Za-z_]+)*$/);
  });

  it("daily-startup: a mode setting in its Settings node, start by default (documented there), plan posts /webhook/plan", () => {
    const DS = "daily-startup.json";
    const settings = node(DS, "Settings");
    expect(settings).toMatchObject({ type: "n8n-nodes-base.set", typeVersion: 3.4 });
    expect(settings.parameters.assignments.assignments).toEqual([{ id: expect.any(String), name: "mode", value: "start", type: "string" }]);
    expect((settings as { notes?: string }).notes).toMatch(/"start" \(the default\)[\s\S]*"plan"[\s\S]*POST \/webhook\/plan[\s\S]*Start \/ Show file \/ Discard/);
    expect(outputs(DS, "Every day at 09:00")).toEqual([["Settings"]]);
    expect(outputs(DS, "Settings")).toEqual([["Plan first?"]]);
    expect(outputs(DS, "Plan first?")).toEqual([["Plan the day"], ["Start the day"]]);
    expect(outputs(DS, "Plan the day")).toEqual([["Say how it went"]]);
    expect(outputs(DS, "Start the day")).toEqual([["Say how it went"]]);
    // plan, in any case and spacing, plans; anything else starts.
    for (const [mode, plans] of [["plan", true], [" Plan ", true], ["start", false], ["", false], ["plans", false]] as const) {
      expect({ mode, plans: ifTrue(DS, "Plan first?", { mode }) }).toEqual({ mode, plans });
    }
  });

  it("have Code nodes that compile", () => {
    for (const { file, n } of allNodes().filter(({ n }) => n.type === "n8n-nodes-base.code")) {
      expect({ file, node: n.name, mode: n.parameters.mode }).toEqual({ file, node: n.name, mode: "runOnceForEachItem" });
      expect(() => new Function("$json", "$", "$input", n.parameters.jsCode as string)).not.toThrow();
    }
  });
});

// ------------------------------------------------------------ the Code nodes, run as n8n runs them

describe("the Code nodes, on real answers of the orchestrator's HTTP API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A message typed in Telegram, through the whole workflow (walk): Read command, the Switch, the HTTP call, Format answer, the reply. */
  async function ask(text: string): Promise<{ text: string; visible: string; status: number; chat: unknown }> {
    const world = new FakeWorld();
    let status = 0;
    const w = await walk(T2O, "Read command", { json: update(text) }, {
      http: async ({ method, path, body }) => {
        const res = await h.request(method, `/webhook/${path}`, { body: JSON.stringify(body), headers: { "content-type": "application/json", "X-Webhook-Secret": h.secret } });
        status = res.status;
        return { statusCode: res.status, statusMessage: "", headers: {}, body: res.json };
      },
      telegram: telegramOf(world),
    });
    expect(w.visited).toContain("Reply in Telegram");
    const formatted = w.out["Format answer"]?.json as Record<string, any>;
    expect(world.sent.map((e) => e.text)).toEqual([formatted.text]);
    return { text: formatted.text as string, visible: expectTelegramHtml(formatted.text), status, chat: formatted.chat_id };
  }

  it("Read command: the command, its arguments, a bot's @name, and anything else", () => {
    expect(runCode(T2O, "Read command", update("/Logs@MyBot 50"))).toEqual({
      chat_id: 4242, message_id: 7, by: "Telegram T", text: "/Logs@MyBot 50", command: "logs", request: "/Logs@MyBot 50", body: { command: "/Logs@MyBot 50", by: "Telegram T" }, rollback: null, callback: null, target: null, lookup: null,
      path: "command", method: "POST", press: null, check: null,
    });
    expect(runCode(T2O, "Read command", update("  /retry use the other table "))).toMatchObject({ command: "retry", request: "/retry use the other table" });
    expect(runCode(T2O, "Read command", update("hello"))).toMatchObject({ command: "", request: "hello" });
    expect(runCode(T2O, "Read command", { update_id: 2, message: { message_id: 8, chat: { id: 1 }, photo: [] } })).toMatchObject({ chat_id: 1, command: "" });
  });

  it("Read command: /diff as typed, /cancel says who, and only '/rollback N confirm' rolls back", () => {
    const read = (text: string, from?: Record<string, unknown>) => runCode(T2O, "Read command", update(text, 4242, from));
    expect(read("/diff 2")).toMatchObject({ command: "diff", body: { command: "/diff 2", by: "Telegram T" } });
    expect(read("/cancel", { id: 1, is_bot: false, first_name: "Ana", username: "ana" }).body).toEqual({ command: "cancel", by: "Telegram @ana" });
    expect(read("/cancel").body).toEqual({ command: "cancel", by: "Telegram T" });
    // Not confirmed: the orchestrator is asked for the task's diff (what a rollback would undo).
    expect(read("/rollback")).toMatchObject({ command: "rollback", body: { command: "/diff" }, rollback: { confirmed: false, task: null } });
    expect(read("/rollback 2")).toMatchObject({ body: { command: "/diff 2" }, rollback: { confirmed: false, task: 2 } });
    expect(read("/rollback confirm")).toMatchObject({ body: { command: "/diff" }, rollback: { confirmed: false } });
    expect(read("/rollback two confirm")).toMatchObject({ body: { command: "/diff two" }, rollback: { confirmed: false } });
    expect(read("/rollback@MyBot 2 CONFIRM", { id: 1, is_bot: false, first_name: "Ana", username: "ana" })).toMatchObject({
      body: { command: "rollback", task: 2, confirm: true, by: "Telegram @ana" },
      rollback: { confirmed: true, task: 2 },
    });
    for (const text of ["/rollback", "/rollback 2", "/rollback confirm", "/diff 2", "/status"]) expect(JSON.stringify(read(text).body)).not.toContain("confirm\":true");
  });

  it("a whole day: status, start, approve, logs, pause, resume, help", async () => {
    const idle = await ask("/status");
    expect(idle.chat).toBe(4242);
    expect(idle.visible).toMatch(/Orchestrator Status[\s\S]*Idle/);
    const start = await ask("/start");
    expect(start.status).toBe(200);
    expect(start.visible).toMatch(/Orchestrator Starting[\s\S]*Found 3 tasks:\n1\. Task number 1 \(backend\)\n2\. Task number 2[\s\S]*Ready to begin/);
    const status = await ask("/status");
    expect(status.visible).toMatch(/Status: ⏸️ Waiting for approval/);
    expect(status.visible).toMatch(/Progress: 0\/3 tasks \(0%\)/);
    expect(status.visible).toMatch(/Current: Task 1 - Task number 1 \(backend\)/);
    expect(status.visible).toMatch(/\/approve \/skip \/pause/);
    const approve = await ask("/approve");
    expect(approve.visible).toMatch(/^⚙️ Executing Task 1\/3/);
    await h.until((s) => s.status === "waiting_approval" && s.current_task_index === 1);
    // (This orchestrator logs to memory only: `npm run test:n8n` sees real log lines.)
    const logs = await ask("/logs 5");
    expect(logs.visible).toMatch(/^📜 Recent Logs\n\n\(no log lines yet\)\n\nFull logs: \S+\.log$/);
    expect((await ask("/pause")).visible).toMatch(/^⏸️ /);
    expect((await ask("/resume")).visible).toMatch(/^▶️ /);
    const help = await ask("/help");
    expect(help.visible).toMatch(/\/retry \[feedback\] - run a failed or interrupted task again/);
    expect(help.visible).toMatch(/\/cancel - [\s\S]*\/diff \[n\] - [\s\S]*\/rollback \[n\] - /);
  });

  it("/cancel with nothing running, and /diff or /rollback without git, come back as the orchestrator's refusal", async () => {
    const cancel = await ask("/cancel");
    expect(cancel.status).toBe(409);
    expect(cancel.visible).toMatch(/^⚠️ Nothing to cancel: no task is running \(Task 2\/3 is waiting approval\)\. Send \/status/);
    const diff = await ask("/diff");
    expect(diff.status).toBe(409);
    expect(diff.visible).toMatch(/^⚠️ No diff: git is off/);
    const rollback = await ask("/rollback 1");
    expect(rollback.status).toBe(409);
    expect(rollback.visible).toMatch(/^↩️ No rollback\n\n⚠️ No diff: git is off/);
  });

  it("refusals and mistakes come back in words, with what to send instead", async () => {
    const refused = await ask("/resume");
    expect(refused.status).toBe(409);
    expect(refused.visible).toMatch(/^⚠️ Not paused: .*Send \/approve/);
    const bad = await ask("/logs many");
    expect(bad.status).toBe(400);
    expect(bad.visible).toMatch(/^❓ \/logs takes a number/);
    const missing = await ask("/start nope-tasks.md");
    expect([404, 409]).toContain(missing.status);
    const unknown = await ask("/dance <b>&");
    expect(unknown.text).toContain("Unknown command <code>/dance &lt;b&gt;&amp;</code>");
    expect(unknown.visible).toMatch(/\/status - progress and the current task/);
    const chatter = await ask("good morning");
    expect(chatter.visible).toMatch(/^🤷 I only understand commands, like \/status\.\n\n[\s\S]*\/help - this list/);
  });

  it("no answer, a wrong secret, shutting down, and a reply that is not JSON", () => {
    const read = runCode(T2O, "Read command", update("/status"));
    const format = (json: Record<string, unknown>) => expectTelegramHtml(runCode(T2O, "Format answer", json, { "Read command": read }).text);
    expect(format({ error: { message: "connect ECONNREFUSED 127.0.0.1:5000", code: "ECONNREFUSED" } })).toMatch(/Orchestrator not responding[\s\S]*Tried 3 times: connect ECONNREFUSED 127\.0\.0\.1:5000/);
    expect(format({ error: "timeout of 15000ms exceeded" })).toMatch(/Tried 3 times: timeout of 15000ms exceeded/);
    expect(format({ statusCode: 401, body: { status: "error", error: "unauthorized", message: "x" } })).toMatch(/^🔐 .*WEBHOOK_SECRET/);
    expect(format({ statusCode: 503, body: { status: "error", error: "unavailable", message: "shutting down" } })).toMatch(/^🛑 /);
    expect(format({ statusCode: 502, body: "<html>Bad Gateway</html>" })).toMatch(/^⚠️ HTTP 502: <html>Bad Gateway<\/html>/);
  });

  /** A /diff answer as the orchestrator gives it ({status, message, ...DiffData, session}). */
  const diffAnswer = (diff: string, extra: Record<string, unknown> = {}) => ({
    statusCode: 200,
    body: {
      status: "ok",
      message: "Task 2: Add <actions> & tests: 2 files changed (+3 −1): src/a.ts, test/a & b.test.ts",
      task: 2,
      title: "Add <actions> & tests",
      task_status: "completed",
      files: [
        { path: "src/a.ts", status: "modified", insertions: 2, deletions: 1 },
        { path: "test/a & b.test.ts", status: "added", insertions: 1, deletions: 0 },
      ],
      insertions: 3,
      deletions: 1,
      diff,
      truncated: false,
      summary: "2 files changed (+3 −1): src/a.ts, test/a & b.test.ts",
      session: { session_id: "s", status: "waiting_approval", commands: ["/approve", "/skip"] },
      ...extra,
    },
  });
  const SHORT_DIFF = "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1,2 @@\n-if (a < b && c) {}\n+if (a <= b && c) {}\n+export const x = \"<b>\";\n";

  it("/diff: the summary and a short diff in a <pre>, all escaped", () => {
    const read = runCode(T2O, "Read command", update("/diff 2"));
    const out = runCode(T2O, "Format answer", diffAnswer(SHORT_DIFF), { "Read command": read });
    expect(out.document).toBe(false);
    expect(out.text).toContain("<pre>diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1,2 @@\n-if (a &lt; b &amp;&amp; c) {}\n+if (a &lt;= b &amp;&amp; c) {}\n+export const x = \"&lt;b&gt;\";</pre>");
    expect(expectTelegramHtml(out.text)).toMatch(/^🔍 Task 2: Add <actions> & tests \(completed\)\n\n2 files changed \(\+3 −1\): src\/a\.ts, test\/a & b\.test\.ts\n\ndiff --git/);
    const none = runCode(T2O, "Format answer", diffAnswer("", { files: [], summary: "no files changed" }), { "Read command": read });
    expect(expectTelegramHtml(none.text)).toBe("🔍 Task 2: Add <actions> & tests (completed)\n\nno files changed");
  });

  it("/diff: a long diff becomes a task-N.diff document with the summary as its caption, and text should Telegram refuse it", () => {
    const read = runCode(T2O, "Read command", update("/diff"));
    const long = Array.from({ length: 400 }, (_, i) => `+line ${i} <tag> & more`).join("\n") + "\n";
    const code = node(T2O, "Format answer").parameters.jsCode as string;
    const $ = () => ({ item: { json: read } });
    const out = new Function("$json", "$", "$input", code)(diffAnswer(long), $, {}) as { json: Record<string, any>; binary: Record<string, any> };
    expect(out.json).toMatchObject({ chat_id: 4242, document: true, send_as: "file", file_name: "task-2.diff" });
    expect(Buffer.from(out.binary.file.data, "base64").toString("utf8")).toBe(long);
    expect(out.binary.file).toMatchObject({ mimeType: "text/x-diff", fileName: "task-2.diff" });
    const caption = expectTelegramHtml(out.json.caption);
    expect(caption.length).toBeLessThanOrEqual(1024);
    expect(caption).toBe("🔍 Task 2: Add <actions> & tests (completed)\n2 files changed (+3 −1): src/a.ts, test/a & b.test.ts\nThe whole diff: 400 lines, 8.9 KB.");
    // The text the refusal path sends, with Telegram's reason.
    expect(expectTelegramHtml(out.json.text)).toMatch(/too long for a message: send orchestrator diff 2 on the orchestrator's machine/);
    const refused = runCode(T2O, "File refused: send the text", { error: "Bad Request: <file> too big" }, { "Format answer": out.json });
    expect(refused.chat_id).toBe(4242);
    expect(expectTelegramHtml(refused.text)).toMatch(/orchestrator diff 2[\s\S]*\n\n\(Telegram did not take the \.diff file: Bad Request: <file> too big\)$/);
  });

  it("/rollback N asks first, showing what the task changed; '/rollback N confirm' reports what came back", () => {
    const ask1 = runCode(T2O, "Read command", update("/rollback"));
    const preview = expectTelegramHtml(runCode(T2O, "Format answer", diffAnswer(SHORT_DIFF), { "Read command": ask1 }).text);
    expect(preview).toMatch(/^↩️ Roll back Task 2: Add <actions> & tests\?\n\nIt changed: 2 files changed \(\+3 −1\): src\/a\.ts, test\/a & b\.test\.ts\n\n/);
    expect(preview).toMatch(/Every later task that ran is undone too\. Changes you made before the session stay\.\n\nTo do it, send \/rollback 2 confirm$/);
    expect(preview).not.toContain("diff --git");
    const running = expectTelegramHtml(runCode(T2O, "Format answer", diffAnswer(SHORT_DIFF, { task_status: "running" }), { "Read command": ask1 }).text);
    expect(running).toMatch(/It is running: send \/cancel first, then \/rollback 2\.$/);
    const confirmed = runCode(T2O, "Read command", update("/rollback 2 confirm"));
    const done = {
      statusCode: 200,
      body: {
        status: "ok",
        message: "↩️ Task 2/3: Add <actions> rolled back: 1 file restored, 1 removed. Also undone: Task 3. Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.",
        task: 2,
        restored: ["src/a.ts"],
        removed: ["test/a & b.test.ts"],
        undone: [3],
        session: { session_id: "s", status: "waiting_approval" },
      },
    };
    const text = runCode(T2O, "Format answer", done, { "Read command": confirmed }).text as string;
    expect(text.startsWith("↩️ <b>Task 2/3: Add &lt;actions&gt; rolled back")).toBe(true);
    expect(expectTelegramHtml(text)).toMatch(/\n\n♻️ Restored: src\/a\.ts\n🗑 Removed: test\/a & b\.test\.ts\nAlso undone: Task 3$/);
    const refused = runCode(T2O, "Format answer", { statusCode: 409, body: { status: "error", error: "refused", message: "Task 2/3 is running: send /cancel first, then /rollback." } }, { "Read command": confirmed });
    expect(expectTelegramHtml(refused.text)).toBe("↩️ No rollback\n\n⚠️ Task 2/3 is running: send /cancel first, then /rollback.");
  });

  it("/cancel while a task runs: the orchestrator's own emoji is not doubled", () => {
    const read = runCode(T2O, "Read command", update("/cancel"));
    const out = runCode(T2O, "Format answer", { statusCode: 200, body: { status: "ok", message: "⏹ Cancelled Task 1: Build. It waits for you: /retry [feedback] runs it again.", session: { session_id: "s", status: "waiting_approval", progress: { done: 0, total: 2, percent: 0 }, total: 2, commands: ["/retry", "/skip"] } } }, { "Read command": read });
    expect(expectTelegramHtml(out.text)).toMatch(/^⏹ Cancelled Task 1: Build\. [\s\S]*\n\n📊 Progress: 0\/2 \(0%\)\n\n\/retry \/skip$/);
  });

  it("long logs and long task lists stay within Telegram's limit", () => {
    const logsRead = runCode(T2O, "Read command", update("/logs 200"));
    const logs = Array.from({ length: 200 }, (_, i) => `[09:30:${String(i % 60).padStart(2, "0")}] line ${i} <with> & markup ${"x".repeat(150)}`).join("\n");
    const out = runCode(T2O, "Format answer", { statusCode: 200, body: { status: "ok", message: "", logs, lines: 200, file: "orchestrator_logs/x.log", session: {} } }, { "Read command": logsRead });
    expect(expectTelegramHtml(out.text)).toMatch(/line 199 <with> & markup x+<\/pre>|line 199 <with> & markup x+\n\nFull logs/);
    expect(out.text).toMatch(/<pre>…[\s\S]*line 199 &lt;with&gt; &amp; markup x+<\/pre>/);
    const startRead = runCode(T2O, "Read command", update("/start"));
    const tasks = Array.from({ length: 80 }, (_, i) => ({ id: i + 1, title: `A long task title number ${i + 1} ${"y".repeat(100)}`, type: "backend" }));
    const started = runCode(T2O, "Format answer", { statusCode: 200, body: { status: "ok", message: "Started", tasks, task_file: "t.md", session: {} } }, { "Read command": startRead });
    expect(expectTelegramHtml(started.text)).toMatch(/\n18\. A long task title number 18 y+… \(backend\)\n… and 62 more\n\n▶️ Ready to begin!/);
    // A huge text from the orchestrator is cut, escaped.
    const helpRead = runCode(T2O, "Read command", update("/help"));
    const huge = runCode(T2O, "Format answer", { statusCode: 200, body: { status: "ok", message: "<i>".repeat(3000), session: {} } }, { "Read command": helpRead });
    expect(expectTelegramHtml(huge.text)).toMatch(/^ℹ️ Orchestrator\n\n(<i>){600,}<?…$/);
  });

  it("daily startup: started, already under way, no file for today, and no orchestrator", async () => {
    const DS = "daily-startup.json";
    const say = (json: Record<string, unknown>) => expectTelegramHtml(runCode(DS, "Say how it went", json, { Settings: { mode: "start" } }).text);
    const call = () => h.request("POST", "/webhook/start", { body: "{}", headers: { "content-type": "application/json", "X-Webhook-Secret": h.secret } });
    const other = await startHarness({ todayFile: false });
    try {
      const none = await other.request("POST", "/webhook/start", { body: "{}", headers: { "content-type": "application/json", "X-Webhook-Secret": other.secret } });
      expect(none.status).toBe(404);
      expect(say({ statusCode: 404, body: none.json })).toMatch(/^📭 The day did not start\n\nNo task file for today[\s\S]*Write today's task file, then send \/start\./);
    } finally {
      await other.close();
    }
    const busy = await call();
    expect(busy.status).toBe(409);
    expect(say({ statusCode: 409, body: busy.json })).toMatch(/^⚠️ The day did not start\n\nA session is active/);
    expect(say({ error: { message: "connect ECONNREFUSED 127.0.0.1:5000" } })).toMatch(/^❌ The day did not start[\s\S]*did not answer \(3 tries\): connect ECONNREFUSED/);
    const fresh = await startHarness();
    try {
      const ok = await fresh.request("POST", "/webhook/start", { body: "{}", headers: { "content-type": "application/json", "X-Webhook-Secret": fresh.secret } });
      expect(say({ statusCode: 200, body: ok.json })).toMatch(/^🌅 Good morning! The day has started\.\n\n📋 3 tasks from [\s\S]*tasks\.md:\n1\. Task number 1 \(backend\)/);
    } finally {
      await fresh.close();
    }
  });

  it("notifications: an emoji for every event, details, and what to send next, all escaped", () => {
    const events = ["session_started", "approval_needed", "task_started", "task_progress", "task_continued", "task_completed", "task_failed", "task_interrupted", "task_skipped", "task_verifying", "verification_failed", "task_rolled_back", "session_paused", "session_resumed", "session_completed"];
    const firsts = new Set<string>();
    for (const event of events) {
      const body = {
        id: "20251120-093015-7",
        event,
        type: event === "task_failed" ? "error" : "info",
        message: `Task 1/3: Create <baptisms> & migration — ${event}`,
        session_id: "20251120-093015",
        task: { number: 1, total: 3, id: 1, title: "Create <baptisms> & migration", type: "database", status: "completed", error: event === "task_failed" ? "exit 1: <oops>" : null, duration_s: 31.2, cost_usd: 0.04 },
        progress: { done: 1, total: 3, percent: 33 },
        timestamp: "2025-11-20T09:32:45.000Z",
      };
      const out = runCode(O2T, "Format notification", { headers: { "x-webhook-secret": "s" }, body });
      expect(out).toMatchObject({ id: "20251120-093015-7", event });
      const visible = expectTelegramHtml(out.text);
      firsts.add([...visible][0] as string);
      expect(visible).toContain(`Task 1/3: Create <baptisms> & migration — ${event}`);
      expect(visible).toMatch(/📊 Progress: 1\/3 \(33%\)/);
      if (event === "task_failed") expect(visible).toMatch(/❗ exit 1: <oops>[\s\S]*⏱ 31 s  💰 \$0\.04[\s\S]*\/retry/);
      if (event === "approval_needed") expect(visible).toMatch(/\/approve to run it/);
    }
    expect(firsts.size).toBe(events.length);
    // The orchestrator's own "Progress:" in the message is not repeated; unknown events fall back on the type.
    const done = runCode(O2T, "Format notification", { body: { event: "task_completed", type: "success", message: "Task 1/3: X complete. Progress: 1/3 (33%)", task: { title: "X" }, progress: { done: 1, total: 3, percent: 33 } } });
    expect(expectTelegramHtml(done.text).match(/Progress/g)).toHaveLength(1);
    expect(expectTelegramHtml(runCode(O2T, "Format notification", { body: { event: "new_thing", type: "warning", message: "Hm" } }).text)).toBe("⚠️ Hm");
    expect(expectTelegramHtml(runCode(O2T, "Format notification", { body: {} }).text)).toBe("🔔 Notification");
    expect(expectTelegramHtml(runCode(O2T, "Format notification", { body: { event: "task_failed", message: "x".repeat(10_000) } }).text).length).toBeLessThanOrEqual(4096);
  });

  /** A task object as the orchestrator sends it (NotificationPayload.task), with what it changed. */
  const taskOf = (extra: Record<string, unknown> = {}) => ({
    number: 2, total: 3, id: 2, title: "Add <actions>", type: "backend", status: "completed", error: null, duration_s: 12.4, cost_usd: 0.03,
    files_changed: [
      { path: "src/a & b.ts", status: "modified", insertions: 118, deletions: 4 },
      { path: "src/new.ts", status: "added", insertions: 2, deletions: 0 },
      { path: "src/new name.ts", status: "renamed", old_path: "src/old.ts", insertions: 0, deletions: 0 },
    ],
    insertions: 120, deletions: 4,
    verification: { passed: true, attempts: 1, commands: [{ command: "npm test", exit_code: 0, duration_s: 12, log: "orchestrator_logs/s/task-2-verify.log" }], missing: [], failure: null, summary: "✅ verified: npm test (12 s)" },
    commit: "abc1234def5678",
    ...extra,
  });
  const O2T = "orchestrator-to-telegram.json";
  const notify = (body: Record<string, unknown>) => runCode(O2T, "Format notification", { headers: {}, body });

  it("notifications: a completion's lines (files changed, verification, commit) reach the chat intact, escaped, with /diff and /rollback", () => {
    const message = "Task 2/3: Add <actions> complete. Progress: 2/3 (67%)\n3 files changed (+120 −4): src/a & b.ts, src/new.ts, src/old.ts → src/new name.ts\n✅ verified: npm test (12 s)\nCommitted abc1234.";
    const out = notify({ id: "s-9", event: "task_completed", type: "success", message, task: taskOf(), progress: { done: 2, total: 3, percent: 67 } });
    expect(out.text).toContain("✅ <b>Task 2/3: Add &lt;actions&gt; complete. Progress: 2/3 (67%)</b>\n3 files changed (+120 −4): src/a &amp; b.ts, src/new.ts, src/old.ts → src/new name.ts\n✅ verified: npm test (12 s)\nCommitted abc1234.");
    const visible = expectTelegramHtml(out.text);
    // Said once each: the task object adds nothing the message already has.
    expect(visible.match(/files changed/g)).toHaveLength(1);
    expect(visible.match(/verified/g)).toHaveLength(1);
    expect(visible.match(/abc1234/g)).toHaveLength(1);
    expect(visible).toMatch(/⏱ 12 s  💰 \$0\.03\n\n\/diff 2 to see the changes, \/rollback 2 to undo them$/);
    // An orchestrator whose message lacks the lines: they are made from the task object.
    const bare = expectTelegramHtml(notify({ event: "task_completed", type: "success", message: "Task 2/3: Add <actions> complete.", task: taskOf() }).text);
    expect(bare).toMatch(/^✅ Task 2\/3: Add <actions> complete\.\n3 files changed \(\+120 −4\): src\/a & b\.ts, src\/new\.ts, src\/old\.ts → src\/new name\.ts\n✅ verified: npm test \(12 s\)\nCommitted abc1234\.\n/);
    // Nothing changed: said by the orchestrator, and no /diff hint.
    const none = expectTelegramHtml(notify({ event: "task_completed", type: "success", message: "Task 1/3: X complete. Progress: 1/3 (33%)\nno files changed", task: taskOf({ files_changed: [], insertions: 0, deletions: 0, verification: null, commit: null }) }).text);
    expect(none).toBe("✅ Task 1/3: X complete. Progress: 1/3 (33%)\nno files changed\n📝 Add <actions> (backend)\n⏱ 12 s  💰 $0.03");
    // Many files: within Telegram's limit.
    const many = Array.from({ length: 500 }, (_, i) => ({ path: `src/${"deep/".repeat(20)}file-${i}.ts`, status: "added", insertions: 1, deletions: 0 }));
    expect(expectTelegramHtml(notify({ event: "task_completed", message: "Task 1/1: Big complete.", task: taskOf({ files_changed: many }) }).text)).toMatch(/and 490 more/);
  });

  it("notifications: verifying, verification failed (the command and its log), rolled back, with the orchestrator's own emoji", () => {
    const verifying = notify({ event: "task_verifying", type: "info", message: "🔎 Task 2/3: Add <actions>: Claude is done; verifying (npm test)", task: taskOf({ status: "running", verification: null }) });
    expect(verifying.text).toBe("🔎 <b>Task 2/3: Add &lt;actions&gt;: Claude is done; verifying (npm test)</b>");
    const failing = { passed: false, attempts: 1, commands: [{ command: "npm test", exit_code: 1, duration_s: 3, log: "orchestrator_logs/s/task-2-verify.log" }], missing: ["docs/<x>.md"], failure: "npm test exited 1: 2 failing", summary: "❌ npm test failed" };
    const fixing = expectTelegramHtml(notify({ event: "verification_failed", type: "warning", message: "🔁 Task 2/3: Add <actions>: verification failed (npm test exited 1: 2 failing); Claude is fixing it (1/1)", task: taskOf({ status: "running", verification: failing }) }).text);
    expect(fixing).toBe("🔁 Task 2/3: Add <actions>: verification failed (npm test exited 1: 2 failing); Claude is fixing it (1/1)\n🧪 npm test exited 1: orchestrator_logs/s/task-2-verify.log\n📭 Missing: docs/<x>.md");
    const failed = expectTelegramHtml(notify({ event: "task_failed", type: "error", message: "Task 2/3: Add <actions> failed: verification failed: npm test exited 1: 2 failing", task: taskOf({ status: "failed", error: "verification failed: npm test exited 1: 2 failing", verification: failing, commit: null }) }).text);
    expect(failed).toMatch(/^❌ Task 2\/3: Add <actions> failed: verification failed: npm test exited 1: 2 failing\n3 files changed[^\n]*\n❌ npm test failed\n🧪 npm test exited 1: orchestrator_logs\/s\/task-2-verify\.log\n/);
    expect(failed).toMatch(/\/retry to run it again, \/skip to move on, \/logs for details\n\/diff 2 to see the changes, \/rollback 2 to undo them$/);
    const back = expectTelegramHtml(notify({ event: "task_rolled_back", type: "warning", message: "↩️ Task 2/3: Add <actions> rolled back: 1 file restored, 2 removed. Also undone: Task 3. Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.", task: taskOf({ status: "rolled_back", files_changed: [], verification: null, commit: null }), progress: { done: 1, total: 3, percent: 33 } }).text);
    expect(back).toBe("↩️ Task 2/3: Add <actions> rolled back: 1 file restored, 2 removed. Also undone: Task 3. Send /approve to run it again, /retry <feedback> to run it with a note, or /skip.\n\n📊 Progress: 1/3 (33%)");
    const notBack = expectTelegramHtml(notify({ event: "task_rolled_back", type: "error", message: "Could not roll back Task 2/3: Add <actions>: EACCES src/a.ts", task: taskOf() }).text);
    expect(notBack).toBe("↩️ Could not roll back Task 2/3: Add <actions>: EACCES src/a.ts\n\n/status to see where things stand");
  });
});
