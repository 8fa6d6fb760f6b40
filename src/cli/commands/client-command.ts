import { EXIT, println } from "../cli-io.js";
import { callServer } from "../http-client.js";
import type { CommandContext } from "../command-context.js";

/** The service waits up to 120 s for a rollback to finish; the client a little longer. */
const ROLLBACK_TIMEOUT_MS = 150_000;

/**
 * `orchestrator approve|pause|resume|skip|retry|cancel|diff [n]|rollback [n] --yes|logs [n]|start [file]`: a command-line client of the
 * running service over HTTP (like `docker` to its daemon). Prints the service's answer.
 * Exit 0 when done, 1 when the state refused it (409) or the service failed, 2 for a bad request.
 */
export async function clientCommand(
  { io, config }: CommandContext,
  command: string,
  args: { arg?: string; feedback?: string; confirm?: boolean; id?: string; decision?: string; text?: string; replace?: boolean; json: boolean },
): Promise<number> {
  const body: Record<string, unknown> = {};
  const arg = args.arg?.trim();
  if (command === "logs" && arg) body.lines = /^\d+$/.test(arg) ? Number(arg) : arg;
  if (command === "start" && arg) body.task_file = arg;
  if (command === "start" && args.replace) body.replace = true;
  if (command === "retry" && args.feedback) body.feedback = args.feedback;
  if ((command === "diff" || command === "rollback") && arg) body.task = /^\d+$/.test(arg) ? Number(arg) : arg;
  if (command === "rollback") {
    body.confirm = args.confirm === true;
    body.by = "the CLI";
  }
  if (command === "cancel" || command === "tell" || command === "permission") body.by = "the CLI";
  if (command === "tell") body.text = args.text ?? "";
  if (command === "budget") Object.assign(body, { by: "the CLI", ...(arg ? { usd: arg } : {}) });
  if (command === "permission") Object.assign(body, { id: args.id, decision: args.decision, ...(args.text ? { message: args.text } : {}) });
  // A rollback answers once the work tree is restored, which may take longer than a command.
  const { status, json } = await callServer(await config(), command, body, command === "rollback" ? ROLLBACK_TIMEOUT_MS : undefined);
  if (args.json) println(io.stdout, JSON.stringify(json, null, 2));
  else if (command === "diff" && status < 300 && typeof json.diff === "string") {
    println(io.stderr, String(json.message ?? ""));
    io.stdout.write(json.diff);
  }
  else if (command === "logs" && typeof json.logs === "string") println(io.stdout, json.logs || String(json.message ?? ""));
  else println(status < 300 ? io.stdout : io.stderr, String(json.message ?? JSON.stringify(json)));
  if (status < 300) return EXIT.ok;
  return status === 400 || status === 404 ? EXIT.badInput : EXIT.taskFailed;
}
