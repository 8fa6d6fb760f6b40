import { describe, expect, it } from "@jest/globals";
import { buildFixPrompt, buildFreshFixPrompt, buildPlanPrompt, PLAN_EXAMPLE } from "../../src/plan/plan-prompt.js";
import { extractTaskFile } from "../../src/plan/extract-task-file.js";
import { checkTaskText } from "../../src/tasks/load-task-file.js";

const input = { dailyLogFile: "/d/daily_logs/2026-03-02.md", dailyLog: "# Monday\n- ship the greeting\n", date: "2026-03-02" };

describe("the planning prompt", () => {
  it("its example is a task file our parser accepts, with every field", () => {
    const r = checkTaskText(PLAN_EXAMPLE, "example.md");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.tasks).toHaveLength(2);
    expect(r.tasks[0]).toMatchObject({
      id: 1,
      type: "database",
      priority: "high",
      requires_approval: true,
      deliverables: ["supabase/migrations/"],
      verify: ["npm test"],
      acceptance_criteria: [expect.stringContaining("migration file"), expect.stringContaining("plural")],
    });
    expect(r.tasks[0]?.description).not.toBe("");
    expect(r.tasks[0]?.instruction).toContain("Do not change any other migration.");
    expect(r.tasks[1]).toMatchObject({ requires_approval: false, verify: ["npm test", "npm run lint"] });
  });

  it("round 0 holds the daily log verbatim, the date, the format with the example, and the rules", () => {
    const p = buildPlanPrompt(input);
    expect(p).toContain("----- daily log begins -----\n# Monday\n- ship the greeting\n----- daily log ends -----");
    expect(p).toContain("(/d/daily_logs/2026-03-02.md)");
    expect(p).toContain("the task file for 2026-03-02");
    expect(p).toContain(`\`\`\`markdown\n${PLAN_EXAMPLE}\`\`\``);
    expect(p).toMatch(/One task per reviewable step/);
    expect(p).toMatch(/Requires Approval:\*\* true` on every risky task: database migrations, deleting files/);
    expect(p).toMatch(/dependency changes/);
    expect(p).toMatch(/A `\*\*Verify:\*\*` on a task where the repository shows a test command/);
    expect(p).toMatch(/Answer with the whole task file in one ```markdown fenced block; nothing else is needed/);
    // A daily log without a final newline still ends before the end marker.
    expect(buildPlanPrompt({ ...input, dailyLog: "no newline" })).toContain("no newline\n----- daily log ends -----");
    // Claude's answer that quotes the example back is a file we accept.
    expect(checkTaskText(extractTaskFile(`Sure.\n\n\`\`\`markdown\n${PLAN_EXAMPLE}\`\`\`\n`) ?? "", "x.md").ok).toBe(true);
  });

  it("round 1 in the session is only the issues; without a session, round 0 plus the issues", () => {
    const issues = ["2026-03-02-tasks.md:7: duplicate task number 1", "2026-03-02-tasks.md:9: no title"];
    expect(buildFixPrompt(issues)).toBe(
      "Our parser found these problems in your task file:\n- 2026-03-02-tasks.md:7: duplicate task number 1\n- 2026-03-02-tasks.md:9: no title\n\nAnswer with the whole corrected task file in one ```markdown block.\n",
    );
    const fresh = buildFreshFixPrompt(input, issues);
    expect(fresh.startsWith(buildPlanPrompt(input))).toBe(true);
    expect(fresh).toContain("- 2026-03-02-tasks.md:7: duplicate task number 1\n- 2026-03-02-tasks.md:9: no title\n");
  });
});
