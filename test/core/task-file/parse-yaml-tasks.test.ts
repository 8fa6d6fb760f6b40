import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { parseYamlTasks } from "../../../src/core/task-file/parse-yaml-tasks.js";
import type { ParseResult, TaskDefinition, TaskFileIssue } from "../../../src/core/task.js";

const FILE = "tasks.yaml";
// The design's YAML examples (quick start, minimal, full), copied verbatim from the seed.
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/tasks/${name}`, import.meta.url), "utf8");

function tasksOf(result: ParseResult): TaskDefinition[] {
  if (!result.ok) throw new Error(`expected tasks, got issues:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.tasks;
}

function issuesOf(result: ParseResult): TaskFileIssue[] {
  if (result.ok) throw new Error("expected issues, got tasks");
  return result.issues;
}

const parse = (text: string): TaskDefinition[] => tasksOf(parseYamlTasks(text, FILE));

/** A one-task file; `keys` are the task's keys, indented under `- id: ...`. */
const oneTask = (keys: string, id = "task-001"): string => `date: 2025-11-18\n\ntasks:\n  - id: ${id}\n${keys}\n`;

describe("parseYamlTasks: the seed examples", () => {
  const cases: [string, TaskDefinition[]][] = [
    [
      "seed-quick-start.yaml",
      [
        {
          id: "task-001",
          title: "Your task name",
          type: null,
          priority: null,
          requires_approval: false,
          description: "Detailed description of what needs to be done",
          acceptance_criteria: [],
          instruction: "",
          context_files: ["CLAUDE.md", "docs/MODULE_DEVELOPMENT.md"],
          deliverables: ["path/to/expected/file.ts"],
          verify: [],
          line: 5,
        },
      ],
    ],
    [
      "seed-minimal.yaml",
      [
        {
          id: "task-001",
          title: "Task name",
          type: null,
          priority: null,
          requires_approval: false,
          description: "What to do",
          acceptance_criteria: [],
          instruction: "",
          context_files: [],
          deliverables: ["path/to/file.ts"],
          verify: [],
          line: 4,
        },
      ],
    ],
    [
      "seed-full.yaml",
      [
        {
          id: "task-001",
          title: "Create documentation",
          type: null,
          // The file-level `priority: high` describes the day, not a task's own priority.
          priority: null,
          requires_approval: false,
          description: "Multi-line description\nwith details",
          acceptance_criteria: [],
          instruction: "",
          context_files: ["CLAUDE.md", "docs/TESTING_GUIDE.md", "src/app/(main)/baptisms/"],
          deliverables: ["docs/NEW_DOC.md", "Updated docs/MODULE_REGISTRY.md"],
          verify: [],
          line: 6,
        },
      ],
    ],
  ];

  it.each(cases)("%s", (name, expected) => {
    expect(parse(fixture(name))).toEqual(expected);
  });
});

describe("parseYamlTasks: field values", () => {
  const cases: [string, string, Partial<TaskDefinition>][] = [
    [
      "every optional field",
      [
        "    name: Build it",
        "    type: '  Backend '",
        "    priority: high",
        "    requires_approval: true",
        "    description: Why",
        "    instruction: |",
        "      Step one.",
        "",
        "      Step two.",
        "    acceptance_criteria:",
        "      - tests pass",
        "      - lint passes",
      ].join("\n"),
      {
        title: "Build it",
        type: "backend",
        priority: "high",
        requires_approval: true,
        description: "Why",
        instruction: "Step one.\n\nStep two.",
        acceptance_criteria: ["tests pass", "lint passes"],
      },
    ],
    ["instruction without description", "    name: A\n    instruction: Do it", { instruction: "Do it", description: "" }],
    ["a single text value counts as a one-item list", "    name: A\n    description: d\n    deliverables: out.md", { deliverables: ["out.md"] }],
    ["unknown keys are ignored", "    name: A\n    description: d\n    module: funerals\n    estimated_complexity: high", { title: "A" }],
    ["a numeric name is read as text", "    name: 42\n    description: d", { title: "42" }],
  ];

  it.each(cases)("%s", (_name, keys, expected) => {
    const [task] = parse(oneTask(keys));
    expect(task).toMatchObject(expected);
  });

  const approvals: [string, boolean][] = [
    ["true", true], ["True", true], ["yes", true], ["'Y'", true], ["1", true],
    ["false", false], ["no", false], ["n", false], ["0", false], ["~", false],
  ];
  it.each(approvals)("requires_approval: %s reads as %p", (value, expected) => {
    const [task] = parse(oneTask(`    name: A\n    description: d\n    requires_approval: ${value}`));
    expect(task.requires_approval).toBe(expected);
  });

  const ids: [string, string | number][] = [["task-001", "task-001"], ["7", 7], ["'7'", "7"], ['"  spaced  "', "spaced"]];
  it.each(ids)("id %s stays %p", (written, id) => {
    const [task] = parse(oneTask("    name: A\n    description: d", written));
    expect(task.id).toBe(id);
  });

  it("reads a list at column 0, CRLF and a BOM, with each task's line", () => {
    const text = "\uFEFFtasks:\r\n- id: a\r\n  name: A\r\n  description: d\r\n\r\n# second\r\n- id: b\r\n  name: B\r\n  description: d\r\n";
    expect(parse(text).map((t) => [t.id, t.line])).toEqual([["a", 2], ["b", 7]]);
  });
});

describe("parseYamlTasks: verify", () => {
  const cases: [string, string, string[]][] = [
    ["absent: none", "", []],
    ["empty: none", "    verify:", []],
    ["one command as a string, trimmed", "    verify: '  npm test  '", ["npm test"]],
    ["a list, empty strings dropped", "    verify:\n      - npm test\n      - ''\n      - \"npm run lint -- --max-warnings 0\"", ["npm test", "npm run lint -- --max-warnings 0"]],
    ["a list at the key's own indentation", "    verify:\n    - npm test\n    - npm run build", ["npm test", "npm run build"]],
    ["a flow list", "    verify: [npm test, 'true']", ["npm test", "true"]],
    ["a multi-line string: a command per line", "    verify: |\n      npm test\n\n      npm run build \\\n        --prod", ["npm test", "npm run build --prod"]],
  ];
  it.each(cases)("%s", (_name, keys, verify) => {
    const [task] = parse(oneTask(`    name: A\n    description: d\n${keys}`));
    expect(task.verify).toEqual(verify);
  });

  const bad: [string, string, { line: number; message: string }[]][] = [
    [
      "a number in a list, at its own line",
      "    verify:\n      - npm test\n      - 42", // lines 7-9
      [{ line: 9, message: 'task "task-001": `verify` item 2 must be a command as text, not the number 42 (quote it in YAML)' }],
    ],
    [
      "a boolean and a mapping in a list at the key's indentation",
      "    verify:\n    - true\n    - npm test\n    - npm test: --ci",
      [
        { line: 8, message: 'task "task-001": `verify` item 1 must be a command as text, not the boolean true (quote it in YAML)' },
        { line: 10, message: 'task "task-001": `verify` item 3 must be a command as text, not a mapping (quote a command that holds ": ")' },
      ],
    ],
    [
      "an empty item",
      "    verify:\n      -\n      - npm test",
      [{ line: 8, message: 'task "task-001": `verify` item 1 is empty; write a command or remove the line' }],
    ],
    [
      "a nested list",
      "    verify:\n      - - npm test",
      [{ line: 8, message: 'task "task-001": `verify` item 1 must be a command as text, not a list' }],
    ],
    [
      "a flow list: the key's line",
      "    verify: [npm test, 7]",
      [{ line: 7, message: 'task "task-001": `verify` item 2 must be a command as text, not the number 7 (quote it in YAML)' }],
    ],
    [
      "a number",
      "    verify: 42",
      [{ line: 7, message: 'task "task-001": `verify` must be a command (text) or a list of commands, not the number 42 (quote it in YAML)' }],
    ],
    [
      "a mapping",
      "    verify:\n      npm: test",
      [{ line: 7, message: 'task "task-001": `verify` must be a command (text) or a list of commands, not a mapping (quote a command that holds ": ")' }],
    ],
  ];
  it.each(bad)("%s is an error", (_name, keys, expected) => {
    const issues = issuesOf(parseYamlTasks(oneTask(`    name: A\n    description: d\n${keys}`), FILE));
    expect(issues).toEqual(expected.map((e) => ({ file: FILE, ...e })));
  });

  it("finds the item's line in the second task, past the first task's verify", () => {
    const text = [
      "tasks:", // 1
      "  - id: a", // 2
      "    name: A", // 3
      "    description: d", // 4
      "    verify: [one]", // 5
      "  - id: b", // 6
      "    verify:", // 7
      "      # the checks", // 8
      "      - one", // 9
      "", // 10
      "      - {two: 2}", // 11
      "    name: B", // 12
      "    description: d", // 13
    ].join("\n");
    expect(issuesOf(parseYamlTasks(text, FILE)).map((i) => i.line)).toEqual([11]);
  });
});

describe("parseYamlTasks: errors, each with its line", () => {
  const task = (id: string, extra = "    name: N\n    description: d"): string => `  - id: ${id}\n${extra}`;
  const cases: [string, string, { line: number; message: RegExp }[]][] = [
    ["YAML syntax error", "date: x\ntasks:\n  - id: a\n   name: b\n", [{ line: 4, message: /^YAML syntax error: / }]],
    ["duplicate key (a YAML error)", "tasks:\n  - id: a\n    id: b\n", [{ line: 3, message: /YAML syntax error: duplicated mapping key/ }]],
    ["empty file", "", [{ line: 1, message: /no `tasks` list/ }]],
    ["only comments", "\uFEFF# tasks come later\r\n\r\n", [{ line: 1, message: /no `tasks` list/ }]],
    ["an empty document", "---\n", [{ line: 1, message: /no `tasks` list/ }]],
    ["no tasks key", "date: 2025-11-18\nmax_cost_usd: 5\n", [{ line: 1, message: /no `tasks` list/ }]],
    ["tasks is not a list", "date: x\ntasks: soon\n", [{ line: 2, message: /no `tasks` list/ }]],
    ["top level is a list", "- id: a\n  name: A\n", [{ line: 1, message: /no `tasks` list/ }]],
    ["empty tasks list", "date: x\ntasks: []\n", [{ line: 2, message: /list is empty/ }]],
    ["missing id", `tasks:\n  - name: N\n    description: d\n`, [{ line: 2, message: /task #1 has no `id`/ }]],
    ["blank id", `tasks:\n${task("''")}\n`, [{ line: 2, message: /has no `id`/ }]],
    ["id that is a list", `tasks:\n${task("[1, 2]")}\n`, [{ line: 2, message: /`id` must be text or a number/ }]],
    ["missing name", `tasks:\n${task("a", "    description: d")}\n`, [{ line: 2, message: /task "a" has no `name`/ }]],
    [
      "duplicate ids",
      `tasks:\n${task("a")}\n${task("b")}\n${task("a")}\n`,
      [{ line: 8, message: /duplicate task id "a" \(first used at line 2\)/ }],
    ],
    ["1 and '1' clash", `tasks:\n${task("1")}\n${task("'1'")}\n`, [{ line: 5, message: /duplicate task id "1"/ }]],
    [
      "neither description nor instruction",
      `tasks:\n${task("a", "    name: N\n    description: '  '")}\n`,
      [{ line: 2, message: /task "a" has neither `description` nor `instruction`/ }],
    ],
    [
      "bad requires_approval",
      `tasks:\n${task("a", "    name: N\n    description: d\n    requires_approval: maybe")}\n`,
      [{ line: 5, message: /task "a": `requires_approval` "maybe" is not a yes\/no value/ }],
    ],
    [
      "a list where text belongs",
      `tasks:\n${task("a", "    name: N\n    description:\n      - d")}\n`,
      [{ line: 4, message: /`description` must be text/ }],
    ],
    [
      "a mapping inside a list",
      `tasks:\n${task("a", "    name: N\n    description: d\n    deliverables:\n      - path: x")}\n`,
      [{ line: 5, message: /`deliverables` must be a list of text items/ }],
    ],
    ["an item that is not a mapping", "tasks:\n  - just text\n", [{ line: 2, message: /task #1 is not a mapping/ }]],
    [
      "flow style falls back to the tasks line",
      "date: x\ntasks: [{id: a, name: A}]\n",
      [{ line: 2, message: /has neither/ }],
    ],
    [
      "every error is reported, in line order",
      [
        "tasks:", // 1
        "  - id: a", // 2
        "    description: d", // 3
        "    requires_approval: later", // 4
        "  - name: B", // 5
        "    description: d", // 6
        "  - id: a", // 7
        "    name: C", // 8
      ].join("\n"),
      [
        { line: 2, message: /task "a" has no `name`/ },
        { line: 4, message: /later/ },
        { line: 5, message: /task #2 has no `id`/ },
        { line: 7, message: /has neither/ },
        { line: 7, message: /duplicate task id "a" \(first used at line 2\)/ },
      ],
    ],
  ];

  it.each(cases)("%s", (_name, text, expected) => {
    const issues = issuesOf(parseYamlTasks(text, FILE));
    expect(issues).toHaveLength(expected.length);
    issues.forEach((issue, i) => {
      expect(issue.file).toBe(FILE);
      expect(issue.line).toBe(expected[i].line);
      expect(issue.message).toMatch(expected[i].message);
    });
  });
});
