import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { StateError } from "../../src/core/errors.js";
import { createIdleState, createTaskRecord, describeStateProblem, type SessionState, type TaskRecord } from "../../src/core/state.js";
import { FileStateStore, MemoryStateStore, RESTORE_NOTIFY_SEQ_GAP, SPARE_MIN_BYTES } from "../../src/store/state-store.js";
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
      verify: [],
      line: 1,
    }),
  ];
  return s;
}

/**
 * What a restore after a corrupt state.json gives: `s` (the backup's state, or an idle one) with
 * notify_seq moved past anything the lost state could have used.
 */
function restored(s: SessionState, seen = s.notify_seq): SessionState {
  return { ...s, notify_seq: seen + RESTORE_NOTIFY_SEQ_GAP };
}

async function readJson(p: string): Promise<unknown> {
  return JSON.parse(await readFile(p, "utf8"));
}

/**
 * What is saved at `p` (state.json or its .bak), read by hand rather than through the store:
 * the file, with each task's text put back from the definitions file it names.
 */
async function readSaved(p: string): Promise<unknown> {
  const saved = (await readJson(p)) as Record<string, unknown> & { tasks: Record<string, unknown>[] };
  if (!("task_definitions" in saved)) return saved;
  const { task_definitions: name, ...rest } = saved;
  const defs = (await readJson(path.join(path.dirname(p), name as string))) as { tasks: Record<string, unknown>[] };
  return { ...rest, tasks: rest.tasks.map((t, i) => ({ ...t, ...defs.tasks[i], id: t.id })) };
}

/** The definitions files in the folder. */
async function definitionsFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^state\.json\.tasks-.*\.json$/.test(n)).sort();
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
    const [defs] = await definitionsFiles();
    expect((await readdir(dir)).sort()).toEqual(["state.json", defs]);
    const loaded = await store().load();
    expect(loaded).toEqual(sampleState(3));
    expect(await readSaved(`${file}.bak`)).toEqual(sampleState(3));
    expect((await readdir(dir)).sort()).toEqual(["state.json", "state.json.bak", defs]);
    expect(warnings).toEqual([]);
  });

  it("refuses to save an invalid state (a bug) and leaves the file alone", async () => {
    const s = store();
    await s.save(sampleState(1));
    const bad = { ...sampleState(2), status: "bogus" } as unknown as SessionState;
    await expect(s.save(bad)).rejects.toBeInstanceOf(StateError);
    expect(await readSaved(file)).toEqual(sampleState(1));
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

    expect(loaded).toEqual(restored(sampleState(5)));
    const moved = path.join(dir, "state.json.corrupt-20261122T101500Z");
    expect(await readFile(moved, "utf8")).toBe(content);
    expect(await readSaved(file)).toEqual(restored(sampleState(5)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/state file was corrupt/);
    expect(warnings[0]!.msg).toContain(`moved to ${moved}`);
    expect(warnings[0]!.msg).toContain(`restored last good copy from ${file}.bak`);
    expect(warnings[0]!.ctx).toMatchObject({ movedTo: moved, restoredFrom: `${file}.bak` });
  });

  it("starts idle (and saves it) with a warning when there is no backup", async () => {
    await writeFile(file, "");
    const loaded = await store().load();
    expect(loaded).toEqual(restored(createIdleState()));
    expect(await readJson(file)).toEqual(restored(createIdleState()));
    expect(await readFile(path.join(dir, "state.json.corrupt-20261122T101500Z"), "utf8")).toBe("");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/empty file.*no backup; starting with an empty state/);
  });

  it("starts idle when the backup is corrupt too, and moves the bad backup aside as well", async () => {
    await writeFile(file, "[]");
    await writeFile(`${file}.bak`, "{{{");
    expect(await store().load()).toEqual(restored(createIdleState()));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/backup .* is unusable too.*starting with an empty state/);
    // The bad backup is kept for inspection, where no later start overwrites it.
    const backupMoved = `${file}.bak.corrupt-20261122T101500Z`;
    expect(warnings[0]!.msg).toContain(`The bad backup was moved to ${backupMoved}`);
    expect(warnings[0]!.ctx).toMatchObject({ backupMovedTo: backupMoved });
    expect(await readFile(backupMoved, "utf8")).toBe("{{{");
    expect((await readdir(dir)).sort()).toEqual(["state.json", "state.json.bak.corrupt-20261122T101500Z", "state.json.corrupt-20261122T101500Z"]);
  });

  it("a bad backup moved aside stays there: the next clean start writes a new .bak beside it", async () => {
    await writeFile(file, "{ lost");
    await writeFile(`${file}.bak`, "{{{");
    await store().load();
    warnings = [];
    await store().load(); // state.json (the idle state) is good now: this refreshes the backup
    expect(warnings).toEqual([]);
    expect(await readFile(`${file}.bak.corrupt-20261122T101500Z`, "utf8")).toBe("{{{");
    expect(await readJson(`${file}.bak`)).toEqual(restored(createIdleState()));
  });

  it("a restore from the backup moves notify_seq past anything the lost state could have used, and says so", async () => {
    const s = store();
    await s.save({ ...sampleState(1), notify_seq: 7 });
    await s.load(); // .bak: notify_seq 7
    await s.save({ ...sampleState(2), notify_seq: 40 }); // sent ids s-1-8 ... s-1-40, then lost
    await writeFile(file, "garbage");

    const loaded = await store().load();

    expect(loaded).toEqual(restored({ ...sampleState(1), notify_seq: 7 }));
    expect(loaded.notify_seq).toBe(7 + RESTORE_NOTIFY_SEQ_GAP);
    expect(((await readJson(file)) as SessionState).notify_seq).toBe(7 + RESTORE_NOTIFY_SEQ_GAP);
    expect(warnings[0]!.msg).toContain(`notification ids go on from ${7 + RESTORE_NOTIFY_SEQ_GAP + 1}, past any the lost state could have sent`);
    expect(warnings[0]!.ctx).toMatchObject({ notifySeq: 7 + RESTORE_NOTIFY_SEQ_GAP });
    // The next clean start keeps it: it never goes back.
    expect((await store().load()).notify_seq).toBe(7 + RESTORE_NOTIFY_SEQ_GAP);
  });

  it("goes past the notify_seq still legible in the damaged file when it is higher than the backup's", async () => {
    const s = store();
    await s.save({ ...sampleState(1), notify_seq: 7 });
    await s.load();
    await s.save({ ...sampleState(2), notify_seq: RESTORE_NOTIFY_SEQ_GAP + 5 });
    await writeFile(file, (await readFile(file, "utf8")).slice(1)); // no longer JSON; the number is still there
    expect((await store().load()).notify_seq).toBe(2 * RESTORE_NOTIFY_SEQ_GAP + 5);
    // Started empty (no backup): past the damaged file's too, so ids of no session are reused.
    await writeFile(file, `{"notify_seq":123,`);
    await rm(`${file}.bak`);
    warnings = [];
    expect(await store().load()).toEqual(restored(createIdleState(), 123));
    expect(warnings[0]!.msg).toMatch(/no backup; starting with an empty state.*notification ids go on from 1000124/);
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
    const [defs] = await definitionsFiles();
    await writeFile(path.join(dir, `${defs}.tmp-${dead}`), "{ half");
    await store().load();
    expect((await readdir(dir)).sort()).toEqual(
      [`other.json.tmp-${dead}`, "state.json", "state.json.bak", defs, `state.json.tmp-${process.pid}`].sort(),
    );
  });

  it("a large state.json reuses the file its save replaced (a spare); a dead writer's spare is removed at load", async () => {
    const st = store();
    let s = session("big", 200);
    await st.save(s);
    expect((await stat(file)).size).toBeGreaterThanOrEqual(SPARE_MIN_BYTES);
    const first = (await stat(file)).ino;
    for (let i = 0; i < 2; i++) await st.save((s = withTask(s, i, { status: "completed" })));
    expect((await stat(file)).ino).toBe(first); // the third save went into the first one's file
    const spare = `state.json.spare-${process.pid}`;
    expect(await readdir(dir)).toContain(spare);
    const dead = await deadPid();
    await writeFile(`${file}.spare-${dead}`, "{ the spare of a writer killed mid-save");
    await writeFile(`${file}.spare-${dead}.link`, "{ half");
    expect(await store().load()).toEqual(s);
    expect(warnings).toEqual([]);
    const names = await readdir(dir);
    expect(names.filter((n) => n.includes(".spare-"))).toEqual([spare]); // ours: this process still writes
    // A clean stop lets go of it: nothing is left beside the state file, and the state is intact.
    await st.close();
    expect((await readdir(dir)).filter((n) => n.includes(".spare-"))).toEqual([]);
    expect(await store().load()).toEqual(s);
    await st.save((s = withTask(s, 2, { status: "completed" }))); // and a later save still works
    expect(await store().load()).toEqual(s);
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
    expect(await readSaved(file)).toEqual(sampleState(1));
  });
});

/** A session of `count` tasks whose text is `textBytes` long each, as a start makes it. */
function session(id: string, count: number, textBytes = 20): SessionState {
  const s = createIdleState();
  Object.assign(s, { status: "running", session_id: id, task_file: "/t/tasks.md" });
  s.tasks = Array.from({ length: count }, (_, i) =>
    createTaskRecord({
      id: i + 1,
      title: `Task ${i + 1}`,
      type: "backend",
      priority: "high",
      requires_approval: i === 0,
      description: "d".repeat(textBytes),
      acceptance_criteria: ["it works", "c".repeat(textBytes)],
      instruction: "i".repeat(textBytes),
      context_files: ["CLAUDE.md"],
      deliverables: ["out.md"],
      verify: [],
      line: i * 10 + 1,
    }),
  );
  return s;
}

/** The next state after the task at `index` changed, copy-on-write like a transition. */
function withTask(s: SessionState, index: number, change: Partial<TaskRecord>): SessionState {
  const tasks = s.tasks.slice();
  tasks[index] = { ...structuredClone(tasks[index]!), ...change };
  return { ...s, tasks };
}

describe("FileStateStore: the task definitions file", () => {
  it("keeps every task's status fields in compact state.json and the text once in the definitions file", async () => {
    const s = session("20261122-101500", 3, 50);
    await store().save(s);
    const text = await readFile(file, "utf8");
    expect(text).not.toMatch(/\n\s/); // compact: one line
    const onDisk = JSON.parse(text) as Record<string, unknown> & { tasks: Record<string, unknown>[] };
    const [defs] = await definitionsFiles();
    expect(defs).toMatch(/^state\.json\.tasks-20261122-101500-[0-9a-f]{16}\.json$/);
    expect(onDisk.task_definitions).toBe(defs);
    // Everything but the six text keys stays in state.json, in the task's own order.
    const expected = Object.keys(s.tasks[0]!).filter((k) => !["description", "acceptance_criteria", "instruction", "context_files", "deliverables", "verify"].includes(k));
    expect(Object.keys(onDisk.tasks[0]!)).toEqual(expected);
    expect(onDisk.tasks[0]).toMatchObject({ id: 1, title: "Task 1", type: "backend", priority: "high", requires_approval: true, line: 1, status: "pending", error: null });
    expect(text).not.toContain("d".repeat(50));
    const d = (await readJson(path.join(dir, defs!))) as { session_id: string; tasks: { id: number; description: string }[] };
    expect(d.session_id).toBe("20261122-101500");
    expect(d.tasks.map((t) => t.id)).toEqual([1, 2, 3]);
    expect(d.tasks[0]!.description).toBe("d".repeat(50));
    expect(await readSaved(file)).toEqual(s);
  });

  it("writes the definitions once per session, not per transition, and removes an earlier session's", async () => {
    const st = store();
    let s = session("one", 5);
    await st.save(s);
    const [first] = await definitionsFiles();
    const before = await stat(path.join(dir, first!));
    for (let i = 0; i < 5; i++) {
      s = withTask(s, i, { status: "completed", summary: `done ${i}`, cost_usd: 0.01 });
      await st.save(s);
    }
    const after = await stat(path.join(dir, first!));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(((await readJson(file)) as SessionState).tasks.map((t) => t.summary)).toEqual(["done 0", "done 1", "done 2", "done 3", "done 4"]);

    await st.save(session("two", 2));
    const files = await definitionsFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^state\.json\.tasks-two-/);
    expect(await store().load()).toEqual(session("two", 2));
  });

  it("does not write more per save when the tasks' text is larger", async () => {
    await store().save(session("s", 200, 20));
    const small = (await stat(file)).size;
    await store().save(session("s", 200, 5000));
    const large = (await stat(file)).size;
    expect(large).toBe(small);
    // About half a kilobyte a task: the status fields, not the text.
    expect(small / 200).toBeLessThan(600);
  });

  it("writes a changed task's text into new definitions (should a transition ever change it)", async () => {
    const st = store();
    const s = session("s", 3);
    await st.save(s);
    const changed = withTask(s, 1, { instruction: "a new instruction" });
    await st.save(changed);
    expect(await store().load()).toEqual(changed);
    expect(await definitionsFiles()).toHaveLength(1);
  });

  it("loads a state file written before definitions files existed (text inline, pretty) and splits it at the next save", async () => {
    const old = session("old", 2);
    await writeFile(file, JSON.stringify(old, null, 2) + "\n");
    const st = store();
    const loaded = await st.load();
    expect(loaded).toEqual(old);
    expect(warnings).toEqual([]);
    await st.save(withTask(loaded, 0, { status: "completed" }));
    expect((await readJson(file)) as object).toHaveProperty("task_definitions");
    expect((await store().load()).tasks[0]).toMatchObject({ status: "completed", instruction: old.tasks[0]!.instruction });
  });

  it("treats a missing definitions file as a corrupt state: moved aside, the backup restored, said loudly", async () => {
    const one = session("one", 2);
    await store().save(one);
    await store().load(); // .bak: session one
    const st = store();
    await st.save(session("two", 3));
    const defsTwo = (await definitionsFiles()).find((n) => n.includes("-two-"))!;
    await rm(path.join(dir, defsTwo));

    const loaded = await store().load();

    // notify_seq: past the lost state's, which is still legible in it.
    expect(loaded).toEqual(restored(one, Math.max(one.notify_seq, session("two", 3).notify_seq)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(`state file was corrupt (its task definitions file ${defsTwo} is missing)`);
    expect(warnings[0]!.msg).toContain(`restored last good copy from ${file}.bak`);
    const moved = path.join(dir, "state.json.corrupt-20261122T101500Z");
    expect((await readJson(moved)) as object).toMatchObject({ session_id: "two", task_definitions: defsTwo });
  });

  it("starts empty, naming the file, when state.json and its backup both lost their definitions", async () => {
    await store().save(session("one", 2));
    await store().load();
    const [defs] = await definitionsFiles();
    await rm(path.join(dir, defs!));
    expect(await store().load()).toEqual(restored(createIdleState()));
    expect(warnings[0]!.msg).toMatch(new RegExp(`its task definitions file ${defs!.replace(/\./g, "\\.")} is missing.*backup .* is unusable too \\(its task definitions file .* is missing\\); starting with an empty state`));
  });

  it.each([
    ["edited by hand", (t: string) => t.replace("it works", "it werks"), /was changed after it was written/],
    ["not JSON", () => "{ half", /was changed after it was written/],
  ])("a definitions file %s is corrupt: both go aside, the backup is restored", async (_label, damage, problem) => {
    const one = session("one", 2);
    await store().save(one);
    await store().load();
    await store().save(session("two", 2));
    const defsTwo = (await definitionsFiles()).find((n) => n.includes("-two-"))!;
    await writeFile(path.join(dir, defsTwo), damage(await readFile(path.join(dir, defsTwo), "utf8")));

    expect(await store().load()).toEqual(restored(one));
    expect(warnings[0]!.msg).toMatch(problem);
    expect(warnings[0]!.msg).toContain(`its task definitions file moved to ${path.join(dir, defsTwo)}.corrupt-20261122T101500Z`);
    expect(await definitionsFiles()).toEqual([(await definitionsFiles()).find((n) => n.includes("-one-"))]);
  });

  it("a bad backup naming other definitions than the state's: both go aside", async () => {
    await store().save(session("one", 2));
    await store().load(); // .bak: session one
    await store().save(session("two", 2));
    const defsOne = (await definitionsFiles()).find((n) => n.includes("-one-"))!;
    await writeFile(path.join(dir, defsOne), "{ damaged");
    await writeFile(file, "garbage");
    expect(await store().load()).toEqual(restored(createIdleState()));
    expect(warnings[0]!.msg).toContain(`The bad backup was moved to ${file}.bak.corrupt-20261122T101500Z, its task definitions file to ${path.join(dir, defsOne)}.corrupt-20261122T101500Z`);
    expect(await readFile(path.join(dir, `${defsOne}.corrupt-20261122T101500Z`), "utf8")).toBe("{ damaged");
    expect((await readJson(`${file}.bak.corrupt-20261122T101500Z`)) as object).toMatchObject({ session_id: "one", task_definitions: defsOne });
  });

  it.each([
    ["another session's state naming them", (s: Record<string, unknown>) => ({ ...s, session_id: "other" }), 'belongs to session "one", not "other"'],
    ["a task removed from state.json by hand", (s: Record<string, unknown>) => ({ ...s, tasks: (s.tasks as unknown[]).slice(1) }), "has 2 tasks, the state 1"],
  ])("refuses definitions that do not line up (%s); with no backup both files go aside", async (_label, tamper, problem) => {
    await store().save(session("one", 2));
    const [defs] = await definitionsFiles();
    await writeFile(file, JSON.stringify(tamper((await readJson(file)) as Record<string, unknown>)));
    expect(await store().load()).toEqual(restored(createIdleState()));
    expect(warnings[0]!.msg).toContain(`its task definitions file ${defs} ${problem}`);
    // Kept beside the moved state for inspection, not removed as unreferenced.
    expect(warnings[0]!.msg).toContain(`its task definitions file moved to ${path.join(dir, defs!)}.corrupt-20261122T101500Z`);
    expect(await readdir(dir)).toContain(`${defs}.corrupt-20261122T101500Z`);
    expect(await definitionsFiles()).toEqual([]);
  });

  it("keeps the definitions file the restored backup uses, when state.json no longer lines up with it", async () => {
    const one = session("one", 2);
    await store().save(one);
    await store().load(); // .bak names the same definitions
    const [defs] = await definitionsFiles();
    const onDisk = (await readJson(file)) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...onDisk, tasks: (onDisk.tasks as unknown[]).slice(1) }));
    expect(await store().load()).toEqual(restored(one));
    expect(warnings[0]!.msg).toMatch(/has 2 tasks, the state 1.*restored last good copy/);
    expect(await definitionsFiles()).toEqual([defs]);
  });

  it("never follows a task_definitions that is a path", async () => {
    await store().save(session("one", 2));
    await writeFile(file, JSON.stringify({ ...((await readJson(file)) as object), task_definitions: "../../etc/passwd" }));
    expect(await store().load()).toEqual(restored(createIdleState()));
    expect(warnings[0]!.msg).toMatch(/task_definitions is not a definitions file name \("\.\.\/\.\.\/etc\/passwd"\)/);
  });

  it("a failed definitions write leaves state.json as it was, and the next save writes both", async () => {
    const st = store();
    await st.save(session("one", 2));
    const two = session("two", 2);
    const { buildDefinitions, definitionsFileName } = await import("../../src/store/task-definitions-file.js");
    const name = definitionsFileName(file, "two", buildDefinitions("two", two.tasks).text);
    await mkdir(path.join(dir, `${name}.tmp-${process.pid}`));
    const err = await st.save(two).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toMatch(/these are the tasks' definitions; state\.json was not written either/);
    expect(await readSaved(file)).toEqual(session("one", 2));
    await rm(path.join(dir, `${name}.tmp-${process.pid}`), { recursive: true });
    await st.save(two);
    expect(await store().load()).toEqual(two);
  });

  it("concurrent saves across sessions: each state.json on disk names definitions that exist", async () => {
    const st = store();
    await Promise.all(Array.from({ length: 12 }, (_, n) => st.save({ ...session(`s${n % 3}`, 2 + (n % 3)), current_task_index: n })));
    const loaded = await store().load();
    expect(loaded.current_task_index).toBe(11);
    expect(loaded.session_id).toBe("s2");
    expect(warnings).toEqual([]);
    expect(await definitionsFiles()).toHaveLength(1);
  });

  it("a saved task is frozen: changing it in place throws instead of leaving a stale file", async () => {
    const s = session("s", 2);
    await store().save(s);
    expect(() => {
      s.tasks[0]!.status = "failed";
    }).toThrow(TypeError);
    expect(() => {
      s.tasks[0]!.permission_denials.push("Bash");
    }).toThrow(TypeError);
    // The session object and its task list stay the caller's.
    s.current_task_index = 1;
    s.tasks = s.tasks.slice();
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
