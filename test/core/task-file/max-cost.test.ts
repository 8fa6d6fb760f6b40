import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { parseMarkdownTasks } from "../../../src/core/task-file/parse-markdown-tasks.js";
import { parseYamlTasks } from "../../../src/core/task-file/parse-yaml-tasks.js";
import type { ParseResult } from "../../../src/core/task.js";

// A task file's own spend cap: YAML's top-level `max_cost_usd`, markdown's `**Max Cost USD:**`
// line before the first task. Dollars > 0; a wrong value is an issue at its line.

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/tasks/${name}`, import.meta.url), "utf8");
const yamlTask = "tasks:\n  - id: a\n    name: A\n    description: do it\n";
const mdTask = "## Task 1: A\n**Description:** do it\n";

function capOf(result: ParseResult): number | null {
  if (!result.ok) throw new Error(`expected tasks, got issues:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.max_cost_usd ?? null;
}

function issuesOf(result: ParseResult): Array<{ line: number; message: string }> {
  if (result.ok) throw new Error("expected issues, got tasks");
  return result.issues.map(({ line, message }) => ({ line, message }));
}

describe("YAML max_cost_usd", () => {
  it("the seed's files carry 50.00", () => {
    expect(capOf(parseYamlTasks(fixture("seed-full.yaml"), "full.yaml"))).toBe(50);
    expect(capOf(parseYamlTasks(fixture("seed-quick-start.yaml"), "quick.yaml"))).toBe(50);
    expect(capOf(parseYamlTasks(fixture("seed-minimal.yaml"), "minimal.yaml"))).toBeNull();
  });

  it.each([
    ["max_cost_usd: 0.5\n", 0.5],
    ["max_cost_usd: 12\n", 12],
    ['max_cost_usd: "12.50"\n', 12.5],
    ["max_cost_usd: $7\n", 7],
    ["max_cost_usd:\n", null],
    ["max_cost_usd: ~\n", null],
    ["date: 2026-01-01\n", null],
  ])("%j -> %p", (head, cap) => {
    expect(capOf(parseYamlTasks(`${head}${yamlTask}`, "t.yaml"))).toBe(cap);
  });

  it.each([
    ["max_cost_usd: 0\n", "0"],
    ["max_cost_usd: -3\n", "-3"],
    ["max_cost_usd: lots\n", '"lots"'],
    ["max_cost_usd: [5]\n", "a list"],
    ["max_cost_usd: {usd: 5}\n", "a mapping"],
    ["max_cost_usd: true\n", "true"],
    ["max_cost_usd: .inf\n", "Infinity"],
  ])("%j is an issue at its line, naming the value", (value, shown) => {
    const issues = issuesOf(parseYamlTasks(`date: 2026-01-01\n${value}${yamlTask}`, "t.yaml"));
    expect(issues).toEqual([{ line: 2, message: `\`max_cost_usd\` must be an amount of dollars > 0, e.g. 25 or 12.50 (got ${shown}); remove it for no cap of the file's own` }]);
  });

  it("reported with the file's other problems, in line order", () => {
    const issues = issuesOf(parseYamlTasks(`tasks:\n  - id: a\n    description: d\nmax_cost_usd: no\n`, "t.yaml"));
    expect(issues.map((i) => i.line)).toEqual([2, 4]);
  });

  it("only the top level counts: a task's own key is informational", () => {
    expect(capOf(parseYamlTasks("tasks:\n  - id: a\n    name: A\n    description: d\n    max_cost_usd: nonsense\n", "t.yaml"))).toBeNull();
  });
});

describe("markdown **Max Cost USD:** before the first task", () => {
  it.each([
    ["**Max Cost USD:** 25", 25],
    ["**Max Cost:** $12.50", 12.5],
    ["**max_cost_usd:** 3", 3],
    ["**Max Cost USD**: 0.75", 0.75],
  ])("%s", (line, cap) => {
    expect(capOf(parseMarkdownTasks(`# Tasks - 2026-01-01\n${line}\n\n${mdTask}`, "t.md"))).toBe(cap);
  });

  it("none given: none; inside a task it is the task's text, not the file's cap", () => {
    expect(capOf(parseMarkdownTasks(`# Tasks\n${mdTask}`, "t.md"))).toBeNull();
    const inside = parseMarkdownTasks(`${mdTask}**Max Cost USD:** 5\n`, "t.md");
    expect(capOf(inside)).toBeNull();
    expect(inside.ok && inside.tasks[0]?.description).toBe("do it\n**Max Cost USD:** 5");
  });

  it("a wrong value, or the line twice, is an issue at its line", () => {
    expect(issuesOf(parseMarkdownTasks(`# Tasks\n**Max Cost USD:** ten\n${mdTask}`, "t.md"))).toEqual([
      { line: 2, message: `**Max Cost USD:** must be an amount of dollars > 0, e.g. 25 or 12.50 (got "ten"); remove it for no cap of the file's own` },
    ]);
    expect(issuesOf(parseMarkdownTasks(`**Max Cost USD:**\n${mdTask}`, "t.md"))[0]?.message).toMatch(/\(got ""\)/);
    expect(issuesOf(parseMarkdownTasks(`**Max Cost USD:** 5\n**Max Cost:** 6\n${mdTask}`, "t.md"))).toEqual([{ line: 2, message: "**Max Cost USD:** is given twice (first at line 1); keep one" }]);
  });
});
