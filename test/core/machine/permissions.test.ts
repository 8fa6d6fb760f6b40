// Claude's permission requests and questions in the machine: recorded before anyone is asked,
// answered exactly once (allow, always, deny, stop, answer), steering (/tell) and revoking an
// "always" rule, and what the surfaces show meanwhile (waiting_permission).
import { describe, expect, it } from "@jest/globals";
import { def, outcome, policies } from "../machine-helpers.js";
import { CheckpointDriver, checks, effectOf, noteEvents, notes } from "./checkpoint-helpers.js";
import { ask, QUESTION_INPUT, questionAsk, recordOf, request, runningTask, tick } from "./permission-helpers.js";
import { commandsFor, displayStatus } from "../../../src/render/format-status.js";
import { pendingPermissions } from "../../../src/core/machine/permissions.js";

describe("permission_requested", () => {
  it("records a tool call as pending (id <session>-p1) and asks with a buzzing permission_requested", () => {
    const d = runningTask();
    const t = request(d);
    expect(t.reply).toEqual({ ok: true, message: "asked S1-p1" });
    expect(t.state.permission_seq).toBe(1);
    expect(t.state.permissions).toEqual([
      {
        ...ask(),
        id: "S1-p1",
        index: 0,
        attempt: 1,
        kind: "tool",
        asked_at: tick(3),
        reminded: false,
        status: "pending",
        answered_by: null,
        answered_at: null,
        message: null,
        answers: null,
      },
    ]);
    // Only the notification: nothing is answered, and the task goes on running.
    expect(t.effects).toEqual([{ type: "notify", notification: { event: "permission_requested", level: "warning", message: "🔐 Task 1/2: Task title 1 wants to run Bash: npm test", task_index: 0, permission_id: "S1-p1" } }]);
    expect(t.state.status).toBe("running");
    expect(t.state.tasks[0]).toMatchObject({ status: "running", attempts: 1 });
  });

  it("records an AskUserQuestion as a question, announced with question_asked and the question's text", () => {
    const d = runningTask();
    const t = request(d, questionAsk());
    expect(recordOf(d, "S1-p1")).toMatchObject({ kind: "question", tool: "AskUserQuestion", input: QUESTION_INPUT, status: "pending" });
    expect(notes(t)).toEqual([{ event: "question_asked", level: "info", message: "❓ Task 1/2: Task title 1: Claude asks: Which database?", task_index: 0, permission_id: "S1-p1" }]);
  });

  it("numbers the requests of a session in order, across tasks, and keeps several pending at once", () => {
    const d = runningTask();
    request(d, ask({ request_id: "a" }));
    request(d, ask({ request_id: "b", input: { command: "npm run lint" } }));
    expect(pendingPermissions(d.state).map((p) => [p.id, p.request_id])).toEqual([["S1-p1", "a"], ["S1-p2", "b"]]);
    // Answering the second leaves the first waiting.
    d.send({ type: "answer_permission", id: "S1-p2", decision: "allow", by: "HTTP" });
    expect(pendingPermissions(d.state).map((p) => p.id)).toEqual(["S1-p1"]);
    expect(displayStatus(d.state)).toBe("waiting_permission");
    d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "HTTP" });
    d.end();
    expect(d.state.tasks.map((t) => t.status)).toEqual(["completed", "running"]);
    d.spawn();
    const t = request(d, ask({ request_id: "c" }));
    expect(t.reply.message).toBe("asked S1-p3");
    expect(recordOf(d, "S1-p3")).toMatchObject({ index: 1, attempt: 1, status: "pending" });
  });

  describe("a request from a run that is not running is stale: ignored, nothing recorded", () => {
    const cases: [string, () => { d: CheckpointDriver; index: number; attempt: number }][] = [
      [
        "the session waits for approval",
        () => {
          const d = new CheckpointDriver(checks({ git: false }), policies.required);
          d.start([def(1), def(2)]);
          return { d, index: 0, attempt: 0 };
        },
      ],
      [
        "an earlier attempt",
        () => {
          const d = runningTask();
          d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1", summary: null }));
          d.send({ type: "retry" });
          return { d, index: 0, attempt: 1 };
        },
      ],
      [
        "a later attempt than the one running",
        () => {
          const d = runningTask();
          return { d, index: 0, attempt: 2 };
        },
      ],
      [
        "another task than the running one",
        () => {
          const d = runningTask();
          return { d, index: 1, attempt: 1 };
        },
      ],
      [
        "a task that already finished",
        () => {
          const d = new CheckpointDriver(checks({ git: false }), policies.required);
          d.start([def(1), def(2)]);
          d.send({ type: "approve" });
          d.spawn();
          d.end();
          return { d, index: 0, attempt: 1 };
        },
      ],
    ];
    it.each(cases)("%s", (_name, setUp) => {
      const { d, index, attempt } = setUp();
      const before = d.state;
      const t = d.send({ type: "permission_requested", index, attempt, ask: ask() });
      expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: `Ignored a permission request for task index ${index} attempt ${attempt}: it is not running.` } });
      expect(t.state).toBe(before);
      expect(t.state.permissions ?? []).toEqual([]);
    });
  });
});

describe("answer_permission", () => {
  function asked(a = ask()) {
    const d = runningTask();
    request(d, a);
    return d;
  }

  it("allow: the respond_permission effect allows with the input as updatedInput; the record says who and when", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "Telegram @ana" });
    expect(t.reply).toEqual({ ok: true, message: "Allowed Bash: npm test." });
    expect(t.effects).toEqual([
      { type: "respond_permission", index: 0, attempt: 1, request_id: "req-1", response: { behavior: "allow", updatedInput: { command: "npm test" } } },
      { type: "notify", notification: { event: "permission_answered", level: "info", message: "✅ Task 1/2: Task title 1: Bash: npm test allowed by Telegram @ana.", task_index: 0, permission_id: "S1-p1" } },
    ]);
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "allowed", answered_by: "Telegram @ana", answered_at: tick(4), message: null });
    expect(t.state.always_rules ?? []).toEqual([]);
    expect(displayStatus(t.state)).toBe("running");
  });

  it("answer on a tool call allows it like allow", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "answer", answers: { x: "y" }, by: "HTTP" });
    expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "allow", updatedInput: { command: "npm test" } });
    expect(recordOf(d, "S1-p1")?.status).toBe("allowed");
  });

  it("always: allows, sends the CLI's suggested rule as updatedPermissions for the session, and keeps it in always_rules", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "always", by: "CLI" });
    expect(t.reply).toEqual({ ok: true, message: "Allowed Bash: npm test, and Bash(npm test:*) for the rest of the session." });
    expect(effectOf(t, "respond_permission")).toEqual({
      type: "respond_permission",
      index: 0,
      attempt: 1,
      request_id: "req-1",
      response: {
        behavior: "allow",
        updatedInput: { command: "npm test" },
        updatedPermissions: [{ type: "addRules", rules: [{ toolName: "Bash", ruleContent: "npm test:*" }], behavior: "allow", destination: "session" }],
      },
    });
    expect(t.state.always_rules).toEqual(["Bash(npm test:*)"]);
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "always", answered_by: "CLI", message: "Bash(npm test:*)" });
    expect(notes(t)[0]?.message).toBe("✅ Task 1/2: Task title 1: Bash: npm test allowed by CLI, and Bash(npm test:*) from now on in this session.");
  });

  it("always without a suggestion: the rule is the whole tool; the same rule twice is kept once", () => {
    const d = runningTask();
    const write = ask({ request_id: "w1", tool: "Write", input: { file_path: "src/a.ts", content: "x" }, suggestion: null });
    request(d, write);
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "always", by: "CLI" });
    expect(effectOf(t, "respond_permission")?.response).toMatchObject({ updatedPermissions: [{ type: "addRules", rules: [{ toolName: "Write" }], behavior: "allow", destination: "session" }] });
    request(d, { ...write, request_id: "w2" });
    d.send({ type: "answer_permission", id: "S1-p2", decision: "always", by: "CLI" });
    expect(d.state.always_rules).toEqual(["Write"]);
  });

  it("deny: the person's message is what Claude reads; no interrupt, the task keeps running", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "deny", message: "  use yarn test instead  ", by: "HTTP" });
    expect(t.reply).toEqual({ ok: true, message: "Denied Bash: npm test." });
    expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "deny", message: "use yarn test instead" });
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "denied", answered_by: "HTTP", message: "use yarn test instead" });
    expect(notes(t)[0]?.message).toBe("🚫 Task 1/2: Task title 1: Bash: npm test denied by HTTP: use yarn test instead");
    expect(t.state.tasks[0]).toMatchObject({ status: "running", stop_reason: null });
    // Claude goes on without the call; the run's end is the task's end as usual.
    expect(d.end(outcome({ permission_denials: ["Bash"] })).state.tasks[0]).toMatchObject({ status: "completed", permission_denials: ["Bash"] });
  });

  it("deny without a message (or a blank one) tells Claude who denied it", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "deny", message: "   ", by: "Telegram @ana" });
    expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "deny", message: "Telegram @ana denied this." });
    expect(notes(t)[0]?.message).toBe("🚫 Task 1/2: Task title 1: Bash: npm test denied by Telegram @ana.");
  });

  it.each([[undefined], [null], ["   "]])("by %p is recorded as 'a person'", (by) => {
    const d = asked();
    d.send(by === undefined ? { type: "answer_permission", id: "S1-p1", decision: "allow" } : { type: "answer_permission", id: "S1-p1", decision: "allow", by });
    expect(recordOf(d, "S1-p1")?.answered_by).toBe("a person");
  });

  it("stop: deny with interrupt, the stop reason recorded; the run's end leaves the task interrupted and the session waiting", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "stop", by: "Telegram @ana" });
    expect(t.reply).toEqual({ ok: true, message: "Stopping Task 1/2: Bash: npm test denied." });
    expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "deny", message: "Telegram @ana stopped the task.", interrupt: true });
    expect(t.state.tasks[0]).toMatchObject({ status: "running", stop_reason: "stopped by Telegram @ana when asked to run Bash: npm test" });
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "stopped", answered_by: "Telegram @ana" });
    expect(notes(t)).toEqual([{ event: "permission_answered", level: "warning", message: "⏹ Task 1/2: Task title 1: Bash: npm test denied and the task stopped by Telegram @ana.", task_index: 0, permission_id: "S1-p1" }]);

    // The CLI ends the turn after an interrupt: error_during_execution, exit 1.
    const end = d.end(outcome({ ok: false, kind: "error_subtype", reason: "Claude reported an error (error_during_execution)", summary: null, session_id: "claude-1" }));
    expect(end.state.tasks[0]).toMatchObject({ status: "interrupted", result: "interrupted", error: "stopped by Telegram @ana when asked to run Bash: npm test", stop_reason: null });
    expect(end.state).toMatchObject({ status: "waiting_approval", current_task_index: 0, waiting_reason: "stopped by Telegram @ana when asked to run Bash: npm test" });
    expect(noteEvents(end)).toEqual(["task_interrupted", "approval_needed"]);
    expect(notes(end)[0]?.message).toBe("⏹ Task 1/2: Task title 1: stopped by Telegram @ana when asked to run Bash: npm test. Send /retry to run it again, or /skip.");
    // Not parked: a retry starts afresh.
    const retry = d.send({ type: "retry" });
    expect(effectOf(retry, "run_task")).toMatchObject({ attempt: 2, resume_session_id: null, feedback: null });
  });

  it("stop with a message: that message is Claude's deny message", () => {
    const d = asked();
    const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "stop", message: "wrong branch", by: "CLI" });
    expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "deny", message: "wrong branch", interrupt: true });
  });

  describe("a second answer is refused, saying who answered what and when, and changes nothing", () => {
    const table: [string, "allow" | "always" | "deny" | "stop", string][] = [
      ["allow", "allow", "allowed"],
      ["always", "always", "allowed (always)"],
      ["deny", "deny", "denied"],
      ["stop", "stop", "stopped"],
    ];
    it.each(table)("after %s", (_name, decision, how) => {
      const d = asked();
      d.send({ type: "answer_permission", id: "S1-p1", decision, by: "Telegram @ana" });
      const before = d.state;
      for (const again of ["allow", "deny", "stop", "always"] as const) {
        const t = d.send({ type: "answer_permission", id: "S1-p1", decision: again, by: "HTTP" });
        expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: `Already answered: ${how} by Telegram @ana at ${tick(4)}.` } });
      }
    });

    it("after an answered question", () => {
      const d = asked(questionAsk());
      d.send({ type: "answer_permission", id: "S1-p1", decision: "answer", answers: { "Which database?": "SQLite" }, by: "CLI" });
      const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "answer", answers: { "Which database?": "PostgreSQL" }, by: "HTTP" });
      expect(t.reply).toEqual({ ok: false, message: `Already answered: answered by CLI at ${tick(4)}.` });
      expect(t.effects).toEqual([]);
    });
  });

  it("an unknown id is refused, pointing at /permissions", () => {
    const d = asked();
    const before = d.state;
    const t = d.send({ type: "answer_permission", id: "S1-p9", decision: "allow", by: "HTTP" });
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: "No permission request S1-p9 in this session. Send /permissions to see the pending ones." } });
  });

  describe("questions", () => {
    it("answer with answers: allowed with the answers added to the input; the notification says them", () => {
      const d = asked(questionAsk());
      const answers = { "Which database?": "PostgreSQL" };
      const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "answer", answers, by: "Telegram @ana" });
      expect(t.reply).toEqual({ ok: true, message: "Answered: PostgreSQL" });
      expect(t.effects).toEqual([
        { type: "respond_permission", index: 0, attempt: 1, request_id: "req-q", response: { behavior: "allow", updatedInput: { ...QUESTION_INPUT, answers } } },
        { type: "notify", notification: { event: "permission_answered", level: "info", message: "💬 Task 1/2: Task title 1: answered by Telegram @ana: PostgreSQL", task_index: 0, permission_id: "S1-p1" } },
      ]);
      expect(recordOf(d, "S1-p1")).toMatchObject({ status: "answered", answered_by: "Telegram @ana", answers });
    });

    it.each([
      ["answer without answers", { decision: "answer" as const }],
      ["answer with empty answers", { decision: "answer" as const, answers: {} }],
      ["allow (no answers)", { decision: "allow" as const }],
      ["always (no answers)", { decision: "always" as const }],
    ])("%s is refused and the question stays pending", (_name, over) => {
      const d = asked(questionAsk());
      const before = d.state;
      const t = d.send({ type: "answer_permission", id: "S1-p1", by: "HTTP", ...over });
      expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: "S1-p1 is a question: answer it with answers (question -> option or text), or deny it." } });
      expect(recordOf(d, "S1-p1")?.status).toBe("pending");
    });

    it("deny answers a question with a refusal", () => {
      const d = asked(questionAsk());
      const t = d.send({ type: "answer_permission", id: "S1-p1", decision: "deny", message: "decide yourself", by: "HTTP" });
      expect(effectOf(t, "respond_permission")?.response).toEqual({ behavior: "deny", message: "decide yourself" });
      expect(recordOf(d, "S1-p1")?.status).toBe("denied");
    });
  });
});

describe("permission_cancelled", () => {
  it("the CLI withdrew the request: expired with a notice; a late answer hears why", () => {
    const d = runningTask();
    request(d);
    const t = d.send({ type: "permission_cancelled", index: 0, attempt: 1, request_id: "req-1" });
    expect(t.reply).toEqual({ ok: true, message: "withdrawn" });
    expect(recordOf(d, "S1-p1")).toMatchObject({ status: "expired", message: "Claude withdrew the request", answered_by: null, answered_at: tick(4) });
    expect(t.effects).toEqual([{ type: "notify", notification: { event: "permission_expired", level: "info", message: "🔐 Task 1/2: Task title 1: Claude withdrew its request to run Bash: npm test.", task_index: 0, permission_id: "S1-p1" } }]);
    expect(displayStatus(t.state)).toBe("running");
    const late = d.send({ type: "answer_permission", id: "S1-p1", decision: "allow", by: "HTTP" });
    expect(late).toMatchObject({ effects: [], reply: { ok: false, message: "Expired: Claude withdrew the request." } });
  });

  it.each([
    ["another request id", { request_id: "req-other" }],
    ["another attempt", { attempt: 2 }],
    ["another task", { index: 1 }],
  ])("for %s is ignored", (_name, over) => {
    const d = runningTask();
    request(d);
    const before = d.state;
    const t = d.send({ type: "permission_cancelled", index: 0, attempt: 1, request_id: "req-1", ...over });
    expect(t.state).toBe(before);
    expect(t.effects).toEqual([]);
    expect(t.reply.ok).toBe(false);
    expect(recordOf(d, "S1-p1")?.status).toBe("pending");
  });
});

describe("tell", () => {
  it("while a task runs: a tell_task effect with the trimmed text for that attempt", () => {
    const d = runningTask();
    const t = d.send({ type: "tell", text: "  use the other table  ", by: "HTTP" });
    expect(t.reply).toEqual({ ok: true, message: "Sent to Task 1/2's Claude; it reads it on its next turn." });
    expect(t.effects).toEqual([{ type: "tell_task", index: 0, attempt: 1, text: "use the other table" }]);
  });

  it("while it waits for a permission too (Claude reads it after the answer)", () => {
    const d = runningTask();
    request(d);
    expect(d.send({ type: "tell", text: "hi", by: "HTTP" }).effects).toEqual([{ type: "tell_task", index: 0, attempt: 1, text: "hi" }]);
  });

  it("empty text is refused", () => {
    const d = runningTask();
    const before = d.state;
    expect(d.send({ type: "tell", text: "   ", by: "HTTP" })).toEqual({ state: before, effects: [], reply: { ok: false, message: "Tell Claude what? Send /tell <text>." } });
  });

  it.each([
    ["no session", () => new CheckpointDriver(checks({ git: false }), policies.auto)],
    [
      "waiting for approval",
      () => {
        const d = new CheckpointDriver(checks({ git: false }), policies.required);
        d.start([def(1)]);
        return d;
      },
    ],
    [
      "a failed task",
      () => {
        const d = runningTask();
        d.end(outcome({ ok: false, kind: "exit_error", reason: "exited 1", summary: null }));
        return d;
      },
    ],
    [
      "completed",
      () => {
        const d = runningTask();
        d.end();
        d.spawn();
        d.end();
        return d;
      },
    ],
  ])("when nothing runs (%s) is refused", (_name, setUp) => {
    const d = setUp();
    const before = d.state;
    const t = d.send({ type: "tell", text: "hello", by: "HTTP" });
    expect(t).toEqual({ state: before, effects: [], reply: { ok: false, message: "Nothing to tell: no task is running. Send /status to see where things stand." } });
  });
});

describe("revoke_rule", () => {
  it("removes an always rule; an unknown one is refused", () => {
    const d = runningTask();
    request(d);
    d.send({ type: "answer_permission", id: "S1-p1", decision: "always", by: "CLI" });
    request(d, ask({ request_id: "w", tool: "Write", input: { file_path: "a" }, suggestion: null }));
    d.send({ type: "answer_permission", id: "S1-p2", decision: "always", by: "CLI" });
    expect(d.state.always_rules).toEqual(["Bash(npm test:*)", "Write"]);
    const t = d.send({ type: "revoke_rule", rule: "Bash(npm test:*)", by: "HTTP" });
    expect(t.reply).toEqual({ ok: true, message: "Revoked Bash(npm test:*): later runs ask again (a run already going keeps it until it ends)." });
    expect(t.effects).toEqual([]);
    expect(t.state.always_rules).toEqual(["Write"]);
    const before = d.state;
    expect(d.send({ type: "revoke_rule", rule: "Bash(npm test:*)", by: "HTTP" })).toEqual({ state: before, effects: [], reply: { ok: false, message: 'No "always" rule Bash(npm test:*) in this session. Send /permissions to see them.' } });
  });
});

describe("what the surfaces show", () => {
  it("waiting_permission while any request is pending (state.json keeps running), with /permissions /tell /cancel", () => {
    const d = runningTask();
    expect(displayStatus(d.state)).toBe("running");
    expect(commandsFor(d.state)).toEqual(["/status", "/pause", "/skip", "/cancel"]);
    request(d);
    expect(d.state.status).toBe("running");
    expect(displayStatus(d.state)).toBe("waiting_permission");
    expect(commandsFor(d.state)).toEqual(["/permissions", "/tell", "/cancel"]);
    d.send({ type: "answer_permission", id: "S1-p1", decision: "deny", by: "CLI" });
    expect(displayStatus(d.state)).toBe("running");
    expect(commandsFor(d.state)).toEqual(["/status", "/pause", "/skip", "/cancel"]);
  });

  it("keeps every pending request and only the last 100 answered ones", () => {
    const d = runningTask();
    request(d, ask({ request_id: "kept-pending" }));
    for (let i = 0; i < 101; i++) {
      request(d, ask({ request_id: `r${i}` }));
      d.send({ type: "answer_permission", id: `S1-p${i + 2}`, decision: "allow", by: "CLI" });
    }
    const list = d.state.permissions ?? [];
    expect(list.filter((p) => p.status === "pending").map((p) => p.id)).toEqual(["S1-p1"]);
    expect(list.filter((p) => p.status !== "pending")).toHaveLength(100);
    // The oldest answered one is gone: a press on its message is now an unknown id.
    expect(recordOf(d, "S1-p2")).toBeUndefined();
    expect(recordOf(d, "S1-p3")?.status).toBe("allowed");
    expect(d.send({ type: "answer_permission", id: "S1-p2", decision: "allow", by: "CLI" }).reply.message).toMatch(/^No permission request S1-p2/);
  });
});

describe("tell while the task's Claude is not running", () => {
  it("during the task's verification (no Claude to read it) it is not reported as sent", () => {
    const d = new CheckpointDriver(checks({ git: false, verify: ["npm test"] }), policies.auto);
    d.start([def(1), def(2)]);
    d.spawn();
    d.end();
    expect(d.state.tasks[0]).toMatchObject({ status: "running", phase: "verifying" });
    const t = d.send({ type: "tell", text: "also update the docs", by: "HTTP" });
    // A tell_task now reaches no run (TaskRuns only logs "nothing was sent"), so "Sent" would be untrue.
    expect(effectOf(t, "tell_task")).toBeUndefined();
    expect(t.reply.ok).toBe(false);
  });
});
