// The usage-limit shapes src/runner/usage-limit-text.ts and parse-stream-line.ts rely on, checked
// against the pinned Claude Code CLI's binary (its JavaScript is stored in it as text). When the
// pinned version changes and a needle is gone, read what the new CLI prints
// (`strings node_modules/@anthropic-ai/claude-code/bin/claude.exe | grep -i limit`) and adjust
// the classifier, the reset parser and this list together.
import { describe, expect, it } from "@jest/globals";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const pkgFile = require.resolve("@anthropic-ai/claude-code/package.json");
const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { version: string; bin: Record<string, string> };
const binary = path.join(path.dirname(pkgFile), pkg.bin.claude ?? "bin/claude.exe");

/** What the classifier and the parser rely on, as the CLI's source spells it (`\xB7` is "·"). */
const NEEDLES: Record<string, string> = {
  "the subscription limit line, `You've hit your ${name}${resets}`": "You've hit your ",
  "its other form": "You've reached your",
  "limit names": "5-hour limit",
  "limit names (weekly)": "weekly limit",
  'the reset part, " · resets ${time}"': " \\xB7 resets ${",
  "the time as 3pm (AM/PM lowercased, no space)": "[ \\u202f]([AP]M)/i",
  "a gateway's cap": "spend limit reached",
  "the older form and the goal wording": "usage limit reached",
  "an API key's 429": "Request rejected (429)",
  "a subscriber's transient 429": "Server is temporarily limiting requests (not your usage limit)",
  "the stream line": 'type:"rate_limit_event",rate_limit_info:',
  "its fields: resetsAt": "resetsAt",
  "rateLimitType": "rateLimitType",
  "utilization": "utilization",
  "the warning status": "allowed_warning",
  "the window types": "five_hour",
  "the reset header the CLI reads": '"anthropic-ratelimit-unified-reset"',
  "the retry setting the real-CLI test lowers": "CLAUDE_CODE_MAX_RETRIES",
};

/** Which needles occur in the file, read in 16 MiB chunks that overlap by the longest needle. */
async function found(file: string, needles: string[]): Promise<Set<string>> {
  const bufs = needles.map((n) => Buffer.from(n, "utf8"));
  const overlap = Math.max(...bufs.map((b) => b.length));
  const seen = new Set<string>();
  let tail = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 16 * 1024 * 1024 })) {
    const window = Buffer.concat([tail, chunk as Buffer]);
    bufs.forEach((b, i) => {
      if (!seen.has(needles[i] as string) && window.includes(b)) seen.add(needles[i] as string);
    });
    if (seen.size === needles.length) break;
    tail = window.subarray(Math.max(0, window.length - overlap));
  }
  return seen;
}

describe(`the pinned Claude Code CLI (${pkg.version}) still builds the usage-limit shapes we read`, () => {
  it("its binary is installed", () => {
    // A missing binary is a broken install (npm ci runs its postinstall), not a reason to skip.
    expect(existsSync(binary)).toBe(true);
  });

  it("every form is in the binary", async () => {
    const needles = Object.values(NEEDLES);
    const seen = await found(binary, needles);
    const missing = Object.entries(NEEDLES).filter(([, n]) => !seen.has(n)).map(([what, n]) => `${what}: ${JSON.stringify(n)}`);
    expect(missing).toEqual([]);
  }, 60_000);
});
