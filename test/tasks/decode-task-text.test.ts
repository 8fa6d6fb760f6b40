import { describe, expect, it } from "@jest/globals";
import { decodeTaskText } from "../../src/tasks/decode-task-text.js";

const lines = (bytes: Buffer) => {
  const r = decodeTaskText(bytes, "f.md");
  return r.ok ? r.text : r.issues.map((i) => `${i.line}: ${i.message.split(";")[0]}`);
};

describe("decodeTaskText", () => {
  it("passes valid UTF-8 through unchanged", () => {
    expect(lines(Buffer.from("## Task 1: é\r\n"))).toBe("## Task 1: é\r\n");
  });

  it("counts lines as the parser does: \\n, \\r\\n and a lone \\r", () => {
    const bytes = Buffer.concat([Buffer.from("a\r\nb\rc\n"), Buffer.from([0xc3]), Buffer.from("\n\0\n")]);
    expect(lines(bytes)).toEqual(["4: not valid UTF-8", "5: contains a NUL byte"]);
  });

  it("finds a sequence cut at a line break (a lead byte before \\n is not a character)", () => {
    expect(lines(Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xac]))).toEqual(["1: not valid UTF-8", "2: not valid UTF-8"]);
  });

  it("reports at most five lines of each kind (a binary file would list thousands)", () => {
    expect(lines(Buffer.from("\0\n".repeat(1000)))).toEqual([1, 2, 3, 4, 5].map((l) => `${l}: contains a NUL byte`));
  });

  it("names UTF-16 by its byte order mark", () => {
    expect(lines(Buffer.from([0xfe, 0xff, 0, 0x61]))).toEqual(["1: the file is UTF-16"]);
  });
});
