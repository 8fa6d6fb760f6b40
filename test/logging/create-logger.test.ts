import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { ManualClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/logging/create-logger.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "create-logger-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A console that keeps what it is given; pino writes synchronously, so `text` is up to date at once. */
class Collector extends Writable {
  text = "";
  constructor(readonly isTTY?: boolean) {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
  get lines(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }
}

const json = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const readLines = (file: string) => readFileSync(file, "utf8").split("\n").filter((l) => l !== "");

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

function make(opts: Partial<Parameters<typeof createLogger>[0]> & { clock: ManualClock }) {
  const console = new Collector();
  const created = createLogger({ level: "info", logsDir: null, console, pretty: false, ...opts });
  closers.push(created.close);
  return { ...created, console: (opts.console as Collector | undefined) ?? console };
}

describe("createLogger", () => {
  it("writes the same JSON line to the console and to <dir>/YYYY-MM-DD.log, local date from the clock", () => {
    const dir = tempDir();
    const logsDir = path.join(dir, "orchestrator_logs"); // created on first write
    const at = new Date(2026, 2, 14, 9, 30, 15); // 14 March 2026, 09:30:15 local time
    const clock = new ManualClock(at);
    const { logger, console, file } = make({ logsDir, clock });
    logger.info({ task: 3 }, "Task 3 started");
    const [rec] = json(console.lines);
    expect(rec).toMatchObject({ level: 30, msg: "Task 3 started", task: 3, pid: process.pid, time: at.getTime() });
    expect(file?.currentFile).toBe(path.join(logsDir, "2026-03-14.log"));
    expect(readdirSync(logsDir)).toEqual(["2026-03-14.log"]);
    expect(readLines(path.join(logsDir, "2026-03-14.log"))).toEqual(console.lines);
  });

  it("switches to a new file when the clock crosses local midnight", () => {
    const logsDir = tempDir();
    const clock = new ManualClock(new Date(2026, 11, 31, 23, 59)); // year end, local time
    const { logger } = make({ logsDir, clock });
    logger.info("last of the year");
    clock.advance(2 * 60_000); // 00:01 on 1 January
    logger.info("first of the year");
    expect(readdirSync(logsDir).sort()).toEqual(["2026-12-31.log", "2027-01-01.log"]);
    expect(json(readLines(path.join(logsDir, "2026-12-31.log"))).map((r) => r.msg)).toEqual(["last of the year"]);
    expect(json(readLines(path.join(logsDir, "2027-01-01.log"))).map((r) => r.msg)).toEqual(["first of the year"]);
  });

  it("appends to an existing day file instead of truncating it (a restart on the same day)", () => {
    const logsDir = tempDir();
    const clock = new ManualClock(new Date(2026, 0, 5, 8, 0));
    const first = make({ logsDir, clock });
    first.logger.info("before restart");
    first.close();
    make({ logsDir, clock }).logger.info("after restart");
    expect(json(readLines(path.join(logsDir, "2026-01-05.log"))).map((r) => r.msg)).toEqual(["before restart", "after restart"]);
  });

  describe("secrets", () => {
    const secret = "123456:AAH-bot-token-value";

    it("never appear in either output: message, error message and stack, nested object, child bindings", () => {
      const logsDir = tempDir();
      const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
      const { logger, console } = make({ logsDir, clock, secrets: [secret, null, undefined, ""] });
      logger.info(`calling https://api.telegram.org/bot${secret}/sendMessage`);
      logger.error({ err: new Error(`401 Unauthorized for bot${secret}`) }, "send failed");
      logger.warn({ request: { headers: { authorization: `Bearer ${secret}` }, list: [secret] } }, "request");
      logger.child({ module: "telegram", token: secret }).info("child");
      const fileText = readFileSync(path.join(logsDir, "2026-03-14.log"), "utf8");
      for (const text of [console.text, fileText]) {
        expect(json(text.split("\n").filter(Boolean))).toHaveLength(4); // still valid JSON lines
        expect(text).not.toContain(secret);
        expect(text).not.toContain("AAH-bot-token"); // not even a part of it
        expect(text.match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(6); // msg, err.message, err.stack, header, list, binding
      }
    });

    it("are scrubbed from pretty console lines too", () => {
      const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
      const { logger, console } = make({ clock, pretty: true, secrets: [secret] });
      logger.error({ err: new Error(`bad token ${secret}`), nested: { deep: { value: secret } } }, `token ${secret}`);
      expect(console.text).not.toContain(secret);
      expect(console.text).toContain("token [redacted]");
    });

    it("are scrubbed even when they hold characters JSON escapes (quote, backslash)", () => {
      // In a JSON line `pa"ss\word` is written as `pa\"ss\\word`; the pretty line decodes it back.
      const odd = 'pa"ss\\word-42';
      const logsDir = tempDir();
      const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
      for (const pretty of [false, true]) {
        const { logger, console } = make({ logsDir, clock, pretty, secrets: [odd] });
        logger.info({ password: odd }, `login with ${odd}`);
        expect(console.text).not.toContain(odd);
        expect(console.text).not.toContain(JSON.stringify(odd).slice(1, -1));
        expect(console.text).toContain("[redacted]");
      }
      const fileText = readFileSync(path.join(logsDir, "2026-03-14.log"), "utf8");
      expect(fileText).not.toContain(JSON.stringify(odd).slice(1, -1));
      expect(json(fileText.split("\n").filter(Boolean))).toHaveLength(2);
    });

    it("shorter than 6 characters are not scrubbed", () => {
      // On purpose: every line is scrubbed by plain substring replacement, so a short value such as
      // "info", "true" or "1234" (a placeholder or test secret) would be cut out of ordinary words,
      // numbers and even JSON keys ("level", "time"), mangling every log line. Real secrets (bot
      // tokens, webhook secrets, URLs) are far longer than 6 characters.
      const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
      const { logger, console } = make({ clock, secrets: ["info", "12345", "task"] });
      logger.info({ task: 12345 }, "information about task 12345");
      const [rec] = json(console.lines);
      expect(rec).toMatchObject({ msg: "information about task 12345", task: 12345 });
      expect(console.text).not.toContain("[redacted]");
    });
  });

  it("pretty: true gives `[HH:MM:SS] LEVEL module: message key=value` lines on the console, JSON in the file", () => {
    const logsDir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 5, 7));
    const { logger, console } = make({ logsDir, clock, pretty: true });
    logger.child({ module: "runner" }).info({ task: 2, cost: 0.5 }, "Task 2/3 started");
    logger.warn("no module here");
    expect(console.lines).toEqual(["[09:05:07] INFO  runner: Task 2/3 started task=2 cost=0.5", "[09:05:07] WARN  no module here"]);
    expect(json(readLines(path.join(logsDir, "2026-03-14.log")))[0]).toMatchObject({ module: "runner", msg: "Task 2/3 started" });
  });

  it("is pretty by default only when the console is a TTY", () => {
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 5, 7));
    const tty = make({ clock, console: new Collector(true), pretty: undefined });
    tty.logger.info("hello");
    expect(tty.console.text).toBe("[09:05:07] INFO  hello\n");
    const pipe = make({ clock, console: new Collector(false), pretty: undefined });
    pipe.logger.info("hello");
    expect(JSON.parse(pipe.console.text)).toMatchObject({ msg: "hello" });
  });

  it("filters by level on both outputs", () => {
    const logsDir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const { logger, console } = make({ logsDir, clock, level: "warn" });
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(json(console.lines).map((r) => r.msg)).toEqual(["w", "e"]);
    expect(json(readLines(path.join(logsDir, "2026-03-14.log"))).map((r) => r.msg)).toEqual(["w", "e"]);

    const debug = make({ clock, level: "debug" });
    debug.logger.debug("d");
    debug.logger.info("i");
    expect(json(debug.console.lines).map((r) => [r.level, r.msg])).toEqual([[20, "d"], [30, "i"]]);
  });

  it("puts a child logger's module name on its lines", () => {
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const { logger, console } = make({ clock });
    logger.child({ module: "orchestrator" }).info("from the child");
    logger.info("from the root");
    const [child, root] = json(console.lines);
    expect(child).toMatchObject({ module: "orchestrator", msg: "from the child" });
    expect(root?.module).toBeUndefined();
  });

  it("does not throw when the logs dir cannot be created; the console still gets every line", () => {
    const dir = tempDir();
    const blocker = path.join(dir, "a-file");
    writeFileSync(blocker, "not a folder");
    const logsDir = path.join(blocker, "logs"); // mkdir fails with ENOTDIR
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const { logger, console } = make({ logsDir, clock });
    expect(() => {
      logger.info("one");
      logger.error({ err: new Error("two") }, "two");
    }).not.toThrow();
    expect(json(console.lines).map((r) => r.msg)).toEqual(["one", "two"]);
    expect(existsSync(logsDir)).toBe(false);
  });

  it("writes no console copy with console: null, and no file with logsDir: null", () => {
    const logsDir = tempDir();
    const clock = new ManualClock(new Date(2026, 2, 14, 9, 0));
    const fileOnly = createLogger({ level: "info", logsDir, clock, console: null });
    closers.push(fileOnly.close);
    fileOnly.logger.info("to the file");
    expect(json(readLines(path.join(logsDir, "2026-03-14.log")))[0]?.msg).toBe("to the file");

    const consoleOnly = make({ clock, logsDir: null });
    expect(consoleOnly.file).toBeNull();
    consoleOnly.logger.info("to the console");
    expect(consoleOnly.console.lines).toHaveLength(1);
  });
});
