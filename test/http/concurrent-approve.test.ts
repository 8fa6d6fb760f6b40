import { afterEach, describe, expect, it } from "@jest/globals";
import { startHarness, type Harness } from "./http-harness.js";

describe("two approvals at the same moment", () => {
  let h: Harness;
  afterEach(() => h.close());

  it("runs the task once: one 200, one 409", async () => {
    h = await startHarness({ scripts: [{ hold: true }] });
    expect((await h.post("/webhook/start")).status).toBe(200);
    const answers = await Promise.all([h.post("/webhook/approve"), h.post("/webhook/approve")]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const refused = answers.find((a) => a.status === 409);
    expect(refused?.json).toMatchObject({ status: "error", error: "refused", message: expect.stringMatching(/already running/) });
    expect(h.runner.calls).toHaveLength(1);
    expect(h.runner.heldCount).toBe(1);
    expect(h.orchestrator.state.status).toBe("running");
    h.runner.release();
    await h.until((s) => s.status === "waiting_approval" && s.current_task_index === 1);
    expect(h.runner.calls).toHaveLength(1);
  });

  it("is the same through /webhook/command and a mix of both forms", async () => {
    h = await startHarness({ scripts: [{ hold: true }] });
    await h.post("/webhook/start");
    const answers = await Promise.all([
      h.post("/webhook/command", { command: "approve" }),
      h.request("POST", "/webhook/approve", { headers: { "x-webhook-secret": h.secret } }),
      h.post("/webhook/command", { command: "/approve" }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect(h.runner.calls).toHaveLength(1);
  });
});
