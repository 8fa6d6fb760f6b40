import { describe, expect, it } from "@jest/globals";

import { commandLines } from "../../../src/core/task-file/command-lines.js";

describe("commandLines", () => {
  it.each<[string, string, string[]]>([
    ["one per line, trimmed", "  npm test  \nnpm run lint", ["npm test", "npm run lint"]],
    ["blank and # comment lines skipped, CRLF too", "# tests\r\n\r\nnpm test\r\n  # lint\r\nnpm run lint\r\n", ["npm test", "npm run lint"]],
    ["a trailing \\ goes on with the next line", "npm run build \\\n  -- --prod \\\n  --quiet\nnpm test", ["npm run build -- --prod --quiet", "npm test"]],
    ["a \\ on the last line ends the command", "npm test \\", ["npm test"]],
    ["a # inside a command is kept", "node -e 'x' # not a comment line", ["node -e 'x' # not a comment line"]],
    ["nothing", "\n  \n", []],
  ])("%s", (_name, text, expected) => {
    expect(commandLines(text)).toEqual(expected);
  });
});
