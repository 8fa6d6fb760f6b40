import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { parseMarkdownTasks } from "../../../src/core/task-file/parse-markdown-tasks.js";
import type { ParseResult, TaskDefinition, TaskFileIssue } from "../../../src/core/task.js";

const FILE = "tasks.md";
// The design's "Generated Tasks" example, copied verbatim from the seed.
const SEED = readFileSync(new URL("../../fixtures/tasks/seed-2025-11-20-tasks.md", import.meta.url), "utf8");

function tasksOf(result: ParseResult): TaskDefinition[] {
  if (!result.ok) throw new Error(`expected tasks, got issues:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.tasks;
}

function issuesOf(result: ParseResult): TaskFileIssue[] {
  if (result.ok) throw new Error("expected issues, got tasks");
  return result.issues;
}

const parse = (text: string): TaskDefinition[] => tasksOf(parseMarkdownTasks(text, FILE));
const withoutLines = (tasks: TaskDefinition[]): Omit<TaskDefinition, "line">[] =>
  tasks.map(({ line: _line, ...rest }) => rest);

/** A one-task file; `body` holds the field lines. */
const oneTask = (body: string, heading = "## Task 1: Do it"): string => `# Tasks\n\n${heading}\n${body}\n`;

const SEED_TASKS: TaskDefinition[] = [
  {
    id: 1,
    title: "Create baptisms migration",
    type: "database",
    priority: "high",
    requires_approval: true,
    description: "Create database migration for baptisms table following wedding pattern",
    acceptance_criteria: [
      "Migration file created in supabase/migrations/",
      "Table uses plural form (baptisms)",
      "RLS policies created",
      "Parish scoping included",
    ],
    instruction:
      "Create a database migration for the baptisms table. Follow the exact pattern used in the weddings table migration. Include all necessary columns, RLS policies, and parish scoping. The migration file should be named with today's timestamp.",
    context_files: [],
    deliverables: [],
    verify: [],
    line: 3,
  },
  {
    id: 2,
    title: "Create baptisms server actions",
    type: "backend",
    priority: "high",
    requires_approval: true,
    description: "Create server actions for CRUD operations on baptisms",
    acceptance_criteria: [
      "File created at src/app/(main)/baptisms/actions.ts",
      "Implements create, update, delete, get, list",
      "Uses WithRelations pattern",
      "Includes proper error handling",
    ],
    instruction:
      "Create server actions file for the baptisms module at src/app/(main)/baptisms/actions.ts. Follow the exact pattern from weddings/actions.ts. Include all CRUD operations and the WithRelations interface for fetching baptisms with related data.",
    context_files: [],
    deliverables: [],
    verify: [],
    line: 19,
  },
  {
    id: 3,
    title: "Create baptisms UI - List page",
    type: "frontend",
    priority: "high",
    requires_approval: false,
    description: "Create the main list page for baptisms module",
    acceptance_criteria: [
      "page.tsx created (server component)",
      "baptisms-list-client.tsx created",
      "Search and filter functionality",
      "Empty state with create button",
      "Uses ModuleListPanel",
    ],
    instruction:
      "Create the baptisms list page following the wedding module pattern. Create both page.tsx (server) and baptisms-list-client.tsx (client) files. Implement search, filtering, and the entity grid display.",
    context_files: [],
    deliverables: [],
    verify: [],
    line: 35,
  },
];

describe("parseMarkdownTasks: the seed example", () => {
  it("reads all three tasks with every field", () => {
    expect(parse(SEED)).toEqual(SEED_TASKS);
  });
});

describe("parseMarkdownTasks: layout variants of the seed give the same tasks", () => {
  const variants: [string, (text: string) => string, boolean][] = [
    // [name, transform, line numbers unchanged]
    ["CRLF line ends and a BOM", (t) => `\uFEFF${t.replace(/\n/g, "\r\n")}`, true],
    ["old Mac CR line ends", (t) => t.replace(/\n/g, "\r"), true],
    ["trailing spaces and tabs on every line", (t) => t.replace(/\n/g, "  \t\n"), true],
    ["lower-case field names", (t) => t.replace(/\*\*([A-Za-z ]+):\*\*/g, (_m, name: string) => `**${name.toLowerCase()}:**`), true],
    ["upper-case field names", (t) => t.replace(/\*\*([A-Za-z ]+):\*\*/g, (_m, name: string) => `**${name.toUpperCase()}:**`), true],
    ["colon outside the bold", (t) => t.replace(/\*\*([A-Za-z ]+):\*\*/g, "**$1**:"), true],
    ["'## Task N - Title' headings", (t) => t.replace(/^## Task (\d+): /gm, "## Task $1 - "), true],
    ["'## Task N. Title' headings", (t) => t.replace(/^## Task (\d+): /gm, "## Task $1. "), true],
    ["lower-case 'task' in headings", (t) => t.replace(/^## Task/gm, "## task"), true],
    ["closing hashes on headings", (t) => t.replace(/^(## Task .*)$/gm, "$1 ##"), true],
    ["no title line", (t) => t.replace("# Tasks - 2025-11-20\n", "\n"), true],
    ["no --- separators", (t) => t.replace(/^---\n/gm, ""), false],
    ["'* ' list items", (t) => t.replace(/^- /gm, "* "), true],
    ["'1. ' list items", (t) => t.replace(/^- /gm, "1. "), true],
  ];

  it.each(variants)("%s", (_name, transform, sameLines) => {
    const tasks = parse(transform(SEED));
    if (sameLines) expect(tasks).toEqual(SEED_TASKS);
    else expect(withoutLines(tasks)).toEqual(withoutLines(SEED_TASKS));
  });

  it("reads fields in any order", () => {
    const shuffled = [
      "## Task 1: Create baptisms migration",
      "**Claude Instruction:**",
      SEED_TASKS[0].instruction,
      "**Acceptance Criteria:**",
      ...SEED_TASKS[0].acceptance_criteria.map((c) => `- ${c}`),
      "**Description:** Create database migration for baptisms table following wedding pattern",
      "**Requires Approval:** true",
      "**Priority:** high",
      "**Type:** database",
    ].join("\n");
    expect(withoutLines(parse(shuffled))).toEqual(withoutLines([SEED_TASKS[0]]));
  });
});

describe("parseMarkdownTasks: field values", () => {
  const cases: [string, string, Partial<TaskDefinition>][] = [
    [
      "defaults for missing optional fields",
      "**Description:** Just this",
      { type: null, priority: null, requires_approval: false, acceptance_criteria: [], instruction: "", description: "Just this" },
    ],
    ["type is trimmed and lower-cased", "**Type:**   DataBase  \n**Description:** x", { type: "database" }],
    ["empty type is null", "**Type:**\n**Description:** x", { type: null }],
    ["priority is trimmed, case kept", "**Priority:**  High \n**Description:** x", { priority: "High" }],
    [
      "instruction on the heading line's field, continued below, inner newlines and indentation kept",
      "**Claude Instruction:** First line.\n\n  Indented second.\nThird.\n\n",
      { instruction: "First line.\n\n  Indented second.\nThird.", description: "" },
    ],
    [
      "instruction starting on the next line",
      "**Claude Instruction:**\n\nDo A.\nDo B.\n---",
      { instruction: "Do A.\nDo B." },
    ],
    ["multi-line description", "**Description:** One\ntwo\n**Type:** x", { description: "One\ntwo", type: "x" }],
    [
      "unknown bold field stays in the instruction text",
      "**Claude Instruction:** Do it.\n**Note:** carefully.\n**Files**: a.ts",
      { instruction: "Do it.\n**Note:** carefully.\n**Files**: a.ts" },
    ],
    [
      "ordinary bold prose is text, not a field",
      "**Claude Instruction:**\n**Bold** words: still text",
      { instruction: "**Bold** words: still text" },
    ],
    ["'Instructions' is read as the instruction", "**Instructions:** Do it.", { instruction: "Do it." }],
    [
      "criteria: mixed markers, same-line item, wrapped line",
      "**Acceptance Criteria:** first\n* second\n1. third\n2) fourth\n   continued\n\n+ fifth\n**Description:** x",
      { acceptance_criteria: ["first", "second", "third", "fourth continued", "fifth"] },
    ],
    [
      "a code block in the instruction keeps ---, headings and fields",
      "**Claude Instruction:**\nWrite this file:\n```markdown\n---\ntitle: x\n---\n## Task 9: not a task\n**Type:** not a field\n```\nThen stop.\n**Type:** real",
      {
        instruction: "Write this file:\n```markdown\n---\ntitle: x\n---\n## Task 9: not a task\n**Type:** not a field\n```\nThen stop.",
        type: "real",
      },
    ],
    [
      "text under the heading outside any field is ignored",
      "Some notes.\n**Description:** x",
      { description: "x" },
    ],
  ];

  it.each(cases)("%s", (_name, body, expected) => {
    const [task] = parse(oneTask(body));
    expect(task).toMatchObject(expected);
  });

  const approvals: [string, boolean][] = [
    ["true", true], ["TRUE", true], ["yes", true], ["Yes", true], ["y", true], ["1", true],
    ["false", false], ["False", false], ["no", false], ["N", false], ["0", false],
  ];
  it.each(approvals)("Requires Approval %p reads as %p", (value, expected) => {
    const [task] = parse(oneTask(`**Requires Approval:** ${value}\n**Description:** x`));
    expect(task.requires_approval).toBe(expected);
  });

  const headings: [string, number, string][] = [
    ["## Task 3: Title", 3, "Title"],
    ["## Task 3 - Title", 3, "Title"],
    ["## Task 3. Title", 3, "Title"],
    ["## Task 3 — Title: with colon", 3, "Title: with colon"],
    ["## Task 12 Title", 12, "Title"],
    ["##  Task   7 :  Spaced  ", 7, "Spaced"],
  ];
  it.each(headings)("heading %p gives id %p and title %p", (heading, id, title) => {
    const [task] = parse(oneTask("**Description:** x", heading));
    expect(task).toMatchObject({ id, title, line: 3 });
  });

  it("ignores '## Tasks' and '### Task' headings that are not task headings", () => {
    const tasks = parse("## Tasks overview\n\n## Task 1: A\n**Claude Instruction:** a\n### Task details\nmore\n");
    expect(tasks).toHaveLength(1);
    expect(tasks[0].instruction).toBe("a\n### Task details\nmore");
  });
});

describe("parseMarkdownTasks: Verify and Deliverables", () => {
  const fence = "```";
  const cases: [string, string, Partial<TaskDefinition>][] = [
    ["none given: both empty", "**Description:** x", { verify: [], deliverables: [] }],
    ["a command on the field's line", "**Verify:** npm test\n**Description:** x", { verify: ["npm test"] }],
    ["a command in backticks on the field's line", "**Verify:** `npm test -- --ci`\n**Description:** x", { verify: ["npm test -- --ci"] }],
    [
      "a list, items in backticks or not, blank lines between",
      "**Verify:**\n- `npm test`\n\n* npm run lint\n1. ``node -e 'console.log(`x`)'``\n**Description:** x",
      { verify: ["npm test", "npm run lint", "node -e 'console.log(`x`)'"] },
    ],
    ["the field's line and a list", "**Description:** x\n**Verify:** npm test\n- npm run lint\n---", { verify: ["npm test", "npm run lint"] }],
    [
      "a ```sh block: a command per line, comments and blanks skipped, \\ continues",
      `**Verify:**\n${fence}sh\n# unit tests\nnpm test\n\nnpm run build \\\n  -- --prod\n${fence}\n**Description:** x`,
      { verify: ["npm test", "npm run build -- --prod"], description: "x" },
    ],
    [
      "a list then a ~~~ block; ---, headings and fields inside the block are commands, not structure",
      "**Verify:**\n- npm test\n~~~\n---\n**Type:** nope\n~~~\n**Type:** real\n**Description:** x",
      { verify: ["npm test", "---", "**Type:** nope"], type: "real" },
    ],
    ["an empty Verify: no commands", "**Verify:**\n\n**Description:** x", { verify: [] }],
    ["empty items are dropped", "**Verify:**\n-\n- `  `\n- npm test\n**Description:** x", { verify: ["npm test"] }],
    ["'Verification' is Verify", "**Verification:** npm test\n**Description:** x", { verify: ["npm test"] }],
    ["'Verify Commands' is Verify", "**Verify Commands:**\n- npm test\n**Description:** x", { verify: ["npm test"] }],
    ["'verify_command' is Verify", "**verify_command**: npm test\n**Description:** x", { verify: ["npm test"] }],
    ["'Verify Command(s)' is Verify", "**Verify Command(s):** npm test\n**Description:** x", { verify: ["npm test"] }],
    ["a deliverable on the field's line", "**Deliverables:** `src/a.ts`\n**Description:** x", { deliverables: ["src/a.ts"] }],
    [
      "deliverables: the line and a list, 'Deliverable' too",
      "**Deliverable:** docs/A.md\n- `src/app/(main)/baptisms/actions.ts`\n+ b.md\n\n**Description:** x",
      { deliverables: ["docs/A.md", "src/app/(main)/baptisms/actions.ts", "b.md"] },
    ],
    [
      "Verify and Deliverables end the instruction (they were text of it before)",
      "**Claude Instruction:** Do it.\n**Deliverables:** out.md\n**Verify:** test -f out.md",
      { instruction: "Do it.", deliverables: ["out.md"], verify: ["test -f out.md"] },
    ],
    [
      "a code block in the instruction keeps a Verify line as text",
      `**Claude Instruction:**\n${fence}md\n**Verify:** not a field\n${fence}`,
      { instruction: `${fence}md\n**Verify:** not a field\n${fence}`, verify: [] },
    ],
  ];

  it.each(cases)("%s", (_name, body, expected) => {
    const [task] = parse(oneTask(body));
    expect(task).toMatchObject(expected);
  });

  it("gives each task its own lists", () => {
    const tasks = parse("## Task 1: A\n**Description:** a\n**Verify:** one\n\n## Task 2: B\n**Description:** b\n**Deliverables:** x\n");
    expect(tasks.map((t) => [t.verify, t.deliverables])).toEqual([[["one"], []], [[], ["x"]]]);
  });

  it("reports a line that is neither an item nor a code block, at its line, with the rest", () => {
    const text = [
      "## Task 1: A", // 1
      "**Description:** a", // 2
      "**Verify:**", // 3
      "- npm test", // 4
      "Then check the page by hand.", // 5
      "**Deliverables:**", // 6
      "out.md", // 7
      "**verification:** again", // 8
      "```", // 9
      "npm test", // 10
    ].join("\n");
    const issues = issuesOf(parseMarkdownTasks(text, FILE));
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [5, '"Then check the page by hand." under **Verify:** is not a "- " item or a ``` code block; write one command per "- " line, and other text under **Claude Instruction:**'],
      [7, '"out.md" under **Deliverables:** is not a "- " item; write one path per "- " line, and other text under **Claude Instruction:**'],
      [8, "**Verify:** given twice in this task (first at line 3); keep one"],
      [9, "code block opened with ``` is never closed; close it so the rest of the file is read"],
    ]);
  });

  it("shortens a long line it quotes", () => {
    const issues = issuesOf(parseMarkdownTasks(`## Task 1: A\n**Description:** a\n**Deliverables:**\n${"x".repeat(100)}\n`, FILE));
    expect(issues[0].message).toMatch(/^"x{57}\.\.\." under \*\*Deliverables:\*\*/);
  });
});

describe("parseMarkdownTasks: errors, each with its line", () => {
  const cases: [string, string, { line: number; message: RegExp }[]][] = [
    ["empty file", "", [{ line: 1, message: /no tasks found/ }]],
    ["title only", "# Tasks - today\n\nNothing yet.\n", [{ line: 1, message: /no tasks found/ }]],
    ["level-1 task heading is not a task", "# Task 1: A\n**Description:** x\n", [{ line: 1, message: /no tasks found/ }]],
    [
      "duplicate task numbers",
      "## Task 1: A\n**Description:** a\n\n## Task 1: B\n**Description:** b\n",
      [{ line: 4, message: /duplicate task number 1 \(first used at line 1\)/ }],
    ],
    [
      "neither instruction nor description",
      "# T\n\n## Task 1: A\n**Type:** x\nJust prose.\n",
      [{ line: 3, message: /task 1 has neither \*\*Claude Instruction:\*\* nor \*\*Description:\*\*/ }],
    ],
    [
      "empty instruction and description count as missing",
      "## Task 1: A\n**Description:**\n**Claude Instruction:**   \n---\n",
      [{ line: 1, message: /has neither/ }],
    ],
    [
      "unknown Requires Approval value",
      "## Task 1: A\n**Description:** a\n**Requires Approval:** maybe\n",
      [{ line: 3, message: /\*\*Requires Approval:\*\* "maybe" is not a yes\/no value/ }],
    ],
    [
      "empty Requires Approval value",
      "## Task 1: A\n**Description:** a\n**Requires Approval:**\n",
      [{ line: 3, message: /Requires Approval/ }],
    ],
    ["heading without a number", "## Task: foo\n**Description:** a\n", [{ line: 1, message: /task heading has no number/ }]],
    ["heading with an empty title", "## Task 2:\n**Description:** a\n", [{ line: 1, message: /task 2 has no title/ }]],
    ["heading with only a number", "## Task 2\n**Description:** a\n", [{ line: 1, message: /task 2 has no title/ }]],
    ["task number 0", "## Task 0: A\n**Description:** a\n", [{ line: 1, message: /positive integer/ }]],
    ["task number not whole", "## Task 2a: A\n**Description:** a\n", [{ line: 1, message: /whole number/ }]],
    [
      "a field given twice",
      "## Task 1: A\n**Type:** a\n**Description:** a\n**type:** b\n",
      [{ line: 4, message: /\*\*Type:\*\* given twice in this task \(first at line 2\)/ }],
    ],
    [
      "an unclosed code block",
      "## Task 1: A\n**Claude Instruction:**\n```ts\ncode\n\n## Task 2: B\n**Description:** b\n",
      [{ line: 3, message: /never closed/ }],
    ],
    [
      "every error is reported, in line order",
      [
        "## Task 1: A", // 1
        "**Requires Approval:** perhaps", // 2
        "**Description:** a", // 3
        "## Task: nameless", // 4
        "**Description:** b", // 5
        "## Task 1: Again", // 6
        "**Type:** x", // 7
        "## Task 3:", // 8
      ].join("\n"),
      [
        { line: 2, message: /perhaps/ },
        { line: 4, message: /no number/ },
        { line: 6, message: /duplicate task number 1 \(first used at line 1\)/ },
        { line: 6, message: /has neither/ },
        { line: 8, message: /task 3 has no title/ },
      ],
    ],
  ];

  it.each(cases)("%s", (_name, text, expected) => {
    const issues = issuesOf(parseMarkdownTasks(text, FILE));
    expect(issues).toHaveLength(expected.length);
    issues.forEach((issue, i) => {
      expect(issue.file).toBe(FILE);
      expect(issue.line).toBe(expected[i].line);
      expect(issue.message).toMatch(expected[i].message);
    });
  });

  it("counts lines the same with CRLF and a BOM", () => {
    const text = "\uFEFF# T\r\n\r\n## Task 1: A\r\n**Requires Approval:** sure\r\n**Description:** a\r\n";
    expect(issuesOf(parseMarkdownTasks(text, FILE)).map((i) => i.line)).toEqual([4]);
  });
});
