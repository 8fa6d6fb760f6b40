// ClaudeRunner's stdio permission channel (claude.permissions: ask) against the fake CLI: the
// arguments, a can_use_tool request reaching onPermissionRequest, answers through the RunChannel
// (allow, deny, stop), steering, stdin closed at the result, the rules that skip asking, and the
// other two modes (bypass, preapproved).
import { afterAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import path from "node:path";
import type { ClaudeConfig } from "../../src/config/config.js";
import type { PermissionAsk } from "../../src/core/permission.js";
import { ClaudeRunner } from "../../src/runner/claude-runner.js";
import type { RunChannel } from "../../src/runner/runner.js";
import { calls, fakeConfig, readJsonl, removeDir, tempDir } from "./runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHANNEL_ARGS = ["--input-format", "stream-json", "--permission-prompt-tool", "stdio", "--replay-user-messages"];

/** The asks of one run, and its channel. */
interface ChannelRun {
  dir: string;
  asks: PermissionAsk[];
  /** The Claude session id each request came with. */
  sessions: (string | null)[];
  channel: RunChannel | undefined;
}

/**
 * Runs the fake with `promptLines` (FAKE_CLAUDE_ASK directives, a scenario) in ask mode unless
 * `over` says otherwise; `onAsk` is called for each request with the channel.
 */
async function runAsking(promptLines: string[], onAsk: (ask: PermissionAsk, channel: RunChannel) => void | Promise<void>, over: Partial<ClaudeConfig> = {}, allowRules?: string[]) {
  const dir = tempDir("permission-channel-");
  dirs.push(dir);
  const run: ChannelRun = { dir, asks: [], sessions: [], channel: undefined };
  const runner = new ClaudeRunner(fakeConfig(dir, { permissions: "ask", ...over }), { env: { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir }, dropEnv: [] });
  const started = Date.now();
  const outcome = await runner.run(
    { prompt: ["Do the task.", ...promptLines, ""].join("\n"), logFile: path.join(dir, "logs", "task.log"), allowRules },
    {
      onSpawn: (info) => (run.channel = info.channel),
      onPermissionRequest: (ask, session) => {
        run.asks.push(ask);
        run.sessions.push(session);
        if (!run.channel) throw new Error("a request came before the channel");
        void onAsk(ask, run.channel);
      },
    },
  );
  return { outcome, ...run, elapsedMs: Date.now() - started };
}

const allow = (ask: PermissionAsk, channel: RunChannel) => {
  channel.respond(ask.request_id, { behavior: "allow", updatedInput: ask.input });
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const permissionRecords = (dir: string) => readJsonl<{ tool: string; asked: boolean; response: Record<string, unknown> | null; allowed_by?: string; closed?: boolean }>(path.join(dir, "permissions.jsonl"));

describe("the permission channel (claude.permissions: ask)", () => {
  it("runs the CLI with --input-format stream-json --permission-prompt-tool stdio, the prompt as a stream-json message", async () => {
    const r = await runAsking([], () => {});
    expect(r.outcome).toMatchObject({ ok: true, kind: "success" });
    const [call] = calls(r.dir);
    expect(call?.argv).toEqual(["-p", "--output-format", "stream-json", "--verbose", ...CHANNEL_ARGS]);
    // The fake reads the prompt from the first stream-json user line.
    expect(call?.prompt).toBe("Do the task.\n");
    expect(r.channel).toBeDefined();
  });

  it("a can_use_tool request reaches onPermissionRequest with the tool, input, suggestion and blocked path; allow carries it out", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt","description":"Create made.txt"}'], allow);
    expect(r.asks).toEqual([
      {
        request_id: expect.stringMatching(UUID),
        tool: "Bash",
        input: { command: "touch made.txt", description: "Create made.txt" },
        description: "Create made.txt",
        suggestion: { toolName: "Bash", ruleContent: "touch *" },
        blocked_path: path.join(r.dir, "made.txt"),
        tool_use_id: expect.stringMatching(/^toolu_/),
      },
    ]);
    // The session asking (from its init line), known before the run ends.
    expect(r.sessions).toEqual([r.outcome.session_id]);
    expect(r.outcome.session_id).toMatch(UUID);
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(true);
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", exit_code: 0, signal: null, permission_denials: [] });
    expect(permissionRecords(r.dir)).toMatchObject([{ tool: "Bash", asked: true, response: { behavior: "allow" } }]);
  });

  it("updatedInput is what runs: an allow with a changed input writes what the person gave", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Write {"file_path":"a.txt","content":"from claude"}'], (ask, channel) => {
      channel.respond(ask.request_id, { behavior: "allow", updatedInput: { file_path: "b.txt", content: "x" } });
    });
    expect(r.outcome.ok).toBe(true);
    expect(existsSync(path.join(r.dir, "a.txt"))).toBe(false);
    expect(existsSync(path.join(r.dir, "b.txt"))).toBe(true);
  });

  it("deny: nothing is done, the call is in permission_denials, and the run goes on to its success", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch nope.txt"}'], (ask, channel) => {
      channel.respond(ask.request_id, { behavior: "deny", message: "not here" });
    });
    expect(existsSync(path.join(r.dir, "nope.txt"))).toBe(false);
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", permission_denials: ["Bash"] });
    expect(permissionRecords(r.dir)).toMatchObject([{ asked: true, response: { behavior: "deny", message: "not here" } }]);
  });

  it("deny with interrupt (Stop): the CLI ends the run as error_during_execution", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch nope.txt"}', 'FAKE_CLAUDE_ASK: Bash {"command":"touch never.txt"}'], (ask, channel) => {
      channel.respond(ask.request_id, { behavior: "deny", message: "stop", interrupt: true });
    });
    expect(r.asks).toHaveLength(1);
    expect(r.outcome).toMatchObject({ ok: false, kind: "error_subtype", exit_code: 1 });
    expect(existsSync(path.join(r.dir, "never.txt"))).toBe(false);
  });

  it("several calls are asked one at a time, in order", async () => {
    let answered = 0;
    const answeredBefore: number[] = [];
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch one.txt"}', 'FAKE_CLAUDE_ASK: Bash {"command":"touch two.txt"}'], async (ask, channel) => {
      answeredBefore.push(answered);
      await sleep(200);
      answered++;
      allow(ask, channel);
    });
    expect(r.asks.map((a) => a.input.command)).toEqual(["touch one.txt", "touch two.txt"]);
    // The second came only after the first was answered.
    expect(answeredBefore).toEqual([0, 1]);
    expect(r.outcome.ok).toBe(true);
    expect(existsSync(path.join(r.dir, "two.txt"))).toBe(true);
  });

  it("an AskUserQuestion answered through the channel: the answers reach the CLI (the result says them)", async () => {
    const input = { questions: [{ question: "Which database?", header: "DB", multiSelect: false, options: [{ label: "PostgreSQL", description: "" }, { label: "SQLite", description: "" }] }] };
    const r = await runAsking([`FAKE_CLAUDE_ASK: AskUserQuestion ${JSON.stringify(input)}`], (ask, channel) => {
      channel.respond(ask.request_id, { behavior: "allow", updatedInput: { ...ask.input, answers: { "Which database?": "SQLite" } } });
    });
    expect(r.asks[0]).toMatchObject({ tool: "AskUserQuestion", input, suggestion: null });
    expect(r.outcome.ok).toBe(true);
    expect(r.outcome.summary).toContain('answers: {"Which database?":"SQLite"}');
  });

  it("tell: a steering message reaches the CLI (\"told:\" in the result)", async () => {
    let sent: boolean | null = null;
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}'], (ask, channel) => {
      sent = channel.tell("use the other table");
      allow(ask, channel);
    });
    expect(sent).toBe(true);
    expect(r.outcome.ok).toBe(true);
    expect(r.outcome.summary).toContain("told: use the other table");
    expect(readJsonl<{ text: string; after_result: boolean }>(path.join(r.dir, "told.jsonl"))).toMatchObject([{ text: "use the other table", after_result: false }]);
  });

  it("stdin is closed at the result: the fake, which exits only then, exits by itself well within result_grace", async () => {
    const r = await runAsking([], () => {}, { result_grace: 5 });
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", exit_code: 0, signal: null });
    expect(r.elapsedMs).toBeLessThan(4000);
    // After the run the channel says nothing arrives any more.
    expect(r.channel?.tell("too late")).toBe(false);
    expect(r.channel?.respond("nope", { behavior: "deny", message: "x" })).toBe(false);
  });
});

describe("the watchdogs stand still while a request waits for a person", () => {
  it("idle_timeout 1 s and timeout 2 s do not fire while a request is held 4 s; allowed then, the run succeeds", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}'], async (ask, channel) => {
      await sleep(4000);
      allow(ask, channel);
    }, { idle_timeout: 1, timeout: 2 });
    expect(r.outcome).toMatchObject({ ok: true, kind: "success", exit_code: 0, signal: null });
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(true);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(4000);
  }, 20_000);

  it("the idle watchdog fires again once the request is answered and the CLI then goes silent", async () => {
    let answeredAt = 0;
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}', "FAKE_CLAUDE: hang"], async (ask, channel) => {
      await sleep(2500);
      answeredAt = Date.now();
      allow(ask, channel);
    }, { idle_timeout: 1, timeout: 60 });
    const afterAnswer = Date.now() - answeredAt;
    expect(r.outcome).toMatchObject({ ok: false, kind: "idle_timeout", reason: "no output for 1 s (idle timeout)" });
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(true);
    // About a second of silence after the answer (plus the kill), not at once and not never.
    expect(afterAnswer).toBeGreaterThanOrEqual(900);
    expect(afterAnswer).toBeLessThan(5000);
  }, 20_000);

  it("the wall-clock timeout fires once the request is answered, counting only the time not spent waiting", async () => {
    let answeredAt = 0;
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}', "FAKE_CLAUDE: hang"], async (ask, channel) => {
      await sleep(3000);
      answeredAt = Date.now();
      allow(ask, channel);
    }, { idle_timeout: 0, timeout: 2 });
    const afterAnswer = Date.now() - answeredAt;
    expect(r.outcome).toMatchObject({ ok: false, kind: "timeout", reason: "timed out after 2 s" });
    // Held 3 s (longer than the timeout), then up to 2 s of work time was left.
    expect(r.elapsedMs).toBeGreaterThanOrEqual(3000);
    expect(afterAnswer).toBeGreaterThanOrEqual(1500);
    expect(afterAnswer).toBeLessThan(4000);
  }, 20_000);
});

describe("rules that skip asking, and the other modes", () => {
  it("claude.always_allow and the session's rules (allowRules) become --allowedTools: the call is not asked", async () => {
    const r = await runAsking(
      ['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}', 'FAKE_CLAUDE_ASK: Write {"file_path":"w.txt","content":"x"}'],
      () => {
        throw new Error("nothing should be asked");
      },
      { allowed_tools: ["Read"], always_allow: ["Bash(touch:*)"] },
      ["Write", "Read"],
    );
    expect(r.asks).toEqual([]);
    expect(calls(r.dir)[0]?.argv).toEqual(["-p", "--output-format", "stream-json", "--verbose", "--allowedTools", "Read,Bash(touch:*),Write", ...CHANNEL_ARGS]);
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(true);
    expect(existsSync(path.join(r.dir, "w.txt"))).toBe(true);
    expect(permissionRecords(r.dir).map((p) => [p.tool, p.asked, p.allowed_by])).toEqual([
      ["Bash", false, "Bash(touch:*)"],
      ["Write", false, "Write"],
    ]);
    expect(r.outcome).toMatchObject({ ok: true, permission_denials: [] });
  });

  it("bypass adds --dangerously-skip-permissions (no channel): nothing is asked and the call runs", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}'], () => {
      throw new Error("nothing should be asked");
    }, { permissions: "bypass" });
    const argv = calls(r.dir)[0]?.argv ?? [];
    expect(argv).toContain("--dangerously-skip-permissions");
    expect(argv).not.toContain("--permission-prompt-tool");
    expect(r.asks).toEqual([]);
    expect(r.channel).toBeUndefined();
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(true);
    expect(r.outcome.ok).toBe(true);
  });

  it("preapproved: no channel, the call is refused as -p does and reported in permission_denials", async () => {
    const r = await runAsking(['FAKE_CLAUDE_ASK: Bash {"command":"touch made.txt"}'], () => {
      throw new Error("nothing should be asked");
    }, { permissions: "preapproved", always_allow: ["Bash"] }, ["Bash"]);
    const argv = calls(r.dir)[0]?.argv ?? [];
    // always_allow and the session's rules belong to the channel; preapproved is allowed_tools only.
    expect(argv).toEqual(["-p", "--output-format", "stream-json", "--verbose"]);
    expect(r.channel).toBeUndefined();
    expect(existsSync(path.join(r.dir, "made.txt"))).toBe(false);
    expect(r.outcome).toMatchObject({ ok: true, permission_denials: ["Bash"] });
  });
});
