import { describe, expect, it } from "@jest/globals";
import { extractTaskFile } from "../../src/plan/extract-task-file.js";

const FILE = "# Tasks\n\n## Task 1: One\n**Claude Instruction:** Do one.\n\n---\n\n## Task 2: Two\n**Claude Instruction:** Do two.\n";

describe("extractTaskFile", () => {
  it.each([
    ["a ```markdown block", `Here it is:\n\n\`\`\`markdown\n${FILE}\`\`\`\n\nTell me if you want changes.`],
    ["a ```md block", `\`\`\`md\n${FILE}\`\`\``],
    ["a bare ``` block", `\`\`\`\n${FILE}\`\`\`\n`],
    ["a ~~~ block, CRLF", `~~~markdown\r\n${FILE.replace(/\n/g, "\r\n")}~~~\r\n`],
  ])("%s", (_name, answer) => {
    expect(extractTaskFile(answer)).toBe(FILE);
  });

  it("no block: the text from the first task heading on (a title line before it is not kept)", () => {
    expect(extractTaskFile(`I read the code.\n\n${FILE}\n\n`)).toBe(FILE.replace("# Tasks\n\n", ""));
  });

  it("skips blocks without a task heading, and blocks of another language", () => {
    const answer = `First the layout:\n\`\`\`\nsrc/\n\`\`\`\n\`\`\`js\n// ## Task 9: not this\n\`\`\`\n\`\`\`markdown\n${FILE}\`\`\`\n`;
    expect(extractTaskFile(answer)).toBe(FILE);
  });

  it("keeps code blocks inside the task file: ```sh under Verify, and ``` inside a ```` block", () => {
    const inner = "## Task 1: One\n**Verify:**\n```sh\nnpm test\n```\n**Claude Instruction:**\nLike this:\n```ts\nconst a = 1;\n```\n";
    expect(extractTaskFile(`\`\`\`markdown\n${inner}\`\`\`\nDone.`)).toBe(inner);
    const bare = "## Task 1: One\n**Claude Instruction:**\nRun:\n```\nls\n```\nthen stop.\n";
    expect(extractTaskFile(`\`\`\`\`markdown\n${bare}\`\`\`\`\n`)).toBe(bare);
  });

  it("a bare inner block that ends the outer one early: taken to the last close after the headings that follow", () => {
    const file = "## Task 1: One\n**Claude Instruction:**\n```\nls\n```\n\n## Task 2: Two\n**Claude Instruction:** Do two.\n";
    expect(extractTaskFile(`\`\`\`markdown\n${file}\`\`\`\nThat is all.\n`)).toBe(file);
  });

  it("an unclosed block runs to the end", () => {
    expect(extractTaskFile(`\`\`\`markdown\n${FILE}`)).toBe(FILE);
  });

  it("no task heading anywhere: null", () => {
    expect(extractTaskFile("I could not plan anything.\n```\n## Tasks for today\n```")).toBeNull();
    expect(extractTaskFile("")).toBeNull();
  });
});
