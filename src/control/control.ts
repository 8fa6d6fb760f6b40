import path from "node:path";
import type { Config } from "../config/config.js";
import type { Clock } from "../core/clock.js";
import { TaskFileError } from "../core/errors.js";
import { sessionIdFor } from "../core/session-id.js";
import { localDate } from "../logging/daily-file-stream.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import { formatStatus } from "../render/format-status.js";
import { loadTaskFile } from "../tasks/load-task-file.js";
import { ControlError } from "./control-error.js";
import type { ControlRequest, ControlResult } from "./control-types.js";
import { readLogTail } from "./read-log-tail.js";
import { resolveTaskFile } from "./resolve-task-file.js";
import { statusData } from "./status-data.js";

export const HELP_TEXT = `Commands:
/start [file] - load today's task file (or the one named) and begin
/status - progress and the current task
/approve - run the task waiting for approval
/pause - stop before the next task
/resume - continue after a pause
/skip - skip the current task
/retry [feedback] - run a failed or interrupted task again
/logs [n] - the last n log lines (default 20)
/help - this list`;

export interface ControlOptions {
  orchestrator: Orchestrator;
  config: Config;
  clock: Clock;
}

/**
 * What every surface calls: turns a request into orchestrator commands and reads, and answers
 * in one shape. Task files named by a caller are confined to paths.tasks_dir.
 */
export class Control {
  constructor(readonly options: ControlOptions) {}

  async execute(request: ControlRequest): Promise<ControlResult> {
    try {
      return await this.#execute(request);
    } catch (error) {
      if (error instanceof ControlError) return { ok: false, code: error.code, message: error.message, data: {} };
      if (error instanceof TaskFileError) return { ok: false, code: "bad_request", message: error.message, data: { issues: error.issues } };
      throw error;
    }
  }

  status(): ControlResult {
    const { orchestrator, clock } = this.options;
    const now = clock.now();
    const problems = orchestrator.problems;
    return { ok: true, code: "ok", message: formatStatus(orchestrator.state, now, problems), data: { ...statusData(orchestrator.state, now, problems) } };
  }

  /** For GET /health: healthy, or the problems that make it degraded ("cannot save the state: …"). */
  health(): { ok: boolean; problems: string[] } {
    const problems = this.options.orchestrator.problems;
    return { ok: problems.length === 0, problems };
  }

  async #execute(request: ControlRequest): Promise<ControlResult> {
    const { config, clock } = this.options;
    switch (request.command) {
      case "status":
        return this.status();
      case "help":
        return { ok: true, code: "ok", message: HELP_TEXT, data: {} };
      case "logs": {
        const lines = request.lines ?? 20;
        const file = path.join(config.paths.logs_dir, `${localDate(clock.now())}.log`);
        const tail = await readLogTail(file, lines);
        const message = tail.length > 0 ? `📜 Recent Logs (last ${tail.length} lines)\n\n${tail.join("\n")}\n\nFull logs: ${file}` : `No log lines yet today (${file}).`;
        return { ok: true, code: "ok", message, data: { logs: tail.join("\n"), file, lines: tail.length } };
      }
      case "start": {
        const file = await resolveTaskFile(config.paths.tasks_dir, request.task_file, localDate(clock.now()));
        const tasks = await loadTaskFile(file);
        return this.#dispatch({ type: "start", task_file: file, tasks, session_id: sessionIdFor(clock.now()) }, { task_file: file, tasks: tasks.map((t) => ({ id: t.id, title: t.title, type: t.type })) });
      }
      case "retry":
        return this.#dispatch({ type: "retry", feedback: request.feedback ?? null });
      default:
        return this.#dispatch({ type: request.command });
    }
  }

  async #dispatch(command: Parameters<Orchestrator["dispatch"]>[0], extra: Record<string, unknown> = {}): Promise<ControlResult> {
    const { orchestrator, clock } = this.options;
    // Refused because of the service (shutting down, the state cannot be saved, still recovering),
    // not because of the session: 503, try again later.
    const unavailable = orchestrator.unavailable;
    const reply = unavailable ? { ok: false, message: unavailable } : await orchestrator.dispatch(command);
    const code = reply.ok ? "ok" : unavailable || /shutting down|Could not save|still recovering/.test(reply.message) ? "unavailable" : "refused";
    return { ok: reply.ok, code, message: reply.message, data: { ...extra, ...statusData(orchestrator.state, clock.now(), orchestrator.problems) } };
  }
}
