/**
 * What Claude is told when it drafts a task file from a daily log (round 0), and when it fixes
 * the problems our parser found in its draft (round 1). The format part describes exactly what
 * src/core/task-file/parse-markdown-tasks.ts accepts; PLAN_EXAMPLE parses (a test holds it to that).
 */

/** One complete task file in our markdown format: every field the parser knows, two tasks. */
export const PLAN_EXAMPLE = `# Tasks - 2025-11-20

## Task 1: Create the baptisms table migration
**Type:** database
**Priority:** high
**Requires Approval:** true
**Description:** Add the database table for baptisms, following the weddings table.
**Acceptance Criteria:**
- A migration file in supabase/migrations/ creates the baptisms table
- The table name is plural (baptisms) and has the same audit columns as weddings
**Deliverables:**
- supabase/migrations/
**Verify:**
- npm test
**Claude Instruction:**
Create a database migration for the baptisms table. Follow the exact pattern of the
weddings table migration in supabase/migrations/ (columns, indexes, row level security).
Do not change any other migration.

---

## Task 2: Show baptisms on the dashboard
**Type:** frontend
**Priority:** medium
**Requires Approval:** false
**Description:** List upcoming baptisms on the dashboard, like weddings.
**Acceptance Criteria:**
- The dashboard lists the next 10 baptisms with date and family name
- An empty list shows "No baptisms planned"
**Deliverables:**
- src/components/BaptismList.tsx
**Verify:**
- npm test
- npm run lint
**Claude Instruction:**
Add a BaptismList component in src/components/, modelled on WeddingList, and show it on the
dashboard page below the weddings. Add a test beside the WeddingList test.

---
`;

/** The parser's format, as Claude needs to know it to write a file that parses. */
const FORMAT = `## The task file format

A markdown file. Each task starts with a heading \`## Task N: Title\` (N = 1, 2, 3…, each number
used once) and is followed by fields written as \`**Name:** value\`:

- \`**Type:**\` one word: database, backend, frontend, testing, documentation, devops, refactor…
- \`**Priority:**\` high, medium or low.
- \`**Requires Approval:**\` true or false: true makes the orchestrator wait for a person after the task.
- \`**Description:**\` one or two sentences: what the task is for.
- \`**Acceptance Criteria:**\` followed by \`- \` items: how a reviewer knows it is done.
- \`**Deliverables:**\` followed by \`- \` items: paths, relative to the repository root, that must exist after the task.
- \`**Verify:**\` followed by \`- \` items, one command each, run in the repository root after the task; each must exit 0.
  Commands are split into arguments and never run through a shell: no \`&&\`, \`|\`, \`>\`, \`$VAR\` or \`cd\`;
  give each command its own item.
- \`**Claude Instruction:**\` followed by as many lines as needed: exactly what to do. Every task needs it.

Under Verify and Deliverables every line must be a \`- \` item (prose there is an error). Separate
tasks with a line \`---\`. A \`# Tasks - <date>\` title line may come first.

A complete example:

\`\`\`markdown
${PLAN_EXAMPLE}\`\`\``;

const RULES = `## Rules

- One task per reviewable step: a change a person can review on its own in a few minutes
  (one migration, one endpoint, one component and its test). Split bigger goals; order the
  tasks so each builds on the ones before it.
- Only what the daily log asks for. Read the code (you are in the repository) so titles,
  paths and instructions name the real files and follow the patterns already there.
- Each task runs in a fresh Claude Code session that sees neither the daily log nor the other
  tasks: its Claude Instruction must say everything it needs (files, patterns to follow, what not to touch).
- \`**Requires Approval:** true\` on every risky task: database migrations, deleting files or
  data, deploys or release steps, dependency changes (package.json, lock files, requirements),
  changes to authentication, permissions or CI. Other tasks: false.
- A \`**Verify:**\` on a task where the repository shows a test command (package.json scripts,
  a Makefile, pytest, cargo test…): the narrowest command that proves the task works. No
  command known: leave Verify out rather than guess.
- You are in plan mode and read-only: do not try to edit files, run commands or exit plan mode.
  This run has no plan file to write and no ExitPlanMode tool (whatever plan mode's own
  instructions say): your final message itself must be the whole task file.

## Your answer

Answer with the whole task file in one \`\`\`markdown fenced block; nothing else is needed. If
the file itself holds \`\`\` code blocks, open and close the outer block with four backticks (\`\`\`\`markdown).`;

/** The round-0 prompt: the daily log (verbatim, between marker lines), the format and the rules. */
export function buildPlanPrompt(input: { dailyLogFile: string; dailyLog: string; date: string }): string {
  const log = input.dailyLog.endsWith("\n") ? input.dailyLog : `${input.dailyLog}\n`;
  return [
    `Plan a day of work. Read the daily log below and the code in this repository, then write the task file for ${input.date}:`,
    "the orchestrator runs its tasks one at a time with Claude Code, stopping for a person where a task requires approval.",
    "",
    `## The daily log (${input.dailyLogFile})`,
    "",
    "----- daily log begins -----",
    `${log}----- daily log ends -----`,
    "",
    FORMAT,
    "",
    RULES,
    "",
  ].join("\n");
}

/** The issues, one `file:line: message` a line. */
const issueLines = (issues: readonly string[]): string => issues.map((i) => `- ${i}`).join("\n");

/** The round-1 prompt in the planning session (--resume): only what our parser found. */
export function buildFixPrompt(issues: readonly string[]): string {
  return `Our parser found these problems in your task file:\n${issueLines(issues)}\n\nAnswer with the whole corrected task file in one \`\`\`markdown block.\n`;
}

/** Round 1 without a session to resume: the round-0 prompt, and the problems of the first draft to avoid. */
export function buildFreshFixPrompt(input: { dailyLogFile: string; dailyLog: string; date: string }, issues: readonly string[]): string {
  return `${buildPlanPrompt(input)}\n## Problems to avoid\n\nA first draft of this task file had these problems (our parser found them):\n${issueLines(issues)}\n\nAnswer with the whole task file, without them, in one \`\`\`markdown block.\n`;
}
