/**
 * THE KEY TEST: a real child process saves states in a tight loop through the real
 * FileStateStore (test/fixtures/state-write-loop.ts) and is SIGKILLed at random moments.
 * After every kill the state file must parse, pass describeStateProblem, and hold the last
 * acknowledged save (or the one in flight); the counter never goes back across rounds.
 * The second test starts a new session every few saves, so kills also land between a session's
 * definitions file and the state.json that names it (test/fixtures/session-switch-loop.ts).
 */
import { describe, it, expect, afterAll } from "@jest/globals";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { describeStateProblem, type SessionState } from "../../src/core/state.js";
import { FileStateStore } from "../../src/store/state-store.js";
import { runFixture } from "./child-process.js";

const ROUNDS = 15;
/** A task definitions file's name after `state.json` (see src/store/task-definitions-file.ts). */
const DEFINITIONS = "\\.tasks-[A-Za-z0-9_-]+-[0-9a-f]{16}\\.json";
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function counters(lines: string[], prefix: string): number[] {
  return lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.slice(prefix.length)));
}

describe("FileStateStore under SIGKILL", () => {
  it(`never leaves a broken or older state file (${ROUNDS} random kills)`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "crash-safety-"));
    dirs.push(dir);
    const file = path.join(dir, "state.json");
    let previous = 0;
    let totalSaves = 0;
    let killedWithSpare = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const child = runFixture("test/fixtures/state-write-loop.ts", [file]);
      // Odd rounds: kill soon after load (hits the .bak write and the first saves);
      // even rounds: kill in the middle of the save loop.
      if (round % 2) {
        await child.waitForLine("loaded");
        await new Promise((r) => setTimeout(r, Math.random() * 15));
      } else {
        await child.waitForLine("saved");
        await new Promise((r) => setTimeout(r, Math.random() * 80));
      }
      child.child.kill("SIGKILL");
      const { signal } = await child.closed;
      expect(signal).toBe("SIGKILL");
      expect(child.stderr()).not.toMatch(/WARNING|Error/);

      const loaded = counters(child.lines, "loaded ")[0]!;
      const acked = counters(child.lines, "saved ");
      const lastAcked = acked.length ? acked[acked.length - 1]! : loaded;
      totalSaves += acked.length;

      // The child started from exactly what the previous round left.
      expect(loaded).toBe(previous);

      const raw = await readFile(file, "utf8").catch(() => null);
      if (raw === null) {
        // Only possible if killed before the very first save ever.
        expect(lastAcked).toBe(0);
        continue;
      }
      const state = JSON.parse(raw) as SessionState;
      expect(describeStateProblem(state)).toBeNull();
      const n = state.current_task_index;
      // Durable: every acknowledged save is there; at most the one in flight beyond it.
      expect(n === lastAcked || n === lastAcked + 1).toBe(true);
      expect(n).toBeGreaterThanOrEqual(previous);
      previous = n;

      // Nothing but the state, its backup, its task definitions and the killed writer's temp files
      // and spare (the file its last save replaced, kept for the next one to overwrite: never read).
      for (const name of await readdir(dir)) {
        expect(name).toMatch(new RegExp(`^state\\.json(\\.bak|${DEFINITIONS})?(\\.tmp-${child.pid}|\\.spare-${child.pid}(\\.link)?)?$`));
        if (name.startsWith("state.json.spare-")) killedWithSpare++;
      }
    }

    expect(totalSaves).toBeGreaterThan(ROUNDS);
    // The loop's 150-task state is over SPARE_MIN_BYTES: the kills did land while saves overwrote spares.
    expect(killedWithSpare).toBeGreaterThan(0);
    // A normal start afterwards: loads cleanly, no warning, and clears the dead writers' temp files and spares.
    const warnings: string[] = [];
    const store = new FileStateStore(file, { clock: new ManualClock(), onWarning: (m) => warnings.push(m) });
    expect((await store.load()).current_task_index).toBe(previous);
    expect(warnings).toEqual([]);
    const names = (await readdir(dir)).sort();
    expect(names.filter((n) => !new RegExp(`^state\\.json${DEFINITIONS}$`).test(n))).toEqual(["state.json", "state.json.bak"]);
    expect(names).toHaveLength(3);
    expect(describeStateProblem(JSON.parse(await readFile(`${file}.bak`, "utf8")))).toBeNull();
  });

  // A new session every few saves: kills land between a session's definitions write and the
  // state.json that names them. state.json must never name definitions that are not on disk.
  it(`never leaves a state.json naming missing definitions when sessions switch (${ROUNDS} random kills)`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "crash-safety-sessions-"));
    dirs.push(dir);
    const file = path.join(dir, "state.json");
    let previous = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = runFixture("test/fixtures/session-switch-loop.ts", [file]);
      await child.waitForLine("saved");
      await new Promise((r) => setTimeout(r, Math.random() * 60));
      child.child.kill("SIGKILL");
      await child.closed;
      expect(child.stderr()).not.toMatch(/WARNING|Error/);
      const loaded = counters(child.lines, "loaded ")[0]!;
      const acked = counters(child.lines, "saved ");
      expect(loaded).toBe(previous);
      const lastAcked = acked.length ? acked[acked.length - 1]! : loaded;
      const warnings: string[] = [];
      const state = await new FileStateStore(file, { clock: new ManualClock(), onWarning: (m) => warnings.push(m) }).load();
      expect(warnings).toEqual([]);
      const n = state.current_task_index;
      expect(n === lastAcked || n === lastAcked + 1).toBe(true);
      // The text came back from the definitions file of exactly that session.
      expect(state.tasks[0]?.instruction).toBe(`instruction of session ${state.session_id}`);
      previous = n;
    }
    expect(previous).toBeGreaterThan(ROUNDS);
    // Only the current session's definitions are left (the .bak names the same one after a load).
    expect((await readdir(dir)).filter((n) => new RegExp(`^state\\.json${DEFINITIONS}$`).test(n))).toHaveLength(1);
  });
});
