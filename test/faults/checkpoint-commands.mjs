#!/usr/bin/env node
// Verify commands for checkpoints.test.ts, one per first argument (run as `node <this file> <mode> …`,
// in claude.project_dir, as the orchestrator runs a task's **Verify:** line):
//   stubborn <pidfile>        ignores SIGTERM and starts two grandchildren that ignore it too: one in
//                             its process group, one that left it with setsid (as a detached dev server
//                             does). Once both ignore SIGTERM, {"pid","in_group","escaped"} goes to
//                             <pidfile> (written whole via a rename) and it waits for good.
//   flood <MB>                prints <MB> megabytes of numbered 100-byte lines (waiting for the pipe to
//                             drain), then "flood done", and exits 0.
//   files <n>                 writes <n> new files under gen/ and rewrites every file under tracked/
//                             (what a build writing into the tree does), then exits 0.
//   gated <ready> <gate> <KB> prints <KB> KB, creates <ready>, waits until <gate> exists, prints <KB> KB
//                             more, then "gated done", and exits 0.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

const [mode, ...args] = process.argv.slice(2);
const line = (n) => `line ${String(n).padStart(9, "0")} ${"x".repeat(84)}\n`;

/** Prints `bytes` of numbered lines starting at line `from`, honouring backpressure; resolves with the next line number. */
function print(bytes, from = 0) {
  return new Promise((resolve) => {
    let written = 0;
    let n = from;
    const pump = () => {
      while (written < bytes) {
        let chunk = "";
        while (chunk.length < 64 * 1024 && written + chunk.length < bytes) chunk += line(n++);
        written += chunk.length;
        if (!process.stdout.write(chunk)) return void process.stdout.once("drain", pump);
      }
      resolve(n);
    };
    pump();
  });
}

const IGNORE_SIGTERM = "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);";

switch (mode) {
  case "stubborn": {
    const [pidFile] = args;
    process.on("SIGTERM", () => {});
    const inGroup = spawn(process.execPath, ["-e", IGNORE_SIGTERM], { stdio: ["ignore", "pipe", "inherit"] });
    // detached: setsid(), a session and a group of its own; out of reach of a kill of our group.
    const escaped = spawn(process.execPath, ["-e", IGNORE_SIGTERM], { stdio: ["ignore", "pipe", "ignore"], detached: true });
    const ready = (child) => new Promise((resolve) => child.stdout.once("data", resolve));
    await Promise.all([ready(inGroup), ready(escaped)]);
    escaped.stdout.destroy();
    escaped.unref();
    writeFileSync(`${pidFile}.tmp`, JSON.stringify({ pid: process.pid, in_group: inGroup.pid, escaped: escaped.pid }));
    renameSync(`${pidFile}.tmp`, pidFile);
    console.log("waiting");
    setInterval(() => {}, 1000);
    break;
  }
  case "flood": {
    await print(Number(args[0]) * 1024 * 1024);
    process.stdout.write("flood done\n", () => process.exit(0));
    break;
  }
  case "files": {
    const n = Number(args[0]);
    for (let i = 0; i < n; i++) {
      const dir = path.join("gen", `d${String(Math.floor(i / 1000)).padStart(3, "0")}`);
      if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `f${i}.txt`), `generated ${i}\n`);
    }
    let rewritten = 0;
    if (existsSync("tracked")) {
      for (const name of readdirSync("tracked")) {
        writeFileSync(path.join("tracked", name), `rewritten by the build ${name}\n`);
        rewritten++;
      }
    }
    console.log(`wrote ${n} files, rewrote ${rewritten}`);
    break;
  }
  case "gated": {
    const [readyFile, gate, kb] = args;
    const next = await print(Number(kb) * 1024);
    writeFileSync(readyFile, "");
    while (!existsSync(gate)) await new Promise((r) => setTimeout(r, 50));
    await print(Number(kb) * 1024, next);
    process.stdout.write("gated done\n", () => process.exit(0));
    break;
  }
  default:
    process.stderr.write(`checkpoint-commands: unknown mode ${JSON.stringify(mode)}\n`);
    process.exit(2);
}
