import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { ApprovalPolicy } from "../../src/core/approval-policy.js";
import { systemClock } from "../../src/core/clock.js";
import type { NotificationPayload, SessionState } from "../../src/core/state.js";
import { createLogger, type Logger } from "../../src/logging/create-logger.js";
import { N8nNotifier, type N8nNotifierOptions } from "../../src/notify/n8n-notifier.js";
import { Orchestrator } from "../../src/orchestrator/orchestrator.js";
import { ScriptedRunner, type Script } from "../../src/runner/scripted-runner.js";
import { MemoryStateStore, type StateStore } from "../../src/store/state-store.js";
import { def } from "../core/machine-helpers.js";
import type { CaughtRequest } from "../fixtures/http-catcher.js";

export const autoPolicy: ApprovalPolicy = { approval_mode: "auto", checkpoint_after: [], auto_approve: [] };

/** The events of an auto-mode session of n tasks, in the order the machine emits them. */
export function sessionEvents(n: number): string[] {
  const perTask = Array.from({ length: n }, () => ["task_started", "task_completed"]).flat();
  return ["session_started", ...perTask, "session_completed"];
}

export const startCommand = (n = 3, session_id = "S1") => ({
  type: "start" as const,
  task_file: "/x/tasks.md",
  tasks: Array.from({ length: n }, (_, i) => def(i + 1)),
  session_id,
});

/** A console that keeps every log line; pino writes synchronously, so `text` is current. */
export class LogCollector extends Writable {
  text = "";
  constructor() {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += String(chunk);
    cb();
  }
  get lines(): Record<string, unknown>[] {
    return this.text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** A debug-level JSON logger into a collector. No secrets are given to it: scrubbing must not hide a leak. */
export function collectingLogger(): { logger: Logger; logs: LogCollector } {
  const logs = new LogCollector();
  const { logger } = createLogger({ level: "debug", logsDir: null, clock: systemClock, console: logs, pretty: false });
  return { logger, logs };
}

const dirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "n8n-notifier-"));
  dirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function openOrchestrator(opts: { logger: Logger; store?: StateStore; scripts?: Script[] }): Promise<Orchestrator> {
  return Orchestrator.open({
    store: opts.store ?? new MemoryStateStore(),
    runner: new ScriptedRunner(...(opts.scripts ?? [])),
    clock: systemClock,
    policy: autoPolicy,
    logger: opts.logger,
    logsDir: tempDir(),
    bootId: "boot-1",
    killOrphan: async () => undefined,
    outbox: true,
    saveRetryMs: 5,
  });
}

/** Small timings so retries and pauses take milliseconds; a fixed jitter keeps runs alike. */
export function fastNotifier(over: Partial<N8nNotifierOptions> & Pick<N8nNotifierOptions, "url" | "orchestrator" | "logger">): N8nNotifier {
  return new N8nNotifier({ secret: "s3cret-webhook-value", retries: 3, baseDelayMs: 10, timeoutMs: 500, retryPauseMs: 100, random: () => 0.5, ...over });
}

/** Resolves once the state satisfies pred (checked now and after every transition); rejects after ms. */
export function until(o: Orchestrator, pred: (s: SessionState) => boolean, ms = 5000): Promise<SessionState> {
  return o.waitFor(pred, ms);
}

/** The payloads of requests n8n answered with a 2xx: what it took. */
export const accepted = (requests: CaughtRequest[]) =>
  requests.filter((r) => typeof r.answer === "number" && r.answer >= 200 && r.answer < 300).map((r) => r.body as NotificationPayload);
