import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { StateError } from "../../src/core/errors.js";
import { createIdleState, createTaskRecord, describeStateProblem, type SessionState } from "../../src/core/state.js";
import { FileStateStore, MemoryStateStore } from "../../src/store/state-store.js";
import { deadPid } from "./child-process.js";

let dir: string;
let file: string;
let warnings: { msg: string; ctx: object }[];
const clock = new ManualClock("2026-11-22T10:15:00.123Z");

function store(): FileStateStore {
  return new FileStateStore(file, { clock, onWarning: (msg, ctx) => warnings.push({ msg, ctx }) });
}

function sampleState(n = 3): SessionState {
  const s = createIdleState();
  s.status = "running";
  s.session_id = "s-1";
  s.current_task_index = n;
  s.tasks = [
    createTaskRecord({
      id: 1,
      title: "First",
      type: null,
      priority: null,
      requires_approval: false,
      description: "d",
      acceptance_criteria: [],
      instruction: "do it",
      context_files: [],
      deliverables: [],
      line: 1,
    }),
  ];
  return s;
}

async function readJson(p: string): Promise<unknown> {
  return JSON.parse(await readFile(p, "utf8"));
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "state-store-"));
  file = path.join(dir, "state.json");
  warnings = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("FileStateStore", () => {
  it("gives an idle state for a missing file and writes nothing", async () => {
    expect(await store().load()).toEqual(createIdleState());
    expect(await readdir(dir)).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("saves and loads back, and a clean load refreshes the .bak copy", async () => {
    await store().save(sampleState(3));
    expect(await readdir(dir)).toEqual(["state.json"]);
    const loaded = await store().load();
    expect(loaded).toEqual(sampleState(3));
    expect(await readJson(`${file}.bak`)).toEqual(sampleState(3));
    expect((await readdir(dir)).sort()).toEqual(["state.json", "state.json.bak"]);
    expect(warnings).toEqual([]);
  });

  it("refuses to save an invalid state (a bug) and leaves the file alone", async () => {
    const s = store();
    await s.save(sampleState(1));
    const bad = { ...sampleState(2), status: "bogus" } as unknown as SessionState;
    await expect(s.save(bad)).rejects.toBeInstanceOf(StateError);
    expect(await readJson(file)).toEqual(sampleState(1));
  });

  it.each([
    ["garbage", "{ this is not json"],
    ["an empty file", ""],
    ["the wrong shape", JSON.stringify({ version: 2, tasks: [] })],
    ["a literal null", "null"],
  ])("moves %s aside and restores the last good copy from .bak", async (_label, content) => {
    const s = store();
    await s.save(sampleState(5));
    await s.load(); // makes the .bak
    await writeFile(file, content);

    const loaded = await store().load();

    expect(loaded).toEqual(sampleState(5));
    const moved = path.join(dir, "state.json.corrupt-20261122T101500Z");
    expect(await readFile(moved, "utf8")).toBe(content);
    expect(await readJson(file)).toEqual(sampleState(5));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/state file was corrupt/);
    expect(warnings[0]!.msg).toContain(`moved to ${moved}`);
    expect(warnings[0]!.msg).toContain(`restored last good copy from ${file}.bak`);
    expect(warnings[0]!.ctx).toMatchObject({ movedTo: moved, restoredFrom: `${file}.bak` });
  });

  it("starts idle (and saves it) with a warning when there is no backup", async () => {
    await writeFile(file, "");
    const loaded = await store().load();
    expect(loaded).toEqual(createIdleState());
    expect(await readJson(file)).toEqual(createIdleState());
    expect(await readFile(path.join(dir, "state.json.corrupt-20261122T101500Z"), "utf8")).toBe("");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/empty file.*no backup; starting with an empty state/);
  });

  it("starts idle when the backup is corrupt too", async () => {
    await writeFile(file, "[]");
    await writeFile(`${file}.bak`, "{{{");
    expect(await store().load()).toEqual(createIdleState());
    expect(warnings[0]!.msg).toMatch(/backup .* is unusable too.*starting with an empty state/);
    // The bad backup is kept for inspection.
    expect(await readFile(`${file}.bak`, "utf8")).toBe("{{{");
  });

  it("never overwrites an earlier corrupt copy from the same second", async () => {
    await writeFile(file, "one");
    await store().load();
    await writeFile(file, "two");
    await store().load();
    expect(await readFile(path.join(dir, "state.json.corrupt-20261122T101500Z"), "utf8")).toBe("one");
    expect(await readFile(path.join(dir, "state.json.corrupt-20261122T101500Z-2"), "utf8")).toBe("two");
  });

  it("throws a StateError, without moving anything, when the file cannot be read", async () => {
    await mkdir(file);
    await expect(store().load()).rejects.toBeInstanceOf(StateError);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("removes temp files left by a killed writer, but not a live one's", async () => {
    await store().save(sampleState(1));
    const dead = await deadPid();
    await writeFile(`${file}.tmp-${dead}`, "{ half");
    await writeFile(`${file}.bak.tmp-${dead}`, "{ half");
    await writeFile(`${file}.tmp-${process.pid}`, "mine");
    await writeFile(path.join(dir, `other.json.tmp-${dead}`), "not ours");
    await store().load();
    expect((await readdir(dir)).sort()).toEqual(
      [`other.json.tmp-${dead}`, "state.json", "state.json.bak", `state.json.tmp-${process.pid}`].sort(),
    );
  });

  it("serializes concurrent saves; the last one wins and the file stays valid", async () => {
    const s = store();
    await Promise.all(Array.from({ length: 20 }, (_, n) => s.save(sampleState(n))));
    const onDisk = await readJson(file);
    expect(describeStateProblem(onDisk)).toBeNull();
    expect((onDisk as SessionState).current_task_index).toBe(19);
  });

  it("a failed save is a StateError and keeps the previous state on disk", async () => {
    const s = store();
    await s.save(sampleState(1));
    await mkdir(`${file}.tmp-${process.pid}`);
    await expect(s.save(sampleState(2))).rejects.toBeInstanceOf(StateError);
    expect(await readJson(file)).toEqual(sampleState(1));
  });
});

describe("MemoryStateStore", () => {
  it("keeps deep copies and counts saves", async () => {
    const m = new MemoryStateStore();
    expect(await m.load()).toEqual(createIdleState());
    const s = sampleState(1);
    await m.save(s);
    s.tasks[0]!.status = "failed";
    expect((await m.load()).tasks[0]!.status).toBe("pending");
    const loaded = await m.load();
    loaded.current_task_index = 99;
    expect(m.lastSaved!.current_task_index).toBe(1);
    await m.save(sampleState(2));
    expect(m.saveCount).toBe(2);
  });

  it("refuses an invalid state like the file store", async () => {
    const m = new MemoryStateStore(sampleState(1));
    await expect(m.save({ tasks: 1 } as unknown as SessionState)).rejects.toBeInstanceOf(StateError);
    expect(m.saveCount).toBe(0);
  });
});
