/**
 * THE KEY TEST: a real child process saves states in a tight loop through the real
 * FileStateStore (test/fixtures/state-write-loop.ts) and is SIGKILLed at random moments.
 * After every kill the state file must parse, pass describeStateProblem, and hold the last
 * acknowledged save (or the one in flight); the counter never goes back across rounds.
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

      // Nothing but the state, its backup and the killed writer's temp files.
      for (const name of await readdir(dir)) {
        expect(name).toMatch(new RegExp(`^state\\.json(\\.bak)?(\\.tmp-${child.pid})?$`));
      }
    }

    expect(totalSaves).toBeGreaterThan(ROUNDS);
    // A normal start afterwards: loads cleanly, no warning, and clears the dead writers' temp files.
    const warnings: string[] = [];
    const store = new FileStateStore(file, { clock: new ManualClock(), onWarning: (m) => warnings.push(m) });
    expect((await store.load()).current_task_index).toBe(previous);
    expect(warnings).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(["state.json", "state.json.bak"]);
    expect(describeStateProblem(JSON.parse(await readFile(`${file}.bak`, "utf8")))).toBeNull();
  });
});
