import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AccessLogFile } from "../../src/http/access-log-file.js";

type Entry = { status: number };
/** A line as pino writes it to its destination. */
const entry = (status: number) => `${JSON.stringify({ time: "2026-01-01T09:00:00.000Z", ip: "127.0.0.1", method: "POST", path: "/webhook/status", status, ms: 1, auth: "ok" })}\n`;
const statuses = async (file: string) =>
  (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as Entry).status);

describe("AccessLogFile", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-access-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("creates its folder and appends one JSON line per entry", async () => {
    const file = path.join(dir, "logs", "webhook-access.log");
    const log = new AccessLogFile(file);
    log.write(entry(200));
    log.write(entry(401));
    log.close();
    expect(await statuses(file)).toEqual([200, 401]);
  });

  it("tells the log health once when a line cannot be written, and once when lines are written again", async () => {
    const { LogHealth } = await import("../../src/logging/log-health.js");
    const { mkdir } = await import("node:fs/promises");
    const health = new LogHealth();
    const heard: Array<string | null> = [];
    health.subscribe((p) => heard.push(p));
    // A folder where the file should be: every write fails (EISDIR), as on a read-only logs folder.
    const file = path.join(dir, "webhook-access.log");
    await mkdir(file);
    const log = new AccessLogFile(file, 0, health);
    log.write(entry(200));
    log.write(entry(401));
    expect(health.problem).toMatch(/EISDIR/);
    await rm(file, { recursive: true });
    log.write(entry(200));
    log.write(entry(200));
    log.close();
    await new Promise((resolve) => setTimeout(resolve, 0)); // listeners hear on a later microtask
    expect(health.problem).toBeNull();
    expect(heard.length).toBe(2);
    expect(heard[0]).toMatch(/EISDIR/);
    expect(heard[1]).toBeNull();
    expect(await statuses(file)).toEqual([200, 200]);
  });

  it("follows a rotated or deleted file to a new one at its path", async () => {
    const file = path.join(dir, "webhook-access.log");
    const log = new AccessLogFile(file, 0);
    log.write(entry(200));
    await rename(file, `${file}.1`);
    log.write(entry(201));
    await unlink(file);
    log.write(entry(202));
    log.close();
    expect(await statuses(`${file}.1`)).toEqual([200]);
    expect(await statuses(file)).toEqual([202]);
  });

  it("swallows a write that cannot happen, and writes again once it can", async () => {
    const blocker = path.join(dir, "not-a-folder");
    await writeFile(blocker, "");
    const log = new AccessLogFile(path.join(blocker, "webhook-access.log"), 0);
    expect(() => log.write(entry(200))).not.toThrow();
    await rm(blocker);
    log.write(entry(204));
    log.close();
    expect(await statuses(path.join(blocker, "webhook-access.log"))).toEqual([204]);
  });
});
