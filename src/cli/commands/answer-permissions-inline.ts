import type { Logger } from "pino";
import { describePermission } from "../../core/describe-permission.js";
import { pendingPermissions } from "../../core/machine/permissions.js";
import type { PermissionDecision, PermissionRecord } from "../../core/permission.js";
import type { Orchestrator } from "../../orchestrator/orchestrator.js";
import { println, type CliIo } from "../cli-io.js";

/** What Claude reads when `orchestrator run` has nobody to ask (no terminal). */
export const NOBODY_THERE =
  "No person was there to answer: the orchestrator runs without a terminal (cron, CI, a pipe). Pre-approve this tool (claude.allowed_tools or claude.always_allow), or run the task from the service (npm start) to be asked on the phone.";

const DECISION_OF: Record<string, PermissionDecision> = { y: "allow", yes: "allow", a: "always", always: "always", n: "deny", no: "deny", s: "stop", stop: "stop" };

/**
 * `orchestrator run`'s answers to Claude's permission requests and questions: in a terminal it
 * asks `Allow Bash: npm test?  [y]es / [a]lways / [n]o / [s]top` (a question: its options by
 * number, or your own text), one request at a time in the order asked; with no terminal each is
 * denied at once with NOBODY_THERE. `--yes` approves checkpoints, never tool calls. Returns the
 * unsubscribe function.
 */
export function answerPermissionsInline(o: Orchestrator, io: CliIo, log: Logger, ask: (question: string) => Promise<string | null>): () => void {
  const seen = new Set<string>();
  let queue = Promise.resolve();
  const handle = (p: PermissionRecord) => {
    queue = queue.then(async () => {
      if (!pendingPermissions(o.state).some((x) => x.id === p.id)) return; // answered meanwhile (or expired)
      const answer = io.stdin.isTTY ? await askPerson(p, io, ask) : null;
      const reply = await o.dispatch(answer ?? { type: "answer_permission", id: p.id, decision: "deny", message: NOBODY_THERE, by: "orchestrator run (no terminal)" });
      if (!reply.ok) log.warn(`permission ${p.id}: ${reply.message}`);
      else if (!answer) log.warn(`denied ${describePermission(p)}: no terminal to ask (see claude.allowed_tools / always_allow)`);
    });
  };
  const scan = () => {
    for (const p of pendingPermissions(o.state)) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      handle(p);
    }
  };
  scan();
  return o.subscribe(scan);
}

async function askPerson(p: PermissionRecord, io: CliIo, ask: (question: string) => Promise<string | null>) {
  const by = "the terminal";
  if (p.kind === "question") {
    const questions = Array.isArray(p.input.questions) ? (p.input.questions as { question?: string; options?: { label?: string }[] }[]) : [];
    const answers: Record<string, string> = {};
    for (const q of questions) {
      if (typeof q.question !== "string") continue;
      const options = (q.options ?? []).map((o) => o.label).filter((l): l is string => typeof l === "string");
      println(io.stdout, `❓ Claude asks: ${q.question}`);
      options.forEach((label, i) => println(io.stdout, `  ${i + 1}. ${label}`));
      const text = await ask(options.length > 0 ? "Your answer (a number, or your own words): " : "Your answer: ");
      if (text === null) return null;
      const n = Number(text);
      answers[q.question] = Number.isInteger(n) && n >= 1 && n <= options.length ? (options[n - 1] as string) : text;
    }
    return { type: "answer_permission" as const, id: p.id, decision: "answer" as const, answers, by };
  }
  for (;;) {
    const text = await ask(`🔐 Allow ${describePermission(p)}?  [y]es / [a]lways / [n]o / [s]top: `);
    if (text === null) return null;
    const decision = DECISION_OF[text.toLowerCase()];
    if (!decision) continue;
    const message = decision === "deny" || decision === "stop" ? (await ask("What should Claude know (Enter for nothing)? ")) || null : null;
    return { type: "answer_permission" as const, id: p.id, decision, message, by };
  }
}
