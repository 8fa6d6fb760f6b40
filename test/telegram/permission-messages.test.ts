import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { ManualClock } from "../../src/core/clock.js";
import { MAX_ENTRIES, PermissionMessages, permissionMessagesFileFor } from "../../src/telegram/permissions/permission-messages.js";

let dir = "";
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = "";
});

const quiet = () => {
  const lines: string[] = [];
  return { lines, log: pino({ level: "debug" }, { write: (l: string) => void lines.push(l) }) };
};

describe("PermissionMessages", () => {
  it("keeps which messages show a request across instances (a restart), finds a request by any of its messages, and drops the oldest past MAX_ENTRIES", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-perm-messages-"));
    const file = permissionMessagesFileFor(path.join(dir, "state.json.telegram.json"));
    expect(path.basename(file)).toBe("state.json.telegram.permissions.json");
    const { log } = quiet();
    const first = new PermissionMessages(file, log, new ManualClock());
    await first.addMessage("S-p1", { chat: "111", message_id: 5 });
    await first.addReminder("S-p1", { chat: "111", message_id: 9 });
    await first.setSelection("S-p1", { "0": [1] });
    await first.addMessage("S-p2", { chat: "111", message_id: 6 });
    await first.markSettled("S-p2");

    const second = new PermissionMessages(file, log, new ManualClock());
    expect(await second.entry("S-p1")).toEqual({ id: "S-p1", messages: [{ chat: "111", message_id: 5 }], reminders: [{ chat: "111", message_id: 9 }], settled: false, selection: { "0": [1] } });
    expect(await second.requestOf("111", 9)).toBe("S-p1");
    expect(await second.requestOf("222", 9)).toBeNull();
    expect((await second.entry("S-p2"))?.settled).toBe(true);

    for (let i = 3; i < MAX_ENTRIES + 5; i++) await second.addMessage(`S-p${i}`, { chat: "111", message_id: 100 + i });
    const kept = JSON.parse(await readFile(file, "utf8")) as { entries: { id: string }[] };
    expect(kept.entries).toHaveLength(MAX_ENTRIES);
    expect(kept.entries.some((e) => e.id === "S-p1")).toBe(false);
  });

  it("moves a corrupt file aside and goes on with no entries", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "orchestrator-perm-messages-"));
    const file = path.join(dir, "p.json");
    await writeFile(file, "{ not json");
    const { log, lines } = quiet();
    const store = new PermissionMessages(file, log, new ManualClock("2026-01-01T00:00:00.000Z"));
    expect(await store.requestOf("111", 1)).toBeNull();
    expect((await readdir(dir)).sort()).toEqual([`p.json.corrupt-${Date.parse("2026-01-01T00:00:00.000Z")}`]);
    expect(lines.join("")).toContain("was corrupt: moved aside");
    await store.addMessage("S-p1", { chat: "111", message_id: 1 });
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ version: 1, entries: [{ id: "S-p1" }] });
  });
});
