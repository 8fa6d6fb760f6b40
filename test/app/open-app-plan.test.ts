// The app's wiring of the planner: /plan through Control on an app opened from the config drafts
// paths.tasks_dir/<today>-tasks.md with the app's runner (the fake CLI), its stream in
// paths.logs_dir/plans/, and /plan start starts that file.
import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openApp, type App } from "../../src/app/open-app.js";
import { loadConfig } from "../../src/config/load-config.js";
import { Control } from "../../src/control/control.js";
import { systemClock } from "../../src/core/clock.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { calls, fakeConfig, removeDir, tempDir } from "../runner/runner-test-helpers.js";

let app: App | null = null;
let dir: string | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
  if (dir) removeDir(dir);
  dir = null;
});

describe("openApp: the planner", () => {
  it("/plan drafts today's task file into paths.tasks_dir with the app's runner; /plan start starts it", async () => {
    dir = tempDir("app-plan-");
    const today = localDate(systemClock.now());
    const project = path.join(dir, "project");
    mkdirSync(project);
    mkdirSync(path.join(dir, "daily_logs"));
    writeFileSync(path.join(dir, "daily_logs", `${today}.md`), "# Today\nFAKE_CLAUDE: plan\nFAKE_CLAUDE_PLAN_TASK: Say hello\n");
    const env = { PATH: process.env.PATH, FAKE_CLAUDE_RECORD: dir, FAKE_CLAUDE_SESSIONS: path.join(dir, "sessions") };
    const config = await loadConfig({ configPath: null, cwd: dir, env: {} });
    config.claude = { ...config.claude, ...fakeConfig(project) };
    config.orchestrator.approval_mode = "auto";
    app = await openApp(config, { env, console: null, problemStream: null, workTree: null });
    const control = new Control({ orchestrator: app.orchestrator, config, clock: systemClock });

    const asked = await control.execute({ command: "plan", by: "the CLI" });
    expect(asked).toMatchObject({ ok: true });
    const s = await app.orchestrator.waitFor((x) => x.plan?.status === "ready" || x.plan?.status === "failed", 15_000);
    const file = path.join(config.paths.tasks_dir, `${today}-tasks.md`);
    expect(s.plan).toMatchObject({ status: "ready", file, tasks: [{ title: "Say hello" }] });
    expect(readFileSync(path.join(config.paths.logs_dir, "plans", `${today}-p1-round0.log`), "utf8")).toContain('"type":"result"');
    expect(calls(dir)[0]?.cwd).toBe(project);

    expect((await control.execute({ command: "plan_start", by: "the CLI" })).ok).toBe(true);
    const done = await app.orchestrator.waitFor((x) => x.status === "completed" || x.status === "task_failed", 15_000);
    expect(done).toMatchObject({ status: "completed", task_file: file, plan: { status: "started" } });
  }, 40_000);
});
