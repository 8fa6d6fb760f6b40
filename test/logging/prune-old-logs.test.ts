// pruneOldLogs on real folders whose files' mtimes are set with utimes: what goes (old task,
// verify, plan and daily logs, a session folder left empty) and what stays (new ones, the current
// session's, the state's plan, the history, state, reports, feedback, notes, whatever a symlink
// points at), the bound per sweep, and failures that are logged while the sweep goes on.
import { afterAll, describe, expect, it } from "@jest/globals";
import { execa } from "execa";
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logging/create-logger.js";
import { DAY_MS, pruneOldLogs } from "../../src/logging/prune-old-logs.js";
import { REPO } from "../support/run-orchestrator-bin.js";

const NOW = "2026-03-31T12:00:00.000Z";
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) {
    await execa("chmod", ["-R", "u+rwx", dir], { reject: false });
    await rm(dir, { recursive: true, force: true });
  }
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "prune-logs-"));
  dirs.push(dir);
  return dir;
}

/** Writes `file` (and its folder) with an mtime `daysOld` days before NOW. */
async function put(file: string, daysOld: number): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, "x\n");
  const at = new Date(new Date(NOW).getTime() - daysOld * DAY_MS);
  await utimes(file, at, at);
  return file;
}

function quietLogger() {
  const lines: { msg: string; path?: string }[] = [];
  const { logger } = createLogger({
    level: "info",
    logsDir: null,
    clock: new ManualClock(NOW),
    console: { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) } as unknown as NodeJS.WritableStream,
  });
  return { logger, lines };
}

async function files(root: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true });
  return all.map((p) => String(p)).sort();
}

describe("pruneOldLogs", () => {
  it("removes old task, verify, plan and daily logs, and keeps everything else", async () => {
    const base = await temp();
    const logs = path.join(base, "logs");
    const outside = path.join(base, "outside");
    const old = 40;
    const current = "20260101-090000 main"; // a session id with a character task-runs.ts makes safe ("_")
    await put(path.join(logs, "sess-a", "task-1-output.log"), old);
    await put(path.join(logs, "sess-a", "task-1-verify.log"), old);
    await put(path.join(logs, "sess-b", "task-2-output.log"), old);
    await put(path.join(logs, "sess-b", "notes.txt"), old); // not ours: the folder stays for it
    await put(path.join(logs, "sess-c", "task-3-output.log"), 10);
    await put(path.join(logs, "sess-c", "task-3-verify.log"), 31);
    await put(path.join(logs, "20260101-090000_main", "task-1-output.log"), old); // the current session's
    await put(path.join(logs, "plans", "2026-02-01-p1-round0.log"), old);
    await put(path.join(logs, "plans", "2026-02-20-p3-round1.log"), old); // the state's plan
    await put(path.join(logs, "plans", "2026-03-30-p4-round0.log"), 1);
    await put(path.join(logs, "2026-02-28.log"), 0); // a daily log goes by its name's date, not its mtime
    await put(path.join(logs, "2026-03-01.log"), old); // the cutoff's own date: kept
    await put(path.join(logs, "2026-03-31.log"), 0);
    await put(path.join(logs, "events-2026-01-01.jsonl"), old); // the history: kept
    await put(path.join(logs, "webhook-access.log"), old);
    for (const name of ["state.json", "state.json.bak", "state.json.tasks-s-abc.json", "state.json.lock"]) await put(path.join(logs, name), old);
    await put(path.join(logs, "results", "2026-01-01-report.md"), old);
    await put(path.join(logs, "results", "task-1-output.log"), old); // a protected folder is not entered
    await put(path.join(logs, "feedback", "2026-01-01.md"), old);
    await put(path.join(logs, "daily_logs", "2026-01-01.log"), old);
    await put(path.join(logs, "sess-d", "task-4-output.log"), 5);
    await put(path.join(outside, "task-9-output.log"), old);
    await put(path.join(outside, "2026-01-01.log"), old);
    await symlink(outside, path.join(logs, "linked")); // a folder link: not entered
    await symlink(path.join(outside, "task-9-output.log"), path.join(logs, "sess-d", "task-9-output.log"));
    await symlink(path.join(outside, "2026-01-01.log"), path.join(logs, "2026-01-02.log"));
    const { logger, lines } = quietLogger();

    const result = await pruneOldLogs({
      logsDir: logs,
      retentionDays: 30,
      clock: new ManualClock(NOW),
      logger,
      keep: { sessionId: current, planId: "2026-02-20-p3", files: [path.join(logs, "sess-c", "task-3-verify.log")] },
      protectedDirs: [path.join(logs, "results"), path.join(logs, "feedback"), path.join(logs, "daily_logs")],
    });

    expect(result.removed.map((p) => path.relative(logs, p)).sort()).toEqual([
      "2026-02-28.log",
      "plans/2026-02-01-p1-round0.log",
      "sess-a",
      "sess-a/task-1-output.log",
      "sess-a/task-1-verify.log",
      "sess-b/task-2-output.log",
    ]);
    expect(result).toMatchObject({ failed: [], incomplete: false });
    expect(lines).toEqual([]);
    expect(await files(logs)).toEqual([
      "2026-01-02.log",
      "2026-03-01.log",
      "2026-03-31.log",
      "20260101-090000_main",
      "20260101-090000_main/task-1-output.log",
      "daily_logs",
      "daily_logs/2026-01-01.log",
      "events-2026-01-01.jsonl",
      "feedback",
      "feedback/2026-01-01.md",
      "linked",
      "linked/2026-01-01.log", // (this listing follows the link; the sweep did not)
      "linked/task-9-output.log",
      "plans",
      "plans/2026-02-20-p3-round1.log",
      "plans/2026-03-30-p4-round0.log",
      "results",
      "results/2026-01-01-report.md",
      "results/task-1-output.log",
      "sess-b",
      "sess-b/notes.txt",
      "sess-c",
      "sess-c/task-3-output.log",
      "sess-c/task-3-verify.log",
      "sess-d",
      "sess-d/task-4-output.log",
      "sess-d/task-9-output.log",
      "state.json",
      "state.json.bak",
      "state.json.lock",
      "state.json.tasks-s-abc.json",
      "webhook-access.log",
    ]);
    expect(await files(outside)).toEqual(["2026-01-01.log", "task-9-output.log"]);
  });

  it("looks at no more than maxEntries a sweep; the next sweeps go on", async () => {
    const logs = path.join(await temp(), "logs");
    for (let i = 0; i < 25; i++) await put(path.join(logs, "s1", `task-${i}-output.log`), 60);
    const { logger } = quietLogger();
    const sweep = () => pruneOldLogs({ logsDir: logs, retentionDays: 30, clock: new ManualClock(NOW), logger, keep: { sessionId: null, planId: null }, maxEntries: 10 });

    const first = await sweep();
    expect(first).toMatchObject({ examined: 10, incomplete: true });
    expect(first.removed).toHaveLength(9); // the folder "s1" itself was the first entry
    expect(await readdir(path.join(logs, "s1"))).toHaveLength(16);
    const rounds = [await sweep(), await sweep(), await sweep()];
    expect(rounds.at(-1)).toMatchObject({ incomplete: false });
    expect(existsSync(path.join(logs, "s1"))).toBe(false);
  });

  it("a stopped sweep ends at the next entry", async () => {
    const logs = path.join(await temp(), "logs");
    for (let i = 0; i < 5; i++) await put(path.join(logs, `s${i}`, "task-1-output.log"), 60);
    const { logger } = quietLogger();
    let asked = 0;
    const result = await pruneOldLogs({ logsDir: logs, retentionDays: 30, clock: new ManualClock(NOW), logger, keep: { sessionId: null, planId: null }, stopped: () => ++asked > 2 });
    expect(result).toMatchObject({ examined: 2, incomplete: true });
    expect(await readdir(logs)).toHaveLength(4); // one session folder went, with its log
  });

  it("a logs folder that does not exist is nothing to do", async () => {
    const { logger, lines } = quietLogger();
    const result = await pruneOldLogs({ logsDir: path.join(await temp(), "none"), retentionDays: 1, clock: new ManualClock(NOW), logger, keep: { sessionId: null, planId: null } });
    expect(result).toEqual({ removed: [], failed: [], examined: 0, incomplete: false });
    expect(lines).toEqual([]);
  });

  it("logs a folder it cannot read and a file it cannot remove, and goes on with the rest", async () => {
    const base = await temp();
    const logs = path.join(base, "logs");
    await put(path.join(logs, "a-locked", "task-1-output.log"), 60);
    await put(path.join(logs, "b-readonly", "task-2-output.log"), 60);
    await put(path.join(logs, "c-fine", "task-3-output.log"), 60);
    await put(path.join(logs, "2026-01-01.log"), 60);
    await chmod(path.join(logs, "a-locked"), 0o000); // cannot be read
    await chmod(path.join(logs, "b-readonly"), 0o555); // read, but nothing in it can be removed
    // Permissions do not stop root: then the sweep runs as nobody, in a child process.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await execa("chmod", ["-R", "a+rX", base]).then(() => chmod(path.join(logs, "a-locked"), 0o000));
    if (asRoot) await execa("chown", ["-R", "65534:65534", base]);
    const child = await execa(process.execPath, [path.join(REPO, "bin/run-ts.js"), path.join(REPO, "test/logging/prune-in-child.ts"), JSON.stringify({ logsDir: logs, now: NOW, retentionDays: 30 })], {
      cwd: REPO,
      reject: false,
      env: { PATH: process.env.PATH ?? "", HOME: base, TMPDIR: base },
      extendEnv: false,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(child.stderr).toBe("");
    const { result, warnings } = JSON.parse(child.stdout) as { result: { removed: string[]; failed: { path: string; error: string }[] }; warnings: string[] };

    expect(result.removed.map((p) => path.relative(logs, p)).sort()).toEqual(["2026-01-01.log", "c-fine", "c-fine/task-3-output.log"]);
    expect(result.failed.map((f) => [path.relative(logs, f.path), f.error.split(":")[0]]).sort()).toEqual([
      ["a-locked", "EACCES"],
      ["b-readonly/task-2-output.log", "EACCES"],
    ]);
    expect(warnings.sort()).toEqual([
      expect.stringMatching(/^log retention: could not read the folder .*a-locked; left as it is \(EACCES/),
      expect.stringMatching(/^log retention: could not remove .*task-2-output\.log; left as it is \(EACCES/),
    ]);
  }, 30_000);
});
