/**
 * Faults around feedback and lessons, on the real `orchestrator serve` (the fake claude) and on
 * the real FeedbackBook in a child that is SIGKILLed:
 * - the learnings file is a FIFO: every task still runs (no hang on the pipe), without the
 *   lessons, and the log says why; /learn is refused naming the file;
 * - the feedback folder is a file: feedback is refused (503) naming the file and the setting,
 *   and nothing else is hurt (the session goes on, /health stays ok);
 * - kill -9 in the middle of feedback writes: the file is always whole, every acknowledged note
 *   is in it, and the next write removes the killed writer's temp file.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { FeedbackBook, feedbackFile } from "../../src/feedback/feedback-book.js";
import { parseFeedback } from "../../src/feedback/feedback-file.js";
import { localDate } from "../../src/logging/daily-file-stream.js";
import { makeFifo } from "../support/make-fifo.js";
import { readState, tempDir, waitFor } from "../support/run-orchestrator-bin.js";
import { startService, type RunningService } from "../support/start-service.js";
import { runFixture } from "../store/child-process.js";

const SECRET = "feedback-fault-secret";
const dirs: string[] = [];
const services: RunningService[] = [];
afterAll(async () => {
  for (const s of services) await s.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const post = async (service: RunningService, route: string, body: Record<string, unknown> = {}) => {
  const res = await fetch(`${service.url}/webhook/${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe("feedback and lessons on a broken disk", () => {
  it("a FIFO as the learnings file, a file as the feedback folder: tasks run without the lessons, both commands say what is wrong, the rest goes on", async () => {
    const dir = await tempDir("orch-feedback-faults-");
    dirs.push(dir);
    const fifo = path.join(dir, "lessons.md");
    await makeFifo(fifo);
    await writeFile(path.join(dir, "not-a-folder"), "x");
    await mkdir(path.join(dir, "orchestrator_tasks"));
    await writeFile(path.join(dir, "orchestrator_tasks", `${localDate(new Date())}-tasks.md`), "## Task 1: One\n**Description:** one\n**Claude Instruction:**\nDo one\n\n---\n\n## Task 2: Two\n**Description:** two\n**Claude Instruction:**\nDo two\n");
    await writeFile(path.join(dir, "config.yaml"), `orchestrator:\n  approval_mode: auto\n  learnings_file: lessons.md\npaths:\n  feedback_dir: not-a-folder\n`);
    const service = await startService(dir, { WEBHOOK_SECRET: SECRET });
    services.push(service);

    const t0 = performance.now();
    expect((await post(service, "start")).status).toBe(200);
    const state = await waitFor(async () => {
      const s = await readState(dir);
      return s.status === "completed" ? s : undefined;
    }, 20_000, "the session to complete");
    expect(state.tasks.map((t) => t.status)).toEqual(["completed", "completed"]);
    expect(performance.now() - t0).toBeLessThan(15_000); // the FIFO never held a task
    expect(service.output()).toMatch(/could not read the lessons \(orchestrator\.learnings_file\): .*FIFO.*; task 1 runs without them/);

    const learn = await post(service, "learn", { text: "a lesson" });
    expect(learn.status).toBe(503);
    expect(learn.json.message).toBe(`Lesson not added: could not add to the learnings file ${fifo}: it is not a regular file. Check orchestrator.learnings_file, then send it again.`);

    const folder = path.join(dir, "not-a-folder");
    const feedback = await post(service, "feedback", { rating: "up" });
    expect(feedback.status).toBe(503);
    expect(feedback.json.message).toBe(`Feedback not recorded: could not write the feedback file ${feedbackFile(folder, localDate(new Date()))}: ${folder} is not a folder. Check paths.feedback_dir (${folder}).`);
    expect(await readFile(folder, "utf8")).toBe("x");

    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    const { exitCode } = await service.stop();
    expect(exitCode).toBe(0);
  }, 60_000);
});

describe("feedback writes under SIGKILL", () => {
  const ROUNDS = 6;
  it(`the file is always whole and holds every acknowledged note (${ROUNDS} random kills); the next write removes the dead writer's temp file`, async () => {
    const dir = await tempDir("orch-feedback-kill-");
    dirs.push(dir);
    const file = feedbackFile(dir, "2026-12-01");
    const acked: string[] = [];
    let temps = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = runFixture("test/faults/feedback-write-loop.ts", [dir, `r${round}`]);
      await child.waitForLine(round % 2 === 0 ? "ready" : "written");
      await new Promise((r) => setTimeout(r, Math.random() * 60));
      child.child.kill("SIGKILL");
      const { signal } = await child.closed;
      expect(signal).toBe("SIGKILL");
      expect(child.stderr()).toBe("");
      const written = child.lines.filter((l) => l.startsWith("written ")).map((l) => Number(l.slice("written ".length)));
      acked.push(...written.map((n) => `r${round}-${n}`));

      const text = await readFile(file, "utf8").catch(() => null);
      if (text === null) {
        expect(acked).toEqual([]);
        continue;
      }
      // Whole: the title, task sections only, each rating a valid one, every line a note of the loop.
      expect(text.startsWith("# Feedback - 2026-12-01\n\n## task-")).toBe(true);
      const sections = parseFeedback(text);
      expect(sections.map((s) => s.id).sort()).toEqual(["task-1", "task-2", "task-3"].slice(0, sections.length));
      for (const s of sections) expect(s.rating).not.toBeNull();
      const notes = sections.flatMap((s) => s.notes.map((n) => n.replace(/ \(the loop, 18:00\)$/, "")));
      for (const note of notes) expect(note).toMatch(/^r\d+-\d+$/);
      // Durable: every acknowledged note is there; at most the one in flight beyond them.
      for (const note of acked) expect(notes).toContain(note);
      expect(notes.length - acked.length).toBeLessThanOrEqual(1);
      acked.splice(0, acked.length, ...notes);
      // Nothing but the file and, perhaps, the killed writer's temp file.
      for (const name of await readdir(dir)) expect(name).toMatch(new RegExp(`^2026-12-01\\.md(\\.tmp-${child.pid})?$`));
      if ((await readdir(dir)).length > 1) temps++;
    }
    await new FeedbackBook(dir).record({ date: "2026-12-01", taskId: 1, title: "Task 1", rating: "up", note: "after", by: null, time: "19:00" });
    expect(await readdir(dir)).toEqual(["2026-12-01.md"]);
    if (process.env.FAULT_FIGURES) process.stdout.write(`feedback kills: ${ROUNDS} rounds, ${acked.length} notes kept, ${temps} temp file(s) left by a kill and removed by the next write\n`);
  }, 60_000);
});
