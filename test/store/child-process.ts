/**
 * Test helper (not a test): runs a TypeScript fixture in a real child node process through
 * bin/run-ts.js and collects its stdout lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface RunningChild {
  child: ChildProcess;
  pid: number;
  lines: string[];
  stderr(): string;
  /** Resolves with the first line starting with `prefix`; rejects if the child ends first. */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the child has exited and its output is fully read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runFixture(fixture: string, args: string[]): RunningChild {
  const child = spawn(process.execPath, [path.join(repoRoot, "bin/run-ts.js"), path.join(repoRoot, fixture), ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (err += chunk));
  let ended = false;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      if (partial) lines.push(partial);
      for (const l of listeners) l();
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    closed,
    waitForLine(prefix, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for "${prefix}"; stderr: ${err}`)), timeoutMs);
        const check = () => {
          const hit = lines.find((l) => l.startsWith(prefix));
          if (hit !== undefined) finish(null, hit);
          else if (ended) finish(new Error(`child ended before "${prefix}"; stdout: ${lines.join("|")}; stderr: ${err}`));
        };
        function finish(e: Error | null, line?: string) {
          clearTimeout(timer);
          listeners.delete(check);
          if (e) reject(e);
          else resolve(line!);
        }
        listeners.add(check);
        check();
      });
    },
  };
}

/** A pid that certainly belonged to a process that has now exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise((r) => child.on("exit", r));
  return pid;
}
