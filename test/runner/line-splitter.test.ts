import { describe, it, expect } from "@jest/globals";
import { LineSplitter, DEFAULT_MAX_LINE_BYTES } from "../../src/runner/line-splitter.js";

function split(chunks: (string | Buffer)[], maxLineBytes?: number) {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l), { maxLineBytes });
  chunks.forEach((c) => s.push(c));
  s.end();
  return { lines, tooLong: s.tooLongCount };
}

describe("LineSplitter", () => {
  it("splits lines across chunk boundaries and keeps a last line without newline", () => {
    expect(split(["a\nb", "c\n", "\nd"]).lines).toEqual(["a", "bc", "", "d"]);
  });

  it("strips CR of CRLF", () => {
    expect(split(["x\r\ny\r\n"]).lines).toEqual(["x", "y"]);
  });

  it("handles a multi-byte character split between chunks", () => {
    const bytes = Buffer.from("héllo ✓\n");
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]).lines).toEqual(["héllo ✓"]);
  });

  it("drops a line over the cap, whole or in pieces, and counts it", () => {
    const long = "x".repeat(50);
    expect(split([`ok\n${long}\nafter\n`], 10)).toEqual({ lines: ["ok", "after"], tooLong: 1 });
    expect(split(["ok\nxxxxxx", "xxxxxx", "xxxxx\nafter"], 10)).toEqual({ lines: ["ok", "after"], tooLong: 1 });
    expect(split(["xxxxxxxxxxxxxxxxx"], 10)).toEqual({ lines: [], tooLong: 1 });
  });

  it("keeps a line exactly at the cap", () => {
    expect(split(["0123456789\n"], 10).lines).toEqual(["0123456789"]);
    expect(split(["01234", "56789\n"], 10).lines).toEqual(["0123456789"]);
  });

  it("defaults to a 1 MiB cap", () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(1024 * 1024);
    expect(new LineSplitter(() => {}).maxLineBytes).toBe(1024 * 1024);
  });

  it("emits nothing at end when the stream ended on a newline", () => {
    expect(split(["a\n"]).lines).toEqual(["a"]);
    expect(split([]).lines).toEqual([]);
  });
});

describe("LineSplitter on one 50 MB line", () => {
  it("skips it in bounded memory (it is not buffered), counts it, and goes on with the next line", () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const chunk = Buffer.alloc(64 * 1024, "x"); // a pipe's chunk size; one buffer reused, so only the splitter's copies count
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    for (let sent = 0; sent < 50 * 1024 * 1024; sent += chunk.length) {
      s.push(chunk);
      if (sent % (4 * 1024 * 1024) === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }
    s.push("\n{\"type\":\"result\"}\n");
    s.end();
    // Buffered whole, the line would add 50 MB here; the splitter keeps at most its 1 MiB cap.
    expect(peak).toBeLessThan(8 * 1024 * 1024);
    expect(lines).toEqual(['{"type":"result"}']);
    expect(s.tooLongCount).toBe(1);
  });
});
