// The bounded end of a command's output.
import { describe, it, expect } from "@jest/globals";
import { cleanOutput, OutputTail } from "../../src/verify/output-tail.js";

const fed = (max: number, ...chunks: string[]) => {
  const tail = new OutputTail(max);
  for (const c of chunks) tail.push(Buffer.from(c));
  return tail;
};

describe("OutputTail", () => {
  it("keeps everything while it fits", () => {
    const tail = fed(100, "a\n", "b\n\n\n");
    expect(tail.text()).toBe("a\nb");
    expect(tail.lastLine()).toBe("b");
    expect(tail.totalBytes).toBe(6);
  });

  it("keeps only the last bytes, starting at a line start", () => {
    const tail = fed(10, "first line\n", "second\nthird\n");
    expect(tail.text()).toBe("third"); // kept "ond\nthird\n": the half line goes
    expect(tail.totalBytes).toBe(24);
  });

  it("one huge chunk is cut to the limit too", () => {
    const tail = fed(8, `${"x".repeat(100)}\nend\n`);
    expect(tail.text()).toBe("end");
  });

  it("with no line start in what is kept, it starts at a whole UTF-8 character", () => {
    const tail = fed(5, "ééééé"); // 10 bytes; the last 5 start in the middle of an é
    expect(tail.text()).toBe("éé");
  });

  it("the last line is the last non-empty one, trimmed and capped", () => {
    expect(fed(100, "a\n   \n  b  \n\n").lastLine()).toBe("b");
    expect(fed(100).lastLine()).toBe("");
    const long = fed(1000, "y".repeat(300)).lastLine();
    expect([...long]).toHaveLength(200);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("cleanOutput", () => {
  it("drops colours and control characters, and keeps the last state of a rewritten line", () => {
    expect(cleanOutput("\x1b[31mFAIL\x1b[0m src/a.test.ts")).toBe("FAIL src/a.test.ts");
    expect(cleanOutput("10%\r50%\r100%\ndone\r\n")).toBe("100%\ndone\n");
    expect(cleanOutput("a\x07b\tc\x1b]0;title\x07")).toBe("ab\tc");
  });
});
