import { afterAll, describe, expect, it } from "@jest/globals";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { readPlanAnswer } from "../../src/plan/read-plan-answer.js";
import { removeDir, tempDir } from "../runner/runner-test-helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const line = (o: object) => `${JSON.stringify(o)}\n`;
const exitPlan = (plan: string) => line({ type: "assistant", message: { content: [{ type: "text", text: "x" }, { type: "tool_use", name: "ExitPlanMode", input: { plan } }] } });

describe("readPlanAnswer", () => {
  it("the last result text and the last ExitPlanMode plan after the offset; other lines and notes are skipped", async () => {
    const dir = tempDir("plan-answer-");
    dirs.push(dir);
    const file = path.join(dir, "p.log");
    const earlier = line({ type: "result", result: "an earlier run's" }) + exitPlan("an earlier plan");
    const ours = [
      line({ type: "system", subtype: "init" }),
      exitPlan("plan A"),
      exitPlan("plan B"),
      line({ type: "user", message: { content: [{ type: "tool_result", content: '"result" inside a tool result' }] } }),
      line({ type: "result", result: "the first answer" }),
      line({ type: "result", result: "the final answer" }),
      "[stderr] something\n",
      '{"type":"result","result":"cut sho',
    ].join("");
    writeFileSync(file, earlier + ours);
    expect(await readPlanAnswer(file, Buffer.byteLength(earlier))).toEqual({ result: "the final answer", exitPlan: "plan B" });
    expect(await readPlanAnswer(file, Buffer.byteLength(earlier + ours))).toEqual({ result: null, exitPlan: null });
  });

  it("a log that cannot be read: nulls (the caller falls back to the summary)", async () => {
    expect(await readPlanAnswer("/nonexistent/plan.log", 0)).toEqual({ result: null, exitPlan: null });
  });
});
